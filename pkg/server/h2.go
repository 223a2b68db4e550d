package server

import (
	"math"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/http1"
	"zeroserve.dev/zeroserve/pkg/server/http2"
	"zeroserve.dev/zeroserve/pkg/server/static"
	"zeroserve.dev/zeroserve/pkg/server/transport"
)

// http2Config is the http2.Config of every HTTP/2 connection.
func (s *Server) http2Config() *http2.Config {
	cfg := s.cfg
	body := cfg.MaxBodyBytes // --max-body-bytes, as for HTTP/1.1
	if body <= 0 {
		body = http1.DefaultMaxBody
	}
	return &http2.Config{
		MaxConcurrentStreams: cfg.H2MaxStreams,
		InitialWindowSize:    cfg.H2StreamWindow,
		ConnWindowSize:       cfg.H2ConnWindow,
		IdleTimeout:          cfg.IdleTimeout,
		WriteTimeout:         cfg.WriteTimeout,
		BodyTimeout:          cfg.BodyTimeout, // as for HTTP/1.1
		MaxRequestBody:       int(min(body, math.MaxInt)),
		Now:                  cfg.Now,
	}
}

// h2handler answers the streams of one HTTP/2 connection through the same
// exchange as HTTP/1.1 (scripts, static, templates, metadata headers). It
// is the connection's http2.Handler and Resumer, used on its loop only.
type h2handler struct {
	o    *connOptions
	info transport.Info
	hc   hostCheck
	free []*h2req                        // finished requests for reuse
	ep   func(*EndpointRequest) Endpoint // Config.Endpoint (endpoint.go)
	epr  EndpointRequest
}

// h2req is one stream's request from its HEADERS until its response was
// written (or the stream ended): it is the Response.Hold, so its Release
// ends the exchange (cancelling a yielded chain), unpins the generation
// and writes the access log record. It is not tied to a stream slot: the
// http2.Conn may reuse the slot before the Hold is released.
type h2req struct {
	h      *h2handler
	gen    *Generation
	ex     exchange
	rec    AccessRecord
	start  time.Time
	status int
	bytes  int64
	stream Stream // an endpoint's stream, closed by Release
}

// newH2 creates the HTTP/2 side of a connection (after ALPN "h2" or an
// h2c preface).
func (s *Server) newH2(info transport.Info, hc hostCheck) transport.Conn {
	o := s.opts
	o.cur = &s.cur
	h := &h2handler{o: &o, info: info, hc: hc, ep: s.cfg.Endpoint}
	return http2.NewConn(s.h2, h, info.Waker)
}

func (h *h2handler) get() *h2req {
	if n := len(h.free); n > 0 {
		r := h.free[n-1]
		h.free = h.free[:n-1]
		return r
	}
	return &h2req{h: h}
}

var (
	h2Host        = "host"
	fieldHost     = []byte(h2Host)
	misdirectBody = []byte(http1.StatusText(421) + "\n")
)

// ServeHTTP2 implements http2.Handler.
func (h *h2handler) ServeHTTP2(req *http2.Request, resp *http2.Response) {
	r := h.get()
	now := h.o.now()
	r.start, r.status, r.bytes = now, 0, 0
	rec := &r.rec
	rec.Time, rec.Remote, rec.Proto = now, h.info.Remote, 20
	rec.ID = h.o.requestID.Add(1)
	rec.SetMethod(req.Method)
	rec.SetTarget(req.Target)
	resp.Hold = r

	host := req.Authority
	if host == nil {
		host = req.Header(h2Host)
	}
	if h.hc.misdirected(host) {
		r.status = 421
		resp.Status = 421
		resp.Add("Content-Type", "text/plain; charset=utf-8")
		resp.Body(misdirectBody)
		r.bytes = int64(len(misdirectBody))
		h.o.log.Warn("request refused", "status", 421, "err", errMisdirected,
			"remote", h.info.Remote, "id", string(AppendRequestID(nil, rec.ID)))
		return
	}

	if h.ep != nil && h.endpoint(req, resp, r) {
		return // an endpoint answered (endpoint.go)
	}
	r.gen = h.o.cur.Acquire()
	head := string(req.Method) == "HEAD"
	if sr := r.ex.begin(r.gen, h.info.Worker, rec.ID, head); sr != nil {
		sr.SetMethod(req.Method)
		if !sr.SetURI(req.Target) {
			r.ex.end()
			resp.Status = 400
			r.status = 400
			return
		}
		sr.SetConn(h.hc.tls, h.info.Remote)
		sr.SetProto(2, 0)
		if req.Authority != nil && req.Header(h2Host) == nil {
			sr.Headers.Add(fieldHost, req.Authority)
		}
		for _, f := range req.Fields {
			sr.Headers.Add(f.Name, f.Value)
		}
	} else {
		staticFromHTTP2(req, r.ex.staticRequest())
	}
	if !r.ex.run() {
		resp.Suspend()
		return
	}
	r.respond(resp)
}

// ResumeHTTP2 implements http2.Resumer: the next slice of a yielded chain.
func (h *h2handler) ResumeHTTP2(resp *http2.Response) {
	r := resp.Hold.(*h2req)
	if !r.ex.resume() {
		resp.Suspend()
		return
	}
	r.respond(resp)
}

// respond copies the exchange's response into resp (body slices of the
// archive mapping by reference: the Hold keeps the generation pinned) and
// ends the exchange.
func (r *h2req) respond(resp *http2.Response) {
	ex := &r.ex
	if ex.Abort {
		resp.Abort()
		ex.end()
		return
	}
	resp.Status = ex.Status
	for _, f := range ex.Fields {
		resp.Add(f.Name, f.Value)
	}
	mapping := ex.mapping()
	for _, b := range ex.Body {
		if within(b, mapping) {
			resp.Body(b)
		} else {
			resp.Write(b) // script bodies, templates, multipart framing
		}
		r.bytes += int64(len(b))
	}
	r.status = ex.Status
	ex.end()
}

// Release implements http2.Releaser.
func (r *h2req) Release() {
	h := r.h
	r.ex.end() // cancels a chain still yielded (the stream was reset)
	if r.stream != nil {
		r.stream.Close() // ended, reset, drained or the connection is gone
		r.stream = nil
	}
	if r.gen != nil {
		r.gen.Release()
		r.gen = nil
	}
	if r.status != 0 && h.o.access != nil {
		r.rec.Status = uint16(r.status)
		r.rec.Bytes = r.bytes
		r.rec.Duration = h.o.now().Sub(r.start)
		h.o.access.Log(&r.rec)
	}
	r.status = 0
	h.free = append(h.free, r)
}

// staticFromHTTP2 fills a static request from an HTTP/2 request; its
// slices point into req.
func staticFromHTTP2(req *http2.Request, sr *static.Request) {
	sr.Method = req.Method
	sr.Path = req.Path
	if sr.Path == nil {
		sr.Path = emptyPath
	}
	sr.Query = req.Query
	sr.AcceptEncoding = req.Header("accept-encoding")
	sr.IfMatch = req.Header("if-match")
	sr.IfNoneMatch = req.Header("if-none-match")
	sr.IfModifiedSince = req.Header("if-modified-since")
	sr.IfUnmodifiedSince = req.Header("if-unmodified-since")
	sr.Range = req.Header("range")
	sr.IfRange = req.Header("if-range")
}
