package http2

// Handler answers the requests of a connection. ServeHTTP2 is called on
// the connection's loop once a request is complete (END_STREAM received);
// it fills resp and returns. It must not keep req or resp after returning.
type Handler interface {
	ServeHTTP2(req *Request, resp *Response)
}

// Resumer is implemented by Handlers whose work can pause: ServeHTTP2
// (or ResumeHTTP2) calls Response.Suspend and returns; the Conn wakes the
// loop through its Waker and, from Conn.Resume, calls ResumeHTTP2 with the
// same Response until it returns without suspending again. Keep the
// per-stream state in Response.State. If the stream is reset meanwhile,
// ResumeHTTP2 is not called again and Response.Hold is released: that is
// where to cancel the work.
type Resumer interface {
	ResumeHTTP2(resp *Response)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(req *Request, resp *Response)

// ServeHTTP2 calls f.
func (f HandlerFunc) ServeHTTP2(req *Request, resp *Response) { f(req, resp) }

// Releaser is told when a response's body slices are no longer needed:
// all of its DATA was written, or the stream or connection ended first.
// *server.Generation fits, to pin an archive mapping.
type Releaser interface {
	Release()
}

// BodyStream is the rest of a response body that is produced over time,
// by its owner on another goroutine (Server-Sent Events). The HEADERS of
// a Response with a Stream go without END_STREAM; after the pieces given
// to Body and Write, every Conn.Resume asks Next for more: the owner wakes
// the loop through the Conn's Waker (transport.Info.Waker) whenever it has
// octets, and wakes may be coalesced. The DATA frames go out within the
// client's windows like any body, with END_STREAM once Next reports the
// end. Drain ends the stream too (after the octets already taken; Next is
// not called again), and a stream answered while the connection drains
// sends only its pieces. A reset, a flow-control stall or the end of the
// connection releases Response.Hold: that is where the owner learns to
// stop; Next is never called after it. More than MaxStreamBuffer octets
// taken but not yet framed (a client that does not read) reset the
// stream (CANCEL). While a stream is open, the connection has no idle
// timeout.
type BodyStream interface {
	// Next appends the octets to send now to dst and returns it; end says
	// the body is over. It is called on the connection's loop and must
	// not block.
	Next(dst []byte) (out []byte, end bool)
}

// MaxStreamBuffer bounds the octets a BodyStream handed over that wait for
// flow-control window; beyond it the stream is reset.
const MaxStreamBuffer = 1 << 20

// HeaderField is one request header field. Name is lowercase (RFC 9113
// §8.2.1 makes uppercase names malformed).
type HeaderField struct {
	Name, Value []byte
}

// Request is the view of one request. Its slices are valid only during
// ServeHTTP2.
type Request struct {
	StreamID  uint32
	Method    []byte // :method
	Scheme    []byte // :scheme; nil for CONNECT
	Authority []byte // :authority; nil when absent
	Target    []byte // :path as sent (path and query)
	Path      []byte // Target up to '?'
	Query     []byte // after '?'; nil when Target has none
	Fields    []HeaderField
	Trailers  []HeaderField
	// Body holds the request body when it fit in Config.MaxRequestBody.
	Body []byte
	// BodyLen is the number of body octets received.
	BodyLen int64
}

// Header returns the value of the first field named name (lowercase), or
// nil. For fields that may be repeated (cookie), range over Fields.
func (r *Request) Header(name string) []byte {
	for i := range r.Fields {
		if string(r.Fields[i].Name) == name {
			return r.Fields[i].Value
		}
	}
	return nil
}

// Field is one response header field. The writer lowercases names and
// drops connection-specific ones (Connection, Keep-Alive, ...). It has the
// shape of static.Field, so a static field converts with Field(f).
type Field struct {
	Name, Value string
}

// Response is filled by the Handler. It is reused per stream slot: Fields
// and Body are reset before each ServeHTTP2.
type Response struct {
	Status int
	Fields []Field
	// Hold, if set, is released when the body slices given to Body are
	// no longer referenced, or the stream ended without a response.
	Hold Releaser
	// State is the Handler's own per-stream state; it is kept when the
	// Response is reused for a later stream (allocate it once per slot).
	State any
	// Stream, when set, makes the body a stream that goes on after the
	// pieces given to Body and Write: see BodyStream.
	Stream BodyStream

	pieces    []piece
	own       []byte
	suspended bool
	aborted   bool
}

// Suspend tells the Conn that the response is not ready: see Resumer.
func (r *Response) Suspend() { r.suspended = true }

// Abort resets the stream (RST_STREAM INTERNAL_ERROR) instead of sending
// a response.
func (r *Response) Abort() { r.aborted = true }

// piece is a part of the body: ext, or own[off:end] when ext is nil.
type piece struct {
	ext      []byte
	off, end int
}

// Add adds a header field.
func (r *Response) Add(name, value string) {
	r.Fields = append(r.Fields, Field{name, value})
}

// Body adds b to the body without copying; b must stay valid and
// unchanged until Hold is released (or, without Hold, forever: a slice of
// an archive mapping or of package-level data).
func (r *Response) Body(b []byte) {
	if len(b) > 0 {
		r.pieces = append(r.pieces, piece{ext: b})
	}
}

// Write copies b into the stream's own buffer and adds it to the body.
func (r *Response) Write(b []byte) {
	if len(b) > 0 {
		off := len(r.own)
		r.own = append(r.own, b...)
		r.pieces = append(r.pieces, piece{off: off, end: len(r.own)})
	}
}

// ContentLength is the number of body octets added so far.
func (r *Response) ContentLength() int64 {
	var n int64
	for _, p := range r.pieces {
		if p.ext != nil {
			n += int64(len(p.ext))
		} else {
			n += int64(p.end - p.off)
		}
	}
	return n
}

func (r *Response) reset() {
	r.Status = 0
	clear(r.Fields)
	r.Fields = r.Fields[:0]
	r.Hold = nil
	r.Stream = nil
	clear(r.pieces)
	r.pieces = r.pieces[:0]
	r.own = r.own[:0]
	r.suspended, r.aborted = false, false
}

// bytes returns piece i as a slice.
func (r *Response) bytes(i int) []byte {
	p := &r.pieces[i]
	if p.ext != nil {
		return p.ext
	}
	return r.own[p.off:p.end]
}

// tokenLower marks the octets allowed in a request field name: tchar
// (RFC 9110 §5.6.2) without uppercase letters.
var tokenLower = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// validName reports a lowercase token.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenLower[s[i]] {
			return false
		}
	}
	return true
}

// validMethod reports a token (RFC 9110 §9.1).
func validMethod(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tokenLower[c] && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// validValue checks RFC 9113 §8.2.1: no NUL, CR or LF, and no leading or
// trailing space or tab.
func validValue(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[0] == '\t' || s[len(s)-1] == ' ' || s[len(s)-1] == '\t' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == 0 || c == '\r' || c == '\n' {
			return false
		}
	}
	return true
}

// parseContentLength parses a decimal content-length, -1 when invalid.
func parseContentLength(s string) int64 {
	if s == "" || len(s) > 18 {
		return -1
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int64(c-'0')
	}
	return n
}
