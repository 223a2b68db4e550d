package archive

import "unsafe"

// str returns the string-table string described by the (offset, length)
// pair at rec, without copying: it aliases the mapping. parseIndex has
// checked every such pair is inside the table.
func (r *Reader) str(rec []byte) string {
	off, n := le.Uint32(rec), le.Uint32(rec[4:])
	if n == 0 {
		return ""
	}
	return unsafe.String(&r.x.strs[off], int(n))
}
