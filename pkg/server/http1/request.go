package http1

// MaxHeaders is the capacity of Request.Headers and the upper bound for
// Limits.MaxHeaders.
const MaxHeaders = 100

// Limits bound what Parse and Body accept. Zero fields take the defaults.
type Limits struct {
	MaxRequestLine int   // request line without CRLF; default 8 KiB (414)
	MaxHeaderBytes int   // header section after the request line; default 16 KiB (431)
	MaxHeaders     int   // number of header fields, ≤ MaxHeaders; default 100 (431)
	MaxBody        int64 // body bytes (decoded, for chunked); default 1 MiB (413)
}

// Default limits.
const (
	DefaultMaxRequestLine = 8 << 10
	DefaultMaxHeaderBytes = 16 << 10
	DefaultMaxBody        = 1 << 20
)

func (l Limits) norm() Limits {
	if l.MaxRequestLine <= 0 {
		l.MaxRequestLine = DefaultMaxRequestLine
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxHeaders <= 0 || l.MaxHeaders > MaxHeaders {
		l.MaxHeaders = MaxHeaders
	}
	if l.MaxBody <= 0 {
		l.MaxBody = DefaultMaxBody
	}
	return l
}

// MaxHead is the largest request head Parse accepts (leading empty lines,
// request line and header section with their CRLFs): a connection that has
// buffered this many bytes without a complete head has already been answered
// with an error.
func (l Limits) MaxHead() int {
	l = l.norm()
	return 2*maxLeadingEmptyLines + l.MaxRequestLine + 2 + l.MaxHeaderBytes
}

// Method identifies the request method without string comparisons.
type Method uint8

// Methods Parse recognises; anything else is MethodOther (Request.Method
// holds its bytes).
const (
	MethodOther Method = iota
	MethodGet
	MethodHead
	MethodPost
	MethodPut
	MethodDelete
	MethodOptions
	MethodPatch
	MethodConnect
	MethodTrace
)

// Framing says how the request body is delimited (RFC 9112 §6.3).
type Framing uint8

const (
	BodyNone    Framing = iota // no body
	BodyLength                 // Content-Length bytes (Request.ContentLength > 0)
	BodyChunked                // Transfer-Encoding: chunked
)

// Known identifies request header fields Parse indexes while parsing, so
// that callers read them without searching.
type Known uint8

// Known fields, sorted by name length (classify relies on it).
const (
	HdrRange Known = iota
	HdrReferer
	HdrIfMatch
	HdrIfRange
	HdrUserAgent
	HdrIfNoneMatch
	HdrAcceptEncoding
	HdrIfModifiedSince
	HdrIfUnmodifiedSince
	numKnown
)

var knownNames = [numKnown]string{
	"range", "referer", "if-match", "if-range", "user-agent", "if-none-match",
	"accept-encoding", "if-modified-since", "if-unmodified-since",
}

// knownLen maps a name length to 1 + the first Known of that length (0: none).
var knownLen = func() (t [32]uint8) {
	for k := numKnown; k > 0; k-- {
		t[len(knownNames[k-1])] = uint8(k)
	}
	return t
}()

// Field is one header field line; both slices point into the parsed buffer.
// Value has surrounding whitespace removed.
type Field struct {
	Name, Value []byte
}

// Request is a parsed request head. Every slice points into the buffer given
// to Parse and is valid only as long as that buffer is unchanged. A Request
// is large (it holds MaxHeaders fields inline); reuse one per connection.
type Request struct {
	Method    []byte // e.g. "GET"
	MethodID  Method
	Target    []byte // request-target as sent
	Path      []byte // path part, still percent-encoded ("/" for an empty absolute-form path; nil for authority- and asterisk-form)
	Query     []byte // after '?', without it; nil when the target has no '?'
	Minor     uint8  // HTTP/1.<Minor>: 0 or 1
	Host      []byte // Host field, or the authority of an absolute-form target; nil when absent
	KeepAlive bool   // connection may be reused after this request (RFC 9112 §9.3)
	Expect100 bool   // HTTP/1.1 request with "Expect: 100-continue" and a body

	Framing       Framing
	ContentLength int64 // for BodyLength

	Headers  [MaxHeaders]Field
	NHeaders int

	known [numKnown]int16 // index+1 into Headers of the first field with that name; 0 = absent
}

// Fields returns the parsed header fields in order.
func (r *Request) Fields() []Field { return r.Headers[:r.NHeaders] }

// Header returns the value of the first field of a known name, or nil when
// the request has none (a present but empty field is a non-nil empty slice).
func (r *Request) Header(k Known) []byte {
	if i := r.known[k]; i > 0 {
		return r.Headers[i-1].Value
	}
	return nil
}

// Get returns the value of the first field whose name equals name, which
// must be lower case, ignoring ASCII case in the request; nil when there is
// none.
func (r *Request) Get(name string) []byte {
	for i := range r.NHeaders {
		if equalFold(r.Headers[i].Name, name) {
			return r.Headers[i].Value
		}
	}
	return nil
}

func (r *Request) reset() {
	r.Method, r.Target, r.Path, r.Query, r.Host = nil, nil, nil, nil, nil
	r.MethodID, r.Minor = MethodOther, 0
	r.KeepAlive, r.Expect100 = false, false
	r.Framing, r.ContentLength = BodyNone, 0
	r.NHeaders = 0
	r.known = [numKnown]int16{}
}

// equalFold reports whether b equals the lower-case ASCII string s, ignoring
// ASCII case in b.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
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
