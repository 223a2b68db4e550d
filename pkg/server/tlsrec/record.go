package tlsrec

import "errors"

// Record layer constants (RFC 8446 §5).
const (
	headerLen      = 5
	maxPlaintext   = 1 << 14      // TLSPlaintext.length limit (§5.1)
	maxCiphertext  = 1<<14 + 256  // TLSCiphertext.length limit (§5.2)
	maxTLS12Record = 1<<14 + 2048 // TLS 1.2 ciphertext limit (RFC 5246 §6.2.3)
	tagLen         = 16           // every AEAD we support has a 16-byte tag
	maxOverhead    = 1 + tagLen   // inner content type + tag, no padding sent
	maxUseless     = 16           // consecutive records that carry no data (crypto/tls maxUselessRecords)
	recordVersion  = 0x0303       // legacy_record_version after the handshake
	maxRecordWire  = headerLen + maxCiphertext
	maxSealedChunk = headerLen + maxPlaintext + maxOverhead
)

// ContentType is a TLS record content type (RFC 8446 §5.1).
type ContentType uint8

// Content types.
const (
	TypeChangeCipherSpec ContentType = 20
	TypeAlert            ContentType = 21
	TypeHandshake        ContentType = 22
	TypeApplicationData  ContentType = 23
)

// Header is a parsed 5-byte record header.
type Header struct {
	Type    ContentType
	Version uint16
	Length  int // length of the fragment after the header
}

// Errors of ParseHeader.
var (
	// ErrShortHeader means fewer than 5 bytes are available.
	ErrShortHeader = errors.New("tlsrec: short record header")
	// ErrBadType means the content type is not one TLS defines.
	ErrBadType = errors.New("tlsrec: unknown record content type")
	// ErrBadVersion means the legacy version is not 0x03xx.
	ErrBadVersion = errors.New("tlsrec: bad record version")
	// ErrOverflow means the record is longer than TLS allows (record_overflow).
	ErrOverflow = errors.New("tlsrec: record too long")
)

// ParseHeader parses the record header at the start of p. limit is the
// largest fragment length accepted (maxCiphertext after a TLS 1.3
// handshake). It never reads past p and never panics.
func ParseHeader(p []byte, limit int) (Header, error) {
	if len(p) < headerLen {
		return Header{}, ErrShortHeader
	}
	h := Header{
		Type:    ContentType(p[0]),
		Version: uint16(p[1])<<8 | uint16(p[2]),
		Length:  int(p[3])<<8 | int(p[4]),
	}
	if h.Type < TypeChangeCipherSpec || h.Type > TypeApplicationData {
		return h, ErrBadType
	}
	if p[1] != 3 {
		return h, ErrBadVersion
	}
	if h.Length > limit {
		return h, ErrOverflow
	}
	return h, nil
}

// Record returns the first complete record in p (header and fragment) and
// the bytes after it. ok is false when p holds only part of a record.
func Record(p []byte, limit int) (h Header, rec, rest []byte, ok bool, err error) {
	h, err = ParseHeader(p, limit)
	if err == ErrShortHeader {
		return h, nil, p, false, nil
	}
	if err != nil {
		return h, nil, p, false, err
	}
	n := headerLen + h.Length
	if len(p) < n {
		return h, nil, p, false, nil
	}
	return h, p[:n:n], p[n:], true, nil
}

// AppendHeader appends a record header to dst.
func AppendHeader(dst []byte, t ContentType, n int) []byte {
	return append(dst, byte(t), recordVersion>>8, recordVersion&0xff, byte(n>>8), byte(n))
}
