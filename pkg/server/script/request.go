package script

import (
	"net/netip"

	"zeroserve.dev/zeroserve/pkg/server/http1"
	"zeroserve.dev/zeroserve/pkg/server/static"
)

// MaxURI bounds a request target set by a script.
const MaxURI = 8 << 10

// Request is the request a chain sees and may rewrite. The integrator fills
// it before Run (FromHTTP1, or the setters) and reads it back for static
// serving afterwards (Method, Path, Query, Headers, Static). All bytes are
// copies owned by the Request: the connection's read buffer may change while
// a chain is yielded.
type Request struct {
	method   []byte
	uri      []byte // path [+ '?' query]
	pathEnd  int    // uri[:pathEnd] is the path
	hasQuery bool
	norm     []byte // normalised path, valid when normDone
	normOK   bool
	normDone bool
	tls      bool
	major    uint8
	minor    uint8
	peer     netip.AddrPort
	peerText []byte

	// Headers is the mutable header list.
	Headers Headers
}

func (r *Request) reset() {
	r.method = r.method[:0]
	r.uri = r.uri[:0]
	r.pathEnd, r.hasQuery = 0, false
	r.norm, r.normOK, r.normDone = r.norm[:0], false, false
	r.tls, r.major, r.minor = false, 1, 1
	r.peer = netip.AddrPort{}
	r.peerText = r.peerText[:0]
	r.Headers.reset()
}

// FromHTTP1 fills r from a parsed HTTP/1 request head: method, target
// (origin form; for an absolute-form target its path and query), version
// and every header field. tls and peer describe the connection.
func (r *Request) FromHTTP1(h *http1.Request, tls bool, peer netip.AddrPort) {
	r.SetMethod(h.Method)
	switch {
	case h.Path == nil:
		r.setTarget(h.Target) // authority or asterisk form, kept verbatim
	case h.Query == nil:
		r.setURI(h.Path, nil, false)
	default:
		r.setURI(h.Path, h.Query, true)
	}
	r.SetConn(tls, peer)
	r.SetProto(1, h.Minor)
	for _, f := range h.Fields() {
		r.Headers.Add(f.Name, f.Value)
	}
}

// SetMethod sets the method.
func (r *Request) SetMethod(m []byte) { r.method = append(r.method[:0], m...) }

// SetConn records whether the connection is TLS and the peer address
// (IPv4-mapped IPv6 addresses are unmapped).
func (r *Request) SetConn(tls bool, peer netip.AddrPort) {
	r.tls = tls
	r.peer = netip.AddrPortFrom(peer.Addr().Unmap(), peer.Port())
	r.peerText = r.peerText[:0]
}

// SetProto sets the HTTP version (1.0, 1.1, 2.0, 3.0).
func (r *Request) SetProto(major, minor uint8) { r.major, r.minor = major, minor }

// SetURI sets the request target from an origin-form URI; it reports false
// (leaving r unchanged) when uri is not one: it must start with '/', hold
// only visible ASCII, no '#', and be at most MaxURI bytes.
func (r *Request) SetURI(uri []byte) bool {
	if !validOrigin(uri) {
		return false
	}
	r.setTarget(uri)
	return true
}

func validOrigin(uri []byte) bool {
	if len(uri) == 0 || uri[0] != '/' || len(uri) > MaxURI {
		return false
	}
	for _, c := range uri {
		if c <= 0x20 || c >= 0x7f || c == '#' {
			return false
		}
	}
	return true
}

func (r *Request) setTarget(t []byte) {
	r.uri = append(r.uri[:0], t...)
	r.pathEnd, r.hasQuery = len(r.uri), false
	for i, c := range r.uri {
		if c == '?' {
			r.pathEnd, r.hasQuery = i, true
			break
		}
	}
	r.normDone = false
}

func (r *Request) setURI(path, query []byte, hasQuery bool) {
	r.uri = append(r.uri[:0], path...)
	r.pathEnd, r.hasQuery = len(r.uri), hasQuery
	if hasQuery {
		r.uri = append(r.uri, '?')
		r.uri = append(r.uri, query...)
	}
	r.normDone = false
}

// Method returns the method.
func (r *Request) Method() []byte { return r.method }

// URI returns the target: path and, when present, '?' and the query.
func (r *Request) URI() []byte { return r.uri }

// Path returns the raw (percent-encoded) path.
func (r *Request) Path() []byte { return r.uri[:r.pathEnd] }

// Query returns the raw query without '?', nil when the target has none.
func (r *Request) Query() []byte {
	if !r.hasQuery {
		return nil
	}
	return r.uri[r.pathEnd+1:]
}

// NormalizedPath returns the decoded, normalised path (static.NormalizePath)
// and false when the path is invalid (static serving answers 400).
func (r *Request) NormalizedPath() ([]byte, bool) {
	if !r.normDone {
		var err error
		r.norm, err = static.NormalizePath(r.norm[:0], r.Path())
		r.normOK, r.normDone = err == nil, true
		if err != nil {
			r.norm = r.norm[:0]
		}
	}
	return r.norm, r.normOK
}

// TLS reports whether the request came over TLS.
func (r *Request) TLS() bool { return r.tls }

// Scheme returns "https" or "http".
func (r *Request) Scheme() string {
	if r.tls {
		return "https"
	}
	return "http"
}

// Peer returns the client address.
func (r *Request) Peer() netip.AddrPort { return r.peer }

func (r *Request) peerString() []byte {
	if len(r.peerText) == 0 && r.peer.IsValid() {
		r.peerText = r.peer.AppendTo(r.peerText[:0])
	}
	return r.peerText
}

// Proto returns the HTTP version.
func (r *Request) Proto() (major, minor uint8) { return r.major, r.minor }

// Static fills sr with the request as the chain left it, for static
// serving. The slices point into r and stay valid until r changes.
func (r *Request) Static(sr *static.Request) {
	*sr = static.Request{
		Method:            r.method,
		Path:              r.Path(),
		Query:             r.Query(),
		AcceptEncoding:    r.Headers.GetString("accept-encoding"),
		IfMatch:           r.Headers.GetString("if-match"),
		IfNoneMatch:       r.Headers.GetString("if-none-match"),
		IfModifiedSince:   r.Headers.GetString("if-modified-since"),
		IfUnmodifiedSince: r.Headers.GetString("if-unmodified-since"),
		Range:             r.Headers.GetString("range"),
		IfRange:           r.Headers.GetString("if-range"),
	}
}
