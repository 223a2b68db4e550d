package script

import "unsafe"

// str returns b as a string without copying. The caller keeps b unchanged
// for as long as the string is used.
func str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}
