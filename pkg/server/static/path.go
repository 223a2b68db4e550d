package static

import (
	"errors"
	"unicode/utf8"

	"zeroserve.dev/zeroserve/pkg/server/httpfield"
)

// ErrBadPath is returned by NormalizePath for a path that is answered 400.
var ErrBadPath = errors.New("static: bad request path")

// NormalizePath decodes and normalises a raw request path (without the
// query) into dst, which it returns with len(result) ≤ len(raw) bytes
// appended. The result starts with '/', has no empty, "." or ".." segments,
// and ends with '/' when raw names a directory (a trailing '/', or a final
// "." or ".." segment). Percent-escapes are decoded before dot-segments are
// resolved, so "%2e%2e" is "..". It fails with ErrBadPath, without
// allocating, for: a path not starting with '/'; ".." above the root; "%2F"
// (an encoded '/') in a segment; a malformed %xx; a decoded NUL or other
// control byte (0x00-0x1f, 0x7f); invalid UTF-8. "//a" equals "/a".
func NormalizePath(dst, raw []byte) ([]byte, error) {
	if len(raw) == 0 || raw[0] != '/' {
		return dst, ErrBadPath
	}
	base := len(dst)
	dst = append(dst, '/') // invariant: the normalised prefix ends with '/'
	file := false          // the last segment was a name, not "", "." or ".."
	for i := 1; i <= len(raw); {
		j := i
		for j < len(raw) && raw[j] != '/' {
			j++
		}
		seg := len(dst)
		for k := i; k < j; k++ {
			c := raw[k]
			if c == '%' {
				if k+2 >= j {
					return dst[:base], ErrBadPath
				}
				hi, ok1 := httpfield.Unhex(raw[k+1])
				lo, ok2 := httpfield.Unhex(raw[k+2])
				if !ok1 || !ok2 {
					return dst[:base], ErrBadPath
				}
				if c = hi<<4 | lo; c == '/' {
					return dst[:base], ErrBadPath
				}
				k += 2
			}
			if c < 0x20 || c == 0x7f {
				return dst[:base], ErrBadPath
			}
			dst = append(dst, c)
		}
		switch s := dst[seg:]; {
		case len(s) == 0 || len(s) == 1 && s[0] == '.':
			dst, file = dst[:seg], false
		case len(s) == 2 && s[0] == '.' && s[1] == '.':
			dst, file = dst[:seg], false
			if len(dst)-base == 1 {
				return dst[:base], ErrBadPath // above the root
			}
			k := len(dst) - 2
			for dst[k] != '/' {
				k--
			}
			dst = dst[:k+1]
		default:
			if !utf8.Valid(s) {
				return dst[:base], ErrBadPath
			}
			dst, file = append(dst, '/'), true
		}
		i = j + 1
	}
	if file {
		dst = dst[:len(dst)-1]
	}
	return dst, nil
}
