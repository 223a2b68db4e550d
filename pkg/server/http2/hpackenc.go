package http2

import "golang.org/x/net/http2/hpack"

// Response field blocks are encoded here rather than with hpack.Encoder:
// every field is a "literal without indexing" (RFC 7541 §6.2.2) with the
// name taken from the static table when it is there, so the block never
// touches the dynamic table, needs no per-connection state, and encoding
// does not allocate. Values are Huffman-coded when that is shorter.

// staticNames are the names of the HPACK static table (RFC 7541 Appendix
// A), index i+1 at position i.
var staticNames = [...]string{
	":authority", ":method", ":method", ":path", ":path", ":scheme", ":scheme",
	":status", ":status", ":status", ":status", ":status", ":status", ":status",
	"accept-charset", "accept-encoding", "accept-language", "accept-ranges",
	"accept", "access-control-allow-origin", "age", "allow", "authorization",
	"cache-control", "content-disposition", "content-encoding",
	"content-language", "content-length", "content-location", "content-range",
	"content-type", "cookie", "date", "etag", "expect", "expires", "from",
	"host", "if-match", "if-modified-since", "if-none-match", "if-range",
	"if-unmodified-since", "last-modified", "link", "location",
	"max-forwards", "proxy-authenticate", "proxy-authorization", "range",
	"referer", "refresh", "retry-after", "server", "set-cookie",
	"strict-transport-security", "transfer-encoding", "user-agent", "vary",
	"via", "www-authenticate",
}

// nameIndex maps a lowercase name, and its canonical capitalisation
// ("Content-Type"), to its first static table index.
var nameIndex = func() map[string]uint8 {
	m := make(map[string]uint8)
	for i := len(staticNames) - 1; i >= 0; i-- {
		n := staticNames[i]
		m[n] = uint8(i + 1)
		if n[0] != ':' {
			m[canonical(n)] = uint8(i + 1)
		}
	}
	return m
}()

func canonical(s string) string {
	b := []byte(s)
	up := true
	for i, c := range b {
		if up && 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '-'
	}
	return string(b)
}

// lookupName returns the static table index of name (case-insensitive),
// or 0.
func lookupName(name string) uint8 {
	if i, ok := nameIndex[name]; ok {
		return i
	}
	for i, n := range staticNames {
		if len(n) == len(name) && equalFoldLower(name, n) {
			return uint8(i + 1)
		}
	}
	return 0
}

// equalFoldLower compares s with the lowercase ASCII string lower.
func equalFoldLower(s, lower string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// appendVarInt appends an HPACK integer with an n-bit prefix whose high
// bits are first (RFC 7541 §5.1).
func appendVarInt(dst []byte, first byte, n uint, v uint64) []byte {
	k := uint64(1)<<n - 1
	if v < k {
		return append(dst, first|byte(v))
	}
	dst = append(dst, first|byte(k))
	v -= k
	for v >= 128 {
		dst = append(dst, byte(v&0x7f)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

// appendString appends an HPACK string literal (RFC 7541 §5.2).
func appendString(dst []byte, s string) []byte {
	if h := hpack.HuffmanEncodeLength(s); h < uint64(len(s)) {
		dst = appendVarInt(dst, 0x80, 7, h)
		return hpack.AppendHuffmanString(dst, s)
	}
	dst = appendVarInt(dst, 0, 7, uint64(len(s)))
	return append(dst, s...)
}

// appendLowerString appends s lowercased as a raw string literal.
func appendLowerString(dst []byte, s string) []byte {
	dst = appendVarInt(dst, 0, 7, uint64(len(s)))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// appendField appends name: value as a literal without indexing.
func appendField(dst []byte, name, value string) []byte {
	if i := lookupName(name); i != 0 {
		dst = appendVarInt(dst, 0x00, 4, uint64(i))
	} else {
		dst = append(dst, 0x00)
		dst = appendLowerString(dst, name)
	}
	return appendString(dst, value)
}

// appendStatus appends the :status pseudo-field.
func appendStatus(dst []byte, status int) []byte {
	switch status {
	case 200:
		return append(dst, 0x88)
	case 204:
		return append(dst, 0x89)
	case 206:
		return append(dst, 0x8a)
	case 304:
		return append(dst, 0x8b)
	case 400:
		return append(dst, 0x8c)
	case 404:
		return append(dst, 0x8d)
	case 500:
		return append(dst, 0x8e)
	}
	if status < 200 || status > 999 { // no final 1xx in HTTP/2 (RFC 9113 §8.1, §8.6)
		status = 500
	}
	return append(dst, 0x08, 3, byte('0'+status/100), byte('0'+status/10%10), byte('0'+status%10))
}

// hopByHop reports connection-specific fields, which HTTP/2 forbids
// (RFC 9113 §8.2.2); they are dropped from responses.
func hopByHop(name string) bool {
	switch len(name) {
	case 7:
		return equalFoldLower(name, "upgrade")
	case 10:
		return equalFoldLower(name, "connection") || equalFoldLower(name, "keep-alive")
	case 16:
		return equalFoldLower(name, "proxy-connection")
	case 17:
		return equalFoldLower(name, "transfer-encoding")
	}
	return false
}
