package static

import (
	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/server/httpfield"
)

func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// qNone marks a coding the Accept-Encoding field does not mention.
const qNone = -1

// negotiate picks the representation of e for an Accept-Encoding value
// (RFC 9110 §12.5.3): the variant with the highest q-value above 0, the
// server's order br > zstd > gzip breaking ties, and identity when it has a
// higher q-value than every variant. A missing field means identity. When
// nothing is acceptable (identity refused and no acceptable variant) identity
// is served anyway: RFC 9110 allows ignoring the field rather than 406.
func negotiate(ae []byte, e *archive.Entry) archive.Encoding {
	if ae == nil || e.NVariants == 0 {
		return archive.Identity
	}
	q := [4]int{qNone, qNone, qNone, qNone} // by archive.Encoding
	star := qNone
	for list := ae; ; {
		elem, rest, ok := httpfield.NextElem(list)
		if !ok {
			break
		}
		list = rest
		coding, w, ok := splitWeight(elem)
		if !ok {
			continue
		}
		switch {
		case equalFold(coding, "br"):
			setQ(&q[archive.Brotli], w)
		case equalFold(coding, "zstd"):
			setQ(&q[archive.Zstd], w)
		case equalFold(coding, "gzip"), equalFold(coding, "x-gzip"):
			setQ(&q[archive.Gzip], w)
		case equalFold(coding, "identity"):
			setQ(&q[archive.Identity], w)
		case len(coding) == 1 && coding[0] == '*':
			setQ(&star, w)
		}
	}
	for i := range q {
		if q[i] == qNone {
			q[i] = star
		}
	}
	if q[archive.Identity] == qNone {
		q[archive.Identity] = 1 // acceptable, but below any explicit preference
	}
	best, bestQ := archive.Identity, 0
	for _, v := range e.Variants[:min(int(e.NVariants), len(e.Variants))] {
		if v.Encoding == archive.Identity || int(v.Encoding) >= len(q) {
			continue
		}
		w := q[v.Encoding]
		if w > bestQ || (w == bestQ && w > 0 && v.Encoding < best) {
			best, bestQ = v.Encoding, w
		}
	}
	if bestQ > 0 && bestQ >= q[archive.Identity] {
		return best
	}
	return archive.Identity
}

func setQ(q *int, w int) {
	if *q == qNone {
		*q = w
	}
}

// splitWeight splits "coding;q=0.5" into the coding and its weight in
// thousandths (RFC 9110 §12.4.2); ok is false for a malformed weight, so the
// element is ignored.
func splitWeight(elem []byte) (coding []byte, w int, ok bool) {
	i := 0
	for i < len(elem) && elem[i] != ';' {
		i++
	}
	coding = httpfield.TrimOWS(elem[:i])
	if len(coding) == 0 {
		return nil, 0, false
	}
	if i == len(elem) {
		return coding, 1000, true
	}
	p := httpfield.TrimOWS(elem[i+1:])
	if len(p) < 3 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=' {
		return nil, 0, false
	}
	w, ok = parseQ(p[2:])
	return coding, w, ok
}

// parseQ parses qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
func parseQ(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 5 || (b[0] != '0' && b[0] != '1') {
		return 0, false
	}
	if len(b) == 1 {
		return int(b[0]-'0') * 1000, true
	}
	if b[1] != '.' {
		return 0, false
	}
	w, scale := 0, 100
	for _, c := range b[2:] {
		if c < '0' || c > '9' {
			return 0, false
		}
		w += int(c-'0') * scale
		scale /= 10
	}
	if b[0] == '1' {
		if w != 0 {
			return 0, false
		}
		return 1000, true
	}
	return w, true
}

// etagMatch reports whether the If-Match/If-None-Match list matches etag
// (RFC 9110 §13.1.1, §13.1.2). "*" matches any current representation. The
// weak comparison ignores a "W/" prefix on either side; the strong one
// requires both tags to be strong. Parsing stops at the first malformed
// element.
func etagMatch(list []byte, etag string, weak bool) bool {
	if t := httpfield.TrimOWS(list); len(t) == 1 && t[0] == '*' {
		return true
	}
	strongETag := len(etag) < 2 || etag[:2] != "W/"
	opaque := etag
	if !strongETag {
		opaque = etag[2:]
	}
	for len(list) > 0 {
		list = httpfield.TrimOWS(list)
		for len(list) > 0 && list[0] == ',' {
			list = httpfield.TrimOWS(list[1:])
		}
		if len(list) == 0 {
			return false
		}
		weakTag := false
		if len(list) >= 2 && list[0] == 'W' && list[1] == '/' {
			weakTag, list = true, list[2:]
		}
		if len(list) == 0 || list[0] != '"' {
			return false
		}
		end := 1
		for end < len(list) && list[end] != '"' {
			if c := list[end]; c < 0x21 || c == 0x7f {
				return false
			}
			end++
		}
		if end == len(list) {
			return false
		}
		tag := list[:end+1]
		list = list[end+1:]
		if string(tag) == opaque && (weak || (!weakTag && strongETag)) {
			return true
		}
	}
	return false
}
