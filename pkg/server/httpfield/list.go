package httpfield

// IsOWS reports whether c is optional white space (RFC 9110 §5.6.3).
func IsOWS(c byte) bool { return c == ' ' || c == '\t' }

// TrimOWS removes leading and trailing optional white space.
func TrimOWS(b []byte) []byte {
	for len(b) > 0 && IsOWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && IsOWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// NextElem splits the next non-empty element off a comma-separated list
// (RFC 9110 §5.6.1). Quoted strings are not special: list elements here are
// codings, range specs and entity-tags, none of which may contain a comma.
func NextElem(list []byte) (elem, rest []byte, ok bool) {
	for len(list) > 0 {
		i := 0
		for i < len(list) && list[i] != ',' {
			i++
		}
		elem = TrimOWS(list[:i])
		if i < len(list) {
			i++
		}
		list = list[i:]
		if len(elem) > 0 {
			return elem, list, true
		}
	}
	return nil, nil, false
}
