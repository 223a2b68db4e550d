package httpfield

// Unhex returns the value of the hexadecimal digit c (either case), as used
// in chunk sizes, percent-encoding and JSON \u escapes.
func Unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
