package server

import (
	"strconv"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/http1"
	"zeroserve.dev/zeroserve/pkg/server/http2"
	"zeroserve.dev/zeroserve/pkg/server/static"
	"zeroserve.dev/zeroserve/pkg/server/transport"
)

// EndpointPrefix is the path prefix Config.Endpoint is asked about. The
// archive never serves anything under it (.zeroserve/ holds the index and
// the scripts), so an endpoint shadows no site file.
const EndpointPrefix = "/.zeroserve/"

// EndpointRequest is what an endpoint sees of a request. The slices point
// into the connection's buffer: valid during the call only.
type EndpointRequest struct {
	Method []byte
	Path   []byte // still percent-encoded, starts with EndpointPrefix
	Query  []byte // after '?', nil without one
}

// Endpoint is the answer of Config.Endpoint. It runs on the connection's
// loop and must not block.
type Endpoint struct {
	// Status is the response status; 0 means no endpoint here: the request
	// goes on to the scripts and static serving as usual.
	Status int
	// Fields are response fields besides Date, Server, Connection and
	// Content-Length (which the server writes).
	Fields []static.Field
	// Body is the response body, copied before Config.Endpoint is called
	// again. With a Stream it is the first part of the stream.
	Body []byte
	// Stream, when set, makes the response a stream: no Content-Length,
	// and a body that goes on, without idle or write deadline while
	// nothing is waiting to be sent, until the stream ends, the client
	// leaves or the server drains. Over HTTP/1.1 (plain or TLS) the
	// response has "Connection: close" and the connection carries nothing
	// else; over HTTP/2 it is one stream among others (http2.BodyStream),
	// ended with END_STREAM, and the client leaving includes resetting
	// the stream.
	Stream Stream
}

// Stream is the body of a streamed endpoint response, produced by its
// owner on another goroutine. Its methods are called on the connection's
// loop. Over HTTP/2 the Waker is the connection's, shared by its streams:
// a wake makes every open stream of the connection call Next.
type Stream interface {
	// Start is called once the response head is queued. Whenever the
	// owner has bytes to send it calls w.Wake (from any goroutine); the
	// connection then calls Next on its loop. Wakes may be coalesced.
	Start(w transport.Waker)
	// Next appends the bytes to send now to dst and returns it; end says
	// the stream is over (the connection closes once they are sent).
	Next(dst []byte) (out []byte, end bool)
	// Close is called exactly once for every Stream an endpoint returned,
	// started or not, when it is no longer used: unregister here. No Wake
	// is needed after it.
	Close()
}

// maxStreamPending bounds a stream's bytes waiting for a client that does
// not read; beyond it the stream ends.
const maxStreamPending = 1 << 20

// endpointConn is the HTTP/1.1 conn of a server with Config.Endpoint. It
// intercepts requests under EndpointPrefix (conn.startRequest calls
// dispatch) and, while a stream is live, the calls where a stream differs
// from a closing response: Status (keep reading to see the client leave,
// no deadline while idle), Resume (append the stream's bytes), Drain
// (end the stream), Timeout and Close. The conn itself sits in stClosing
// for the whole stream, so it parses no more requests and discards input.
type endpointConn struct {
	*conn
	fn       func(*EndpointRequest) Endpoint
	req      EndpointRequest
	stream   Stream    // the connection's stream, until Close
	live     bool      // the stream is running: not ended, drained or timed out
	buf      []byte    // stream bytes; the unsent segments point into it
	progress time.Time // last write progress, or when output began to wait
}

// withEndpoint wraps a new HTTP/1.1 conn when the server has endpoints.
func (s *Server) withEndpoint(c *conn) transport.Conn {
	if s.cfg.Endpoint == nil {
		return c
	}
	e := &endpointConn{conn: c, fn: s.cfg.Endpoint}
	c.ep = e
	return e
}

var endpointPrefix = []byte(EndpointPrefix)

// isEndpointPath reports whether path is under EndpointPrefix.
func isEndpointPath(path []byte) bool {
	return len(path) >= len(endpointPrefix) && string(path[:len(endpointPrefix)]) == EndpointPrefix
}

// askEndpoint asks fn about the request in *req (a field of the
// connection, so that passing it does not allocate) and clears it. ok is
// false when no endpoint claims the path; a Stream it returned anyway is
// closed.
func askEndpoint(fn func(*EndpointRequest) Endpoint, req *EndpointRequest) (ep Endpoint, ok bool) {
	ep = fn(req)
	*req = EndpointRequest{}
	if ep.Status == 0 {
		if ep.Stream != nil {
			ep.Stream.Close()
		}
		return ep, false
	}
	return ep, true
}

// endpoint answers an HTTP/2 request when an endpoint claims it and
// reports whether it did; r is the stream's Response.Hold, set already.
// No generation is pinned. A Stream becomes the response's
// http2.BodyStream: its Close is r's Release, which comes when the stream
// ended and its DATA was written, or the client reset it, or the
// connection drained or ended.
func (h *h2handler) endpoint(req *http2.Request, resp *http2.Response, r *h2req) bool {
	if !isEndpointPath(req.Path) {
		return false
	}
	h.epr = EndpointRequest{Method: req.Method, Path: req.Path, Query: req.Query}
	ep, ok := askEndpoint(h.ep, &h.epr)
	if !ok {
		return false
	}
	head := string(req.Method) == "HEAD"
	resp.Status = ep.Status
	r.status = ep.Status
	for _, f := range ep.Fields {
		resp.Add(f.Name, f.Value)
	}
	if ep.Stream == nil {
		resp.Add("Content-Length", strconv.Itoa(len(ep.Body)))
	}
	if !head {
		resp.Write(ep.Body) // copied: Body is the endpoint's until its next call
		r.bytes = int64(len(ep.Body))
	}
	if ep.Stream != nil {
		if head {
			ep.Stream.Close() // the head alone
			return true
		}
		r.stream = ep.Stream
		resp.Stream = ep.Stream
		ep.Stream.Start(h.info.Waker)
	}
	return true
}

// dispatch answers r when an endpoint claims it and reports whether it
// did. It is called from startRequest before the generation is pinned.
func (e *endpointConn) dispatch(r *http1.Request) bool {
	if !isEndpointPath(r.Path) {
		return false
	}
	e.req = EndpointRequest{Method: r.Method, Path: r.Path, Query: r.Query}
	ep, ok := askEndpoint(e.fn, &e.req)
	if !ok {
		return false
	}
	c := e.conn
	pr := &c.pendReq
	head := string(r.Method) == "HEAD"
	stream := ep.Stream != nil && !head && !c.draining
	if ep.Stream != nil && !stream {
		ep.Stream.Close() // HEAD, or the server is draining: the head alone
	}
	// A request body is never read: answer and close.
	cf, keep := connField(pr.minor, pr.keep && ep.Stream == nil && r.Framing == http1.BodyNone)
	h0 := c.appendHead(ep.Status, cf, ep.Fields)
	if ep.Stream == nil {
		c.hbuf = append(c.hbuf, "Content-Length: "...)
		c.hbuf = strconv.AppendInt(c.hbuf, int64(len(ep.Body)), 10)
		c.hbuf = append(c.hbuf, "\r\n"...)
	}
	c.hbuf = http1.EndHead(c.hbuf)
	var n int64
	if len(ep.Body) > 0 && !head {
		c.hbuf = append(c.hbuf, ep.Body...)
		n = int64(len(ep.Body))
	}
	c.segs = append(c.segs, c.hbufFrom(h0))
	c.q = append(c.q, queued{end: len(c.segs), status: uint16(ep.Status), bytes: n, start: pr.start, rec: pr.rec})
	switch {
	case stream:
		c.state = stClosing // no more requests; the stream keeps it open
		e.stream, e.live = ep.Stream, true
		e.progress = c.now
		ep.Stream.Start(c.info.Waker)
	case keep:
		c.state = stIdle
	default:
		c.state = stClosing
	}
	return true
}

// pending reports whether output waits to be sent.
func (e *endpointConn) pending() bool { return e.seg < len(e.segs) }

// Status implements transport.Conn.
func (e *endpointConn) Status() transport.Status {
	st := e.conn.Status()
	if !e.live {
		return st
	}
	// Reading goes on (and is discarded) so that a client that leaves is
	// noticed; a stream has no idle deadline, only one on write progress.
	st.Close, st.PauseRead, st.Timeout = false, false, 0
	if e.pending() {
		st.Timeout = remaining(e.o.write, e.now.Sub(e.progress))
	}
	return st
}

// Written implements transport.Conn.
func (e *endpointConn) Written(n int) {
	e.conn.Written(n)
	if n > 0 {
		e.progress = e.now
	}
}

// Resume implements transport.Conn: append what the stream has.
func (e *endpointConn) Resume() {
	if !e.live {
		e.conn.Resume()
		return
	}
	c := e.conn
	c.now = c.o.now()
	switch {
	case !e.pending():
		e.buf = e.buf[:0] // every segment into it was sent
		e.progress = c.now
	case len(e.buf) >= streamBufDetach:
		// Unsent segments still point into buf (a send may be in flight):
		// go on in fresh memory; the old array goes once they are sent.
		e.buf = e.buf[len(e.buf):]
	}
	b0 := len(e.buf)
	out, end := e.stream.Next(e.buf)
	e.buf = out
	if len(out) > b0 {
		c.segs = append(c.segs, out[b0:len(out):len(out)])
	}
	if end || c.unsent() > maxStreamPending {
		e.live = false // closes once the rest is sent
	}
}

// streamBufDetach is the size at which a stream that never catches up
// stops appending to its buffer and starts a new one.
const streamBufDetach = 64 << 10

// Timeout implements transport.Conn: the client stopped reading.
func (e *endpointConn) Timeout() {
	e.live = false
	e.conn.Timeout()
}

// Drain implements transport.Conn: a stream ends, its connection closes.
func (e *endpointConn) Drain() {
	e.live = false
	e.conn.Drain()
}

// Close implements transport.Conn.
func (e *endpointConn) Close(err error) {
	if e.stream != nil {
		e.stream.Close()
		e.stream, e.live = nil, false
	}
	e.conn.Close(err)
}
