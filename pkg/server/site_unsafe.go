package server

import "unsafe"

// within reports whether b lies inside region (b a subslice of region's
// memory), e.g. a body slice of the archive mapping.
func within(b, region []byte) bool {
	if len(b) == 0 || len(region) == 0 {
		return false
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(region)))
	return p >= lo && p+uintptr(len(b)) <= lo+uintptr(len(region))
}

// str views b as a string without copying; b must not change while the
// string is used.
func str(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
