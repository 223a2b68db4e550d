package http1

// Continue100 is the interim response for "Expect: 100-continue"
// (RFC 9110 §10.1.1). Send it only when the request's body is wanted and
// none of it has been received yet (see Request.WantsContinue); a final
// response sent instead must be followed by discarding the body or closing.
const Continue100 = "HTTP/1.1 100 Continue\r\n\r\n"

// WantsContinue reports whether the client is waiting for Continue100 before
// sending its body: it asked for it and no body byte has arrived yet
// (buffered is the number of bytes already received after the head).
func (r *Request) WantsContinue(buffered int) bool {
	return r.Expect100 && buffered == 0
}

// Body reads the body of one request: Content-Length accounting or chunked
// decoding. It returns body data as sub-slices of its input without copying.
type Body struct {
	framing   Framing
	remaining int64 // BodyLength: bytes still to come
	chunked   Chunked
}

// Reset prepares b for the body of req under lim.MaxBody (Parse has already
// refused a Content-Length above it).
func (b *Body) Reset(req *Request, lim Limits) {
	lim = lim.norm()
	b.framing = req.Framing
	b.remaining = req.ContentLength
	if req.Framing == BodyChunked {
		b.chunked.Reset(lim.MaxBody)
	}
}

// Done reports whether the whole body has been read (true for no body).
func (b *Body) Done() bool {
	switch b.framing {
	case BodyLength:
		return b.remaining == 0
	case BodyChunked:
		return b.chunked.Done()
	}
	return true
}

// Read consumes body bytes from src: it returns how many bytes belong to the
// body (framing included) and the data among them, a sub-slice of src. Bytes
// after the body (a pipelined request) are never consumed. Call again with
// src[consumed:] while consumed > 0 and !Done(). An error is an *Error:
// answer with its Status and close.
func (b *Body) Read(src []byte) (consumed int, data []byte, err error) {
	switch b.framing {
	case BodyLength:
		n := int64(len(src))
		if n > b.remaining {
			n = b.remaining
		}
		b.remaining -= n
		return int(n), src[:n], nil
	case BodyChunked:
		return b.chunked.Decode(src)
	}
	return 0, nil, nil
}
