package server

import (
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/http1"
	"zeroserve.dev/zeroserve/pkg/server/static"
	"zeroserve.dev/zeroserve/pkg/server/transport"
)

// maxQueued bounds the responses a pipelining client can have waiting to be
// sent; beyond it the connection stops reading (back-pressure).
const maxQueued = 32

// maxIOV bounds the iovecs handed to the transport per write.
const maxIOV = 64

// connOptions is what every connection of a server shares.
type connOptions struct {
	cur       *current
	lim       http1.Limits
	header    time.Duration
	body      time.Duration
	idle      time.Duration
	write     time.Duration
	log       *slog.Logger
	access    *AccessLog
	now       func() time.Time
	site      siteOptions
	requestID *atomic.Uint64
}

func newConnOptions(cfg *Config) connOptions {
	id := new(atomic.Uint64)
	id.Store(rand.Uint64() &^ (1<<32 - 1)) // random high half, readable low half
	return connOptions{
		lim:       http1.Limits{MaxHeaderBytes: cfg.MaxHeaderBytes, MaxBody: cfg.MaxBodyBytes},
		header:    cfg.HeaderTimeout,
		body:      cfg.BodyTimeout,
		idle:      cfg.IdleTimeout,
		write:     cfg.WriteTimeout,
		log:       cfg.Log,
		access:    cfg.AccessLog,
		now:       cfg.Now,
		site:      siteOptions{index: cfg.Index, tryHTML: cfg.TryHTML, scriptHTML: cfg.ScriptHTML},
		requestID: id,
	}
}

// newConn is the transport.Factory of a Server.
func (s *Server) newConn(info transport.Info) transport.Conn {
	o := s.opts
	o.cur = &s.cur
	return s.withEndpoint(newConn(&o, info)) // endpoint.go
}

// Connection states of the request reader.
const (
	stIdle    uint8 = iota // between requests (keep-alive)
	stHead                 // part of a request head received
	stBody                 // reading (and discarding) a request body
	stScript               // the request's script chain yielded; Resume continues it
	stClosing              // no more requests: send what is queued, then close
)

// queued is one response waiting in the output queue.
type queued struct {
	end    int         // index in conn.segs one past its last segment
	gen    *Generation // pinned until the response is written; nil for errors
	status uint16
	bytes  int64 // body bytes
	start  time.Time
	rec    AccessRecord
}

// conn is the HTTP/1.1 side of one connection: it parses requests with
// http1, answers them from the generation it pins per request, and queues
// the responses as iovecs (head bytes in hbuf, bodies straight from the
// archive mapping) in request order.
type conn struct {
	o    *connOptions
	info transport.Info
	tls  bool      // under TLS (tls.go)
	hc   hostCheck // 421 decisions on TLS connections

	state     uint8
	closeNext bool // the current request's response ends the connection
	draining  bool
	aborted   bool      // output abandoned (write timeout)
	headStart time.Time // first byte of the current head
	now       time.Time // clock read at the last Recv/Written
	date      http1.DateCache

	req      http1.Request
	body     http1.Body
	pendReq  pendingRequest // request whose body is being read
	bodySeen int64

	// Output: segs[seg:] are unsent, the first one from offset off.
	segs  [][]byte
	seg   int
	off   int
	q     []queued // responses in segs, in order
	qHead int
	hbuf  []byte // response heads; reset when the queue empties
	wrote time.Time

	ep *endpointConn // Config.Endpoint's wrapper, nil without (endpoint.go)
}

// pendingRequest keeps what is needed to answer a request after its head:
// its body is read, its script chain runs (and may yield), then its
// response is queued.
type pendingRequest struct {
	gen   *Generation
	start time.Time
	rec   AccessRecord
	ex    exchange
	chain bool // the script chain has not run yet
	minor uint8
	keep  bool
}

func newConn(o *connOptions, info transport.Info) *conn {
	return &conn{
		o:    o,
		info: info,
		segs: make([][]byte, 0, 2*maxQueued),
		q:    make([]queued, 0, 4),
		hbuf: make([]byte, 0, 4096),
	}
}

// Recv implements transport.Conn: it consumes every complete request in p
// (and body bytes) until the output queue is full.
func (c *conn) Recv(p []byte) int {
	c.now = c.o.now()
	used := 0
	for used < len(p) && c.state != stClosing && c.state != stScript && c.queueLen() < maxQueued {
		var n int
		if c.state == stBody {
			n = c.readBody(p[used:])
		} else {
			n = c.readHead(p[used:])
		}
		if n == 0 {
			break
		}
		used += n
	}
	if c.state == stClosing {
		return len(p) // nothing after a closing response is read
	}
	return used
}

// readHead parses one request head; it returns the bytes consumed.
func (c *conn) readHead(p []byte) int {
	if c.state == stIdle {
		c.state = stHead
		c.headStart = c.now
	}
	n, err := http1.Parse(p, &c.req, c.o.lim)
	if err == http1.ErrNeedMore {
		return 0
	}
	if err != nil {
		c.protocolError(err)
		return len(p)
	}
	c.startRequest()
	return n
}

// startRequest answers c.req, or sets up reading its body first.
func (c *conn) startRequest() {
	r := &c.req
	pr := &c.pendReq
	pr.start = c.headStart
	pr.minor = r.Minor
	pr.keep = r.KeepAlive && !c.draining
	pr.rec.Time = c.now
	pr.rec.Remote = c.info.Remote
	pr.rec.ID = c.o.requestID.Add(1)
	pr.rec.Proto = 10 + r.Minor
	pr.rec.SetMethod(r.Method)
	pr.rec.SetTarget(r.Target)
	if c.hc.misdirected(r.Host) {
		rec := pr.rec
		c.errorResponse(421, &rec)
		c.logError(421, errMisdirected, rec.ID)
		return
	}
	if c.ep != nil && c.ep.dispatch(r) {
		return // an endpoint answered (endpoint.go)
	}
	pr.gen = c.o.cur.Acquire()
	head := string(r.Method) == "HEAD"
	if sr := pr.ex.begin(pr.gen, c.info.Worker, pr.rec.ID, head); sr != nil {
		// The chain runs once the body is read, on its own copy of the
		// request: r points into the transport's buffer.
		sr.FromHTTP1(r, c.tls, c.info.Remote)
		pr.chain = true
	} else {
		staticFromHTTP1(r, pr.ex.staticRequest())
		pr.ex.run() // static serving never yields
		pr.chain = false
	}

	if r.Framing == http1.BodyNone {
		c.finishRequest()
		return
	}
	if r.WantsContinue(0) {
		// The static site never needs the body: answer now and close
		// rather than wait for a body the client holds back
		// (RFC 9110 §10.1.1).
		pr.keep = false
		c.finishRequest()
		return
	}
	c.body.Reset(r, c.o.lim)
	c.bodySeen = 0
	c.state = stBody
}

// readBody discards body bytes of the pending request.
func (c *conn) readBody(p []byte) int {
	n, data, err := c.body.Read(p)
	c.bodySeen += int64(len(data))
	if err != nil {
		c.dropPending()
		c.protocolError(err)
		return len(p)
	}
	if c.body.Done() {
		c.finishRequest()
	}
	return n
}

// finishRequest runs the pending request's script chain, if any, and
// queues its response. A chain that yields leaves the connection in
// stScript: nothing more is read until Resume has finished it.
func (c *conn) finishRequest() {
	pr := &c.pendReq
	if pr.chain {
		pr.chain = false
		if !pr.ex.run() {
			c.yield()
			return
		}
	}
	c.respond()
}

// yield parks the connection while its chain waits for its next slice:
// the loop serves other connections and calls Resume on its next turn.
func (c *conn) yield() {
	c.state = stScript
	c.info.Waker.Wake()
}

// Resume implements transport.Conn: the next slice of a yielded chain.
func (c *conn) Resume() {
	if c.state != stScript {
		return
	}
	c.now = c.o.now()
	if !c.pendReq.ex.resume() {
		c.yield()
		return
	}
	c.respond()
}

// respond queues the response of the pending request (or, after zs_abort,
// closes once the responses before it are sent).
func (c *conn) respond() {
	pr := &c.pendReq
	if pr.ex.Abort {
		c.dropPending()
		c.state = stClosing
		return
	}
	closing := !pr.keep || c.draining
	cf, keep := connField(pr.minor, !closing)
	c.enqueue(pr.gen, cf, &pr.ex, pr.start, &pr.rec)
	pr.ex.end()
	pr.gen = nil
	if keep {
		c.state = stIdle
	} else {
		c.state = stClosing
	}
}

// dropPending abandons the pending request: its chain is cancelled and its
// generation pin released.
func (c *conn) dropPending() {
	pr := &c.pendReq
	pr.chain = false
	pr.ex.end()
	if pr.gen != nil {
		pr.gen.Release()
		pr.gen = nil
	}
}

func connField(minor uint8, keep bool) (http1.ConnField, bool) {
	switch {
	case !keep:
		return http1.ConnClose, false
	case minor == 0:
		return http1.ConnKeepAlive, true
	}
	return http1.ConnDefault, true
}

// enqueue renders the head of ex's response into hbuf and queues head and
// body.
func (c *conn) enqueue(g *Generation, cf http1.ConnField, ex *exchange, start time.Time, rec *AccessRecord) *queued {
	status := ex.Status
	h0 := c.appendHead(status, cf, ex.Fields)
	c.hbuf = http1.EndHead(c.hbuf)
	c.segs = append(c.segs, c.hbufFrom(h0))
	var n int64
	mapping := ex.mapping()
	for _, b := range ex.Body {
		if len(b) == 0 {
			continue
		}
		if !within(b, mapping) {
			// A script's body, a substituted template or multipart framing
			// in a reused buffer: keep a copy.
			s0 := len(c.hbuf)
			c.hbuf = append(c.hbuf, b...)
			b = c.hbufFrom(s0)
		}
		c.segs = append(c.segs, b)
		n += int64(len(b))
	}
	c.q = append(c.q, queued{end: len(c.segs), gen: g, status: uint16(status), bytes: n, start: start})
	q := &c.q[len(c.q)-1]
	if rec != nil {
		q.rec = *rec
	}
	return q
}

// appendHead starts rendering a response head into hbuf (status line,
// Date, Server, the connection field and fields; the caller adds any more
// and calls http1.EndHead) and returns where it starts. The first response
// queued starts the write timeout.
func (c *conn) appendHead(status int, cf http1.ConnField, fields []static.Field) int {
	if c.queueLen() == 0 {
		c.wrote = c.now
	}
	h0 := len(c.hbuf)
	c.hbuf = http1.AppendResponseHead(c.hbuf, status, c.date.Value(c.now), cf)
	for _, f := range fields {
		c.hbuf = http1.AppendField(c.hbuf, f.Name, f.Value)
	}
	return h0
}

// hbufFrom is the segment hbuf[from:], capped so that later appends to
// hbuf never write into it.
func (c *conn) hbufFrom(from int) []byte { return c.hbuf[from:len(c.hbuf):len(c.hbuf)] }

// protocolError answers a request the parser refused (or a broken body)
// and closes: the byte stream cannot be trusted after a framing error.
func (c *conn) protocolError(err error) {
	c.refuse(http1.StatusOf(err), err)
}

// refuse answers with an error status before a request was parsed (its
// access record has no method or target) and closes.
func (c *conn) refuse(status int, err error) {
	var rec AccessRecord
	rec.Time, rec.Remote, rec.Proto = c.now, c.info.Remote, 11
	rec.ID = c.o.requestID.Add(1)
	c.errorResponse(status, &rec)
	c.logError(status, err, rec.ID)
}

// errorResponse queues a short text response with Connection: close.
func (c *conn) errorResponse(status int, rec *AccessRecord) {
	if c.queueLen() == 0 {
		c.wrote = c.now
	}
	h0 := len(c.hbuf)
	c.hbuf = http1.AppendError(c.hbuf, status, c.date.Value(c.now))
	c.segs = append(c.segs, c.hbufFrom(h0))
	rec.Status = uint16(status)
	c.q = append(c.q, queued{end: len(c.segs), status: uint16(status), start: c.now, rec: *rec})
	c.state = stClosing
}

func (c *conn) logError(status int, err error, id uint64) {
	c.o.log.Warn("request refused", "status", status, "err", err,
		"remote", c.info.Remote, "id", string(AppendRequestID(nil, id)))
}

func (c *conn) queueLen() int { return len(c.q) - c.qHead }

// unsent is the number of output bytes not yet written.
func (c *conn) unsent() int {
	n := -c.off
	for _, b := range c.segs[c.seg:] {
		n += len(b)
	}
	return n
}

// Pending implements transport.Conn.
func (c *conn) Pending(iov [][]byte) [][]byte {
	if c.aborted {
		return iov
	}
	for i := c.seg; i < len(c.segs) && i-c.seg < maxIOV; i++ {
		b := c.segs[i]
		if i == c.seg {
			b = b[c.off:]
		}
		iov = append(iov, b)
	}
	return iov
}

// Written implements transport.Conn: it retires fully sent responses,
// releasing their generation pins and logging them.
func (c *conn) Written(n int) {
	c.now = c.o.now()
	for n > 0 && c.seg < len(c.segs) {
		rest := len(c.segs[c.seg]) - c.off
		if n < rest {
			c.off += n
			break
		}
		n -= rest
		c.segs[c.seg] = nil
		c.seg++
		c.off = 0
		for c.qHead < len(c.q) && c.q[c.qHead].end <= c.seg {
			c.retire(&c.q[c.qHead], true)
			c.qHead++
			c.wrote = c.now
		}
	}
	switch {
	case c.seg == len(c.segs):
		c.resetQueue()
	case c.seg >= maxIOV:
		c.compact()
	}
}

// compact drops the sent segments and retired responses from the front of
// the queue, and the head bytes only they used, so that a client that
// never lets the queue empty (it pipelines faster than it reads, or a
// stream is always busy) holds no more than what is unsent. It runs in
// Written, when the transport has no send in flight, so the unsent bytes
// in hbuf may move (Pending hands out their new place).
func (c *conn) compact() {
	lo := len(c.hbuf) // the first hbuf byte an unsent segment uses
	for _, b := range c.segs[c.seg:] {
		if off := offsetIn(b, c.hbuf); off >= 0 {
			lo = off // segments into hbuf are in the order of its bytes
			break
		}
	}
	for i, b := range c.segs[c.seg:] {
		if off := offsetIn(b, c.hbuf); off >= 0 {
			off -= lo
			c.segs[c.seg+i] = c.hbuf[off : off+len(b) : off+len(b)]
		}
	}
	c.hbuf = c.hbuf[:copy(c.hbuf, c.hbuf[lo:])]
	n := copy(c.segs, c.segs[c.seg:])
	clear(c.segs[n:])
	c.segs = c.segs[:n]
	for i := c.qHead; i < len(c.q); i++ {
		c.q[i].end -= c.seg
	}
	k := copy(c.q, c.q[c.qHead:])
	clear(c.q[k:]) // no generation pins left behind
	c.q = c.q[:k]
	c.seg, c.qHead = 0, 0
}

// retire finishes one queued response.
func (c *conn) retire(q *queued, sent bool) {
	if q.gen != nil {
		q.gen.Release()
		q.gen = nil
	}
	if sent && c.o.access != nil {
		q.rec.Status = q.status
		q.rec.Bytes = q.bytes
		q.rec.Duration = c.now.Sub(q.start)
		c.o.access.Log(&q.rec)
	}
}

func (c *conn) resetQueue() {
	clear(c.segs)
	c.segs = c.segs[:0]
	c.seg, c.off = 0, 0
	c.q = c.q[:0]
	c.qHead = 0
	c.hbuf = c.hbuf[:0]
}

// Status implements transport.Conn.
func (c *conn) Status() transport.Status {
	pending := c.seg < len(c.segs) && !c.aborted
	st := transport.Status{
		Close:     c.aborted || c.state == stClosing,
		PauseRead: c.queueLen() >= maxQueued || c.state == stClosing || c.state == stScript,
	}
	switch {
	case pending:
		st.Timeout = remaining(c.o.write, c.now.Sub(c.wrote))
	case c.state == stHead:
		st.Timeout = remaining(c.o.header, c.now.Sub(c.headStart))
	case c.state == stBody:
		st.Timeout = c.o.body
	case c.state == stIdle:
		st.Timeout = c.o.idle
	}
	return st
}

// remaining is the rest of budget after elapsed, at least 1ns (expire now).
func remaining(budget, elapsed time.Duration) time.Duration {
	return max(budget-elapsed, time.Nanosecond)
}

// Timeout implements transport.Conn.
func (c *conn) Timeout() {
	c.now = c.o.now()
	switch {
	case c.seg < len(c.segs):
		// The client does not read its responses: give up on them.
		c.aborted = true
		c.state = stClosing
	case c.state == stHead:
		c.refuse(408, errHeaderTimeout)
	case c.state == stBody:
		var rec = c.pendReq.rec
		c.dropPending()
		c.errorResponse(408, &rec)
		c.logError(408, errBodyTimeout, rec.ID)
	default:
		c.state = stClosing // idle keep-alive: close silently
	}
}

var (
	errHeaderTimeout = errors.New("request head not received in time")
	errBodyTimeout   = errors.New("request body stalled")
	errMisdirected   = errors.New("request host does not match the TLS server name or any certificate")
)

// Drain implements transport.Conn: finish what is in flight, then close.
func (c *conn) Drain() {
	c.draining = true
	switch c.state {
	case stIdle, stHead:
		// No request in flight (a partial head is not one yet).
		c.state = stClosing
	}
}

// Close implements transport.Conn.
func (c *conn) Close(err error) {
	for i := c.qHead; i < len(c.q); i++ {
		c.retire(&c.q[i], false)
	}
	c.dropPending() // cancels a yielded chain
	c.resetQueue()
}
