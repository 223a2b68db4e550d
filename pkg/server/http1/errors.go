package http1

import "errors"

// ErrNeedMore is returned by Parse when the buffer holds a valid but
// incomplete request head: call again with more bytes.
var ErrNeedMore = errors.New("http1: need more input")

// Error is a request the connection must answer with Status and then close.
// The values are package-level and never allocated per request.
type Error struct {
	Status int    // 400, 413, 414, 431, 501 or 505
	Reason string // short lower-case phrase for the log
}

func (e *Error) Error() string { return "http1: " + e.Reason }

func newErr(status int, reason string) *Error { return &Error{status, reason} }

// Errors returned by Parse and Body. Compare with == or errors.Is, or read
// Status.
var (
	ErrRequestLine      = newErr(400, "malformed request line")
	ErrMethod           = newErr(400, "malformed method")
	ErrTarget           = newErr(400, "malformed request target")
	ErrVersion          = newErr(400, "malformed HTTP version")
	ErrVersionSupported = newErr(505, "HTTP version not supported")
	ErrBareLF           = newErr(400, "bare LF line ending")
	ErrBareCR           = newErr(400, "bare CR")
	ErrObsFold          = newErr(400, "obsolete line folding")
	ErrFieldName        = newErr(400, "malformed header field name")
	ErrFieldValue       = newErr(400, "invalid byte in header field value")
	ErrHost             = newErr(400, "missing, repeated or malformed Host")
	ErrContentLength    = newErr(400, "malformed or repeated Content-Length")
	ErrCLAndTE          = newErr(400, "both Content-Length and Transfer-Encoding")
	ErrTransferEncoding = newErr(400, "malformed or repeated Transfer-Encoding")
	ErrTENotChunked     = newErr(501, "unsupported transfer coding")
	ErrURITooLong       = newErr(414, "request line too long")
	ErrHeaderTooLarge   = newErr(431, "header section too large")
	ErrTooManyHeaders   = newErr(431, "too many header fields")
	ErrBodyTooLarge     = newErr(413, "request body too large")
	ErrChunked          = newErr(400, "malformed chunked body")
	ErrChunkOverhead    = newErr(400, "too much chunked framing overhead")
	ErrTrailer          = newErr(400, "malformed or oversized trailer section")
)

// StatusOf returns the status to answer for err: Error.Status, or 400 for any
// other non-nil error.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 400
}
