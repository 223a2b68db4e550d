package script

import "bytes"

// span locates bytes in an append-only byte buffer.
type span struct{ off, n uint32 }

func (s span) of(buf []byte) []byte { return buf[s.off : s.off+s.n : s.off+s.n] }

// field is one request header field; name and value live in Headers.buf.
type field struct{ name, value span }

// Header limits of one request (client fields plus script edits).
const (
	MaxHeaderFields = 200
	MaxHeaderBytes  = 64 << 10
)

// Headers is the request's mutable header list: field order is kept, names
// compare case-insensitively. Bytes live in one append-only buffer that is
// reset (not reallocated) between requests; edits append, so a request that
// rewrites headers many times reaches MaxHeaderBytes and further edits fail.
type Headers struct {
	list []field
	buf  []byte
	fold []byte // scratch of delete: the lower-cased pattern and a name
}

func (h *Headers) reset() {
	h.list = h.list[:0]
	h.buf = h.buf[:0]
}

// Len returns the number of fields.
func (h *Headers) Len() int { return len(h.list) }

// At returns field i's name and value; they are valid until the next edit.
func (h *Headers) At(i int) (name, value []byte) {
	f := h.list[i]
	return f.name.of(h.buf), f.value.of(h.buf)
}

func (h *Headers) store(b []byte) (span, bool) {
	if len(h.buf)+len(b) > MaxHeaderBytes {
		return span{}, false
	}
	s := span{uint32(len(h.buf)), uint32(len(b))}
	h.buf = append(h.buf, b...)
	return s, true
}

// Add appends a field. It reports false when a limit is reached or the
// field is invalid (see validName, validValue).
func (h *Headers) Add(name, value []byte) bool {
	if len(h.list) >= MaxHeaderFields || !validName(name) || !validValue(value) {
		return false
	}
	if len(h.buf)+len(name)+len(value) > MaxHeaderBytes {
		return false
	}
	n, _ := h.store(name)
	v, _ := h.store(value)
	h.list = append(h.list, field{n, v})
	return true
}

// Set replaces every field called name by one field name: value (at the
// position of the first one); an empty value removes them.
func (h *Headers) Set(name, value []byte) bool {
	if !validName(name) || !validValue(value) {
		return false
	}
	if len(value) == 0 {
		h.remove(name) // exact: a '*' in name is a token character here
		return true
	}
	first := -1
	for i, f := range h.list {
		if equalFold(f.name.of(h.buf), name) {
			first = i
			break
		}
	}
	if first < 0 {
		return h.Add(name, value)
	}
	v, ok := h.store(value)
	if !ok {
		return false
	}
	h.list[first].value = v
	out := h.list[:first+1]
	for _, f := range h.list[first+1:] {
		if !equalFold(f.name.of(h.buf), name) {
			out = append(out, f)
		}
	}
	h.list = out
	return true
}

// Get returns the value of the first field called name; nil when absent.
func (h *Headers) Get(name []byte) []byte {
	for _, f := range h.list {
		if equalFold(f.name.of(h.buf), name) {
			return f.value.of(h.buf)
		}
	}
	return nil
}

// GetString is Get for a lower-case name given as a string.
func (h *Headers) GetString(name string) []byte {
	for _, f := range h.list {
		if equalFoldString(f.name.of(h.buf), name) {
			return f.value.of(h.buf)
		}
	}
	return nil
}

// appendCombined appends the values of every field called name to dst,
// joined with ", " (RFC 9110 §5.3), or "; " for Cookie (RFC 6265 §5.4),
// and reports whether there was any.
func (h *Headers) appendCombined(dst, name []byte) ([]byte, bool) {
	sep := ", "
	if equalFoldString(name, "cookie") {
		sep = "; "
	}
	found := false
	for _, f := range h.list {
		if !equalFold(f.name.of(h.buf), name) {
			continue
		}
		if found {
			dst = append(dst, sep...)
		}
		dst = append(dst, f.value.of(h.buf)...)
		found = true
	}
	return dst, found
}

// Delete removes the fields whose name matches pattern, case-insensitively,
// and returns how many: an exact name, "p*" (prefix), "*s" (suffix), "*x*"
// (substring) or "*" (every field).
func (h *Headers) Delete(pattern []byte) int {
	n, _ := h.delete(pattern)
	return n
}

// delete is Delete; it also returns the number of name bytes it compared
// (the work a helper charges). A substring pattern is searched in
// lower-cased copies with bytes.Index: linear, where comparing at every
// offset would cost len(name)·len(pattern) on near-matches.
func (h *Headers) delete(pattern []byte) (removed, scanned int) {
	sub := len(pattern) > 2 && pattern[0] == '*' && pattern[len(pattern)-1] == '*'
	if sub {
		h.fold = appendLower(h.fold[:0], pattern[1:len(pattern)-1])
	}
	k := len(h.fold)
	out := h.list[:0]
	for _, f := range h.list {
		name := f.name.of(h.buf)
		scanned += len(name)
		var match bool
		if sub {
			h.fold = appendLower(h.fold[:k], name)
			match = bytes.Contains(h.fold[k:], h.fold[:k])
		} else {
			match = matchName(name, pattern)
		}
		if !match {
			out = append(out, f)
		}
	}
	removed = len(h.list) - len(out)
	h.list = out
	return removed, scanned
}

// remove removes the fields called name (case-insensitive).
func (h *Headers) remove(name []byte) {
	out := h.list[:0]
	for _, f := range h.list {
		if !equalFold(f.name.of(h.buf), name) {
			out = append(out, f)
		}
	}
	h.list = out
}

func appendLower(dst, s []byte) []byte {
	for _, c := range s {
		dst = append(dst, lower(c))
	}
	return dst
}

// matchName matches a field name against a delete pattern that is not a
// substring pattern "*x*" (see Delete).
func matchName(name, pat []byte) bool {
	lead := len(pat) > 0 && pat[0] == '*'
	trail := len(pat) > 1 && pat[len(pat)-1] == '*' || len(pat) == 1 && lead
	switch {
	case lead && trail: // "*" or "**"
		return true
	case lead:
		s := pat[1:]
		return len(name) >= len(s) && equalFold(name[len(name)-len(s):], s)
	case trail:
		p := pat[:len(pat)-1]
		return len(name) >= len(p) && equalFold(name[:len(p)], p)
	}
	return equalFold(name, pat)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// text is a string or a byte slice.
type text interface{ ~string | ~[]byte }

// equalFold compares ASCII case-insensitively.
func equalFold[A, B text](a A, b B) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

// equalFoldString is equalFold for a byte slice and a string.
func equalFoldString(a []byte, b string) bool { return equalFold(a, b) }

// tchar reports whether c is an RFC 9110 §5.6.2 token character.
func tchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// validName reports whether b is a token (a field name or method).
func validName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tchar(c) {
			return false
		}
	}
	return true
}

// validValue reports whether b can be sent as a field value: no CR, LF or
// NUL (other controls are left to the protocol writers).
func validValue(b []byte) bool {
	for _, c := range b {
		if c == '\r' || c == '\n' || c == 0 {
			return false
		}
	}
	return true
}
