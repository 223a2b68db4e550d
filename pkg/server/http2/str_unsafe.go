package http2

import "unsafe"

// bytesString views b as a string without copying; b must not change
// while the string is used.
func bytesString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
