package static

import "zeroserve.dev/zeroserve/pkg/server/httpfield"

// MaxRanges is the most ranges one request may ask for; a Range field with
// more range specs is ignored and the whole representation served.
const MaxRanges = 16

// byteRange is a satisfiable range: offset and length within the
// representation.
type byteRange struct {
	off, n int64
}

type rangeResult uint8

const (
	rangeIgnore        rangeResult = iota // serve 200 with the whole representation
	rangeOK                               // serve 206 with the ranges
	rangeUnsatisfiable                    // 416
)

// parseRange evaluates a Range field against a representation of size bytes
// (RFC 9110 §14.1.2, §14.2). It returns rangeIgnore for another unit, a
// malformed field, more than MaxRanges specs, and for satisfiable ranges
// that overlap or add up to more than size (abuse protection, RFC 9110
// §14.2: "a server MAY ignore the Range header field"); rangeUnsatisfiable
// when no spec overlaps the representation; otherwise rangeOK with the
// satisfiable ranges in request order.
func parseRange(h []byte, size int64, out *[MaxRanges]byteRange) (int, rangeResult) {
	if len(h) < 6 || !equalFold(h[:6], "bytes=") {
		return 0, rangeIgnore
	}
	list := h[6:]
	specs, n := 0, 0
	for {
		elem, rest, ok := httpfield.NextElem(list)
		if !ok {
			break
		}
		list = rest
		if specs++; specs > MaxRanges {
			return 0, rangeIgnore
		}
		dash := 0
		for dash < len(elem) && elem[dash] != '-' {
			dash++
		}
		if dash == len(elem) {
			return 0, rangeIgnore
		}
		first, last := elem[:dash], elem[dash+1:]
		var r byteRange
		if len(first) == 0 { // suffix-range: "-" suffix-length
			sfx, ok := digits(last)
			if !ok {
				return 0, rangeIgnore
			}
			if sfx == 0 || size == 0 {
				continue // unsatisfiable
			}
			r = byteRange{max(size-sfx, 0), min(sfx, size)}
		} else {
			a, ok := digits(first)
			if !ok {
				return 0, rangeIgnore
			}
			b := int64(-1)
			if len(last) > 0 {
				if b, ok = digits(last); !ok || b < a {
					return 0, rangeIgnore
				}
			}
			if a >= size {
				continue // unsatisfiable
			}
			if b < 0 || b >= size {
				b = size - 1
			}
			r = byteRange{a, b - a + 1}
		}
		out[n] = r
		n++
	}
	if specs == 0 {
		return 0, rangeIgnore
	}
	if n == 0 {
		return 0, rangeUnsatisfiable
	}
	var sum int64
	for i := range n {
		sum += out[i].n
		for j := range i {
			if out[i].off < out[j].off+out[j].n && out[j].off < out[i].off+out[i].n {
				return 0, rangeIgnore
			}
		}
	}
	if sum > size {
		return 0, rangeIgnore
	}
	return n, rangeOK
}

// digits parses 1*DIGIT, saturating at 10^18 (larger positions are past any
// representation anyway).
func digits(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n < 1e17 {
			n = n*10 + int64(c-'0')
		} else {
			n = 1e18
		}
	}
	return n, true
}
