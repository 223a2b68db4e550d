package server

import "unsafe"

// bytesString views b as a string without copying, for lookups that do not
// keep the string. b must not change while the string is in use.
func bytesString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
