package http1

import "zeroserve.dev/zeroserve/pkg/server/httpfield"

// Chunked-coding bounds (RFC 9112 §7.1).
const (
	maxChunkSizeDigits = 16      // hex digits of a chunk size (with the int63 check below)
	maxChunkExt        = 1 << 10 // bytes of chunk extensions per chunk
	maxTrailerBytes    = 8 << 10 // bytes of the whole trailer section
	maxChunkExcess     = 16 << 10
)

type chunkState uint8

const (
	csSize         chunkState = iota // hex digits of chunk-size
	csSizeWS                         // BWS after chunk-size, only before ';'
	csExt                            // chunk-ext up to CR
	csSizeLF                         // LF after chunk-size line
	csData                           // chunk-data
	csDataCR                         // CR after chunk-data
	csDataLF                         // LF after chunk-data
	csTrailer                        // start of a trailer line or the final CRLF
	csTrailerName                    // field-name of a trailer
	csTrailerValue                   // field-value of a trailer up to CR
	csTrailerLF                      // LF after a trailer line
	csEndLF                          // LF of the final empty line
	csDone
)

// Chunked decodes a chunked request body incrementally (RFC 9112 §7.1) over
// any split of its input. It does not allocate and does not copy: data is
// returned as sub-slices of the input. Chunk extensions and trailer fields are
// validated, bounded and discarded. The zero value is not ready; call Reset.
type Chunked struct {
	state   chunkState
	digits  uint8
	size    int64 // current chunk: announced size, then remaining bytes
	ext     int   // bytes of extensions in the current chunk line
	trailer int   // bytes of trailer section so far
	total   int64 // decoded body bytes so far
	limit   int64
	excess  int64 // framing bytes not covered by the per-chunk allowance
}

// Reset prepares d for a new body of at most limit decoded bytes.
func (d *Chunked) Reset(limit int64) { *d = Chunked{limit: limit} }

// Done reports whether the terminating chunk and trailer section were read.
func (d *Chunked) Done() bool { return d.state == csDone }

// Total returns the number of body bytes decoded so far.
func (d *Chunked) Total() int64 { return d.total }

// Decode consumes chunked framing and at most one span of body data from
// src. It returns how many bytes of src it consumed and the body bytes among
// them (data is a sub-slice of src, possibly empty). Call it again with the
// rest of src while consumed > 0 and !Done(); unconsumed bytes are never part
// of the framing read so far, so they can be presented again with more input.
// An error is an *Error (400 or 413): close the connection.
func (d *Chunked) Decode(src []byte) (consumed int, data []byte, err error) {
	i := 0
	for i < len(src) && d.state != csDone {
		if d.state == csData {
			n := int64(len(src) - i)
			if n > d.size {
				n = d.size
			}
			data = src[i : i+int(n)]
			d.size -= n
			d.total += n
			if d.excess -= 2 * n; d.excess < 0 {
				d.excess = 0
			}
			if d.size == 0 {
				d.state = csDataCR
			}
			return i + int(n), data, nil
		}
		if err := d.step(src[i]); err != nil {
			return i, nil, err
		}
		i++
		if d.excess++; d.excess > maxChunkExcess {
			return i, nil, ErrChunkOverhead
		}
	}
	return i, nil, nil
}

// step advances the framing state machine by one byte.
func (d *Chunked) step(c byte) error {
	switch d.state {
	case csSize:
		if v, ok := httpfield.Unhex(c); ok {
			if d.digits == maxChunkSizeDigits || d.size > (1<<63-1)>>4 {
				return ErrChunked
			}
			d.size = d.size<<4 | int64(v)
			d.digits++
			return nil
		}
		if d.digits == 0 {
			return ErrChunked // no size, or a sign or space before it
		}
		switch c {
		case ';':
			d.state = csExt
		case ' ', '\t':
			d.state = csSizeWS
		case '\r':
			d.state = csSizeLF
		default:
			return ErrChunked
		}
	case csSizeWS:
		switch c {
		case ' ', '\t':
		case ';':
			d.state = csExt
		default:
			return ErrChunked
		}
	case csExt:
		if c == '\r' {
			d.state = csSizeLF
			return nil
		}
		if class[c]&cVchar == 0 && !httpfield.IsOWS(c) {
			return ErrChunked
		}
		if d.ext++; d.ext > maxChunkExt {
			return ErrChunked
		}
	case csSizeLF:
		if c != '\n' {
			return ErrChunked
		}
		if d.size > d.limit-d.total {
			return ErrBodyTooLarge
		}
		if d.excess -= 16; d.excess < 0 {
			d.excess = 0
		}
		if d.size == 0 {
			d.state = csTrailer
		} else {
			d.state = csData
		}
		d.digits, d.ext = 0, 0
	case csDataCR:
		if c != '\r' {
			return ErrChunked
		}
		d.state = csDataLF
	case csDataLF:
		if c != '\n' {
			return ErrChunked
		}
		d.state = csSize
	default:
		return d.stepTrailer(c)
	}
	return nil
}

// stepTrailer parses the trailer section (RFC 9112 §7.1.2) and drops it.
func (d *Chunked) stepTrailer(c byte) error {
	if d.trailer++; d.trailer > maxTrailerBytes {
		return ErrTrailer
	}
	switch d.state {
	case csTrailer:
		if c == '\r' {
			d.state = csEndLF
			return nil
		}
		if class[c]&cToken == 0 {
			return ErrTrailer // includes obs-fold and bare LF
		}
		d.state = csTrailerName
	case csTrailerName:
		if c == ':' {
			d.state = csTrailerValue
		} else if class[c]&cToken == 0 {
			return ErrTrailer
		}
	case csTrailerValue:
		if c == '\r' {
			d.state = csTrailerLF
		} else if class[c]&cVchar == 0 && !httpfield.IsOWS(c) {
			return ErrTrailer
		}
	case csTrailerLF, csEndLF:
		if c != '\n' {
			return ErrTrailer
		}
		if d.state == csEndLF {
			d.state = csDone
		} else {
			d.state = csTrailer
		}
	}
	return nil
}
