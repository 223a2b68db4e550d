package http1

// Byte classes (RFC 9110 §5.6.2 tchar, §5.5 field-vchar, RFC 3986 targets).
const (
	cToken  = 1 << iota // tchar
	cVchar              // field-vchar or obs-text: 0x21-0x7e, 0x80-0xff
	cTarget             // allowed in a request-target: 0x21-0x7e except '#'
	cHost               // allowed in Host: unreserved, sub-delims, ':', '[', ']', '%'
)

var class = func() (t [256]uint8) {
	for c := 0x21; c <= 0x7e; c++ {
		t[c] |= cVchar | cTarget
	}
	t['#'] &^= cTarget // a fragment is never part of a request-target
	for c := 0x80; c <= 0xff; c++ {
		t[c] |= cVchar
	}
	for c := '0'; c <= '9'; c++ {
		t[c] |= cToken | cHost
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] |= cToken | cHost
		t[c-'a'+'A'] |= cToken | cHost
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] |= cToken
	}
	for _, c := range "-._~!$&'()*+,;=:[]%" {
		t[c] |= cHost
	}
	return t
}()

func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if class[c]&cToken == 0 {
			return false
		}
	}
	return true
}
