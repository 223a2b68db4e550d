package server

import "unsafe"

// within reports whether b lies inside region (b a subslice of region's
// memory), e.g. a body slice of the archive mapping.
func within(b, region []byte) bool { return offsetIn(b, region) >= 0 }

// offsetIn returns where b starts in region, or -1 when b (non-empty) does
// not lie inside region's memory.
func offsetIn(b, region []byte) int {
	if len(b) == 0 || len(region) == 0 {
		return -1
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(region)))
	if p < lo || p+uintptr(len(b)) > lo+uintptr(len(region)) {
		return -1
	}
	return int(p - lo)
}

// str views b as a string without copying; b must not change while the
// string is used.
func str(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
