package tlsrec

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/transport"
)

// NextFunc creates the inner (plaintext) connection once the handshake has
// succeeded, on the loop. st describes the negotiated session (ALPN in
// st.NegotiatedProtocol, SNI in st.ServerName, Version, CipherSuite,
// DidResume). Returning nil refuses the connection (internal_error).
type NextFunc func(st *tls.ConnectionState, info transport.Info) transport.Conn

// Factory returns a transport.Factory whose connections speak TLS and hand
// the plaintext to the connections next creates.
func (c *Config) Factory(next NextFunc) transport.Factory {
	return func(info transport.Info) transport.Conn { return NewConn(c, info, next) }
}

// Connection phases.
const (
	phHandshake uint8 = iota // crypto/tls runs on its goroutine
	phTLS13                  // our record layer
	phTLS12                  // tls.Conn over the pipe, driven from the loop
	phDone                   // failed or closed: only flushing what is queued
)

// batch maps sealed output back to the inner connection: once the output
// up to ctEnd is sent, pt more inner bytes are reported Written.
type batch struct{ ctEnd, pt int }

// Conn is a transport.Conn that terminates TLS and drives an inner
// transport.Conn with the plaintext. It is created per accepted connection
// and, like every transport.Conn, used from one goroutine only.
type Conn struct {
	cfg   *Config
	info  transport.Info
	next  NextFunc
	inner transport.Conn
	phase uint8

	// Handshake.
	pipe    *pipe
	tc      *tls.Conn
	kl      *keyLog
	started bool
	hsEnd   time.Time // the handshake deadline: its first byte + HandshakeTimeout
	hsDone  bool      // set by the goroutine under pipe.mu
	hsErr   error
	state   tls.ConnectionState

	// TLS 1.3 record layer.
	in, out   halfConn
	rin       []byte // a partial record left over from the handshake input
	hsMsg     [4]byte
	hsN       int // bytes of a post-handshake message header seen
	useless   int // consecutive records that carried no application data
	wantKU    bool
	tickets   int
	plain     []byte  // plaintext the inner connection has not consumed
	pbox      *[]byte // plain's pool box (bufs.go)
	peerClose bool    // close_notify received
	sentClose bool    // close_notify (or a fatal alert) queued
	abort     bool    // drop all output and close now
	draining  bool    // Drain was called
	drained   bool    // and passed on to the inner connection
	err       error   // why the connection ends; nil for orderly

	// Output.
	wbuf    []byte // sealed records; wbuf[wsent:] not yet sent
	wsent   int
	wbox    *[]byte  // wbuf's pool box, nil when not pooled (bufs.go)
	wpool   *bufPool // where wbox goes back
	batches []batch
	bi      int
	iov     [][]byte
}

// NewConn wraps one accepted connection. The handshake starts when the
// first bytes arrive.
func NewConn(cfg *Config, info transport.Info, next NextFunc) *Conn {
	c := &Conn{cfg: cfg, info: info, next: next, kl: new(keyLog)}
	c.pipe = newPipe(cfg.opts.MaxBuffered, c.wake, addr(info.Local.String()), addr(info.Remote.String()))
	return c
}

func (c *Conn) wake() {
	if c.info.Waker != nil {
		c.info.Waker.Wake()
	}
}

type addr string

func (a addr) Network() string { return "tcp" }
func (a addr) String() string  { return string(a) }

var _ net.Addr = addr("")

// ConnectionState returns the negotiated parameters; valid once the inner
// connection exists (after NextFunc was called).
func (c *Conn) ConnectionState() *tls.ConnectionState { return &c.state }

// Err returns why the connection failed, if it did.
func (c *Conn) Err() error { return c.err }

// RequestKeyUpdate makes the next Pending send a KeyUpdate; with
// requestPeer the peer is asked to update its keys too (RFC 8446 §4.6.3).
// TLS 1.3 only.
func (c *Conn) RequestKeyUpdate(requestPeer bool) error {
	if c.phase != phTLS13 {
		return errors.New("tlsrec: KeyUpdate needs an established TLS 1.3 connection")
	}
	return c.sendKeyUpdate(requestPeer)
}

// handshake starts crypto/tls on its goroutine.
func (c *Conn) startHandshake() {
	c.started = true
	c.hsEnd = c.cfg.opts.Now().Add(c.cfg.opts.HandshakeTimeout)
	c.tc = tls.Server(c.pipe, c.cfg.connConfig(c.kl))
	go func() {
		err := c.tc.Handshake()
		var st tls.ConnectionState
		if err == nil {
			st = c.tc.ConnectionState()
		}
		c.pipe.mu.Lock()
		c.hsDone, c.hsErr, c.state = true, err, st
		c.pipe.mu.Unlock()
		c.wake()
	}()
}

// Recv implements transport.Conn.
func (c *Conn) Recv(p []byte) int {
	switch c.phase {
	case phHandshake:
		if !c.started {
			c.startHandshake()
		}
		return c.pipe.feed(p)
	case phTLS13:
		return c.recv13(p)
	case phTLS12:
		return c.recv12(p)
	}
	return len(p) // closing: input is ignored
}

// Resume implements transport.Conn.
func (c *Conn) Resume() {
	switch c.phase {
	case phHandshake:
		c.pipe.mu.Lock()
		done := c.hsDone
		c.pipe.mu.Unlock()
		c.wbuf = c.pipe.take(c.wbuf) // after reading done: nothing is written later
		if done {
			c.finishHandshake()
		}
	case phTLS13, phTLS12:
		c.inner.Resume()
		c.deliverPlain()
	}
}

// finishHandshake sets up the record layer after crypto/tls returned.
func (c *Conn) finishHandshake() {
	if c.hsErr != nil {
		// crypto/tls queued its alert already (now in wbuf).
		c.fail(fmt.Errorf("tls handshake: %w", c.hsErr), false)
		return
	}
	if c.state.Version == tls.VersionTLS12 {
		c.pipe.setNonblock()
		c.phase = phTLS12
	} else if err := c.setup13(); err != nil {
		c.fail(err, true)
		return
	}
	c.inner = c.next(&c.state, c.info)
	if c.inner == nil {
		c.fail(errors.New("tlsrec: connection refused by NextFunc"), true)
		return
	}
	if c.phase == phTLS12 {
		c.read12()
	} else {
		c.recvLeftover(c.pipe.leftover())
		c.pipe.release() // the handshake's buffers are not needed any more
	}
	c.passDrain()
}

// passDrain passes a Drain on to the inner connection once it holds no
// plaintext the inner connection has not taken yet: requests received
// before the Drain (pipelined after the client's Finished, or behind a
// request whose script yielded) are answered, not dropped. The transport
// drains a connection whose peer half-closed the same way.
func (c *Conn) passDrain() {
	if !c.draining || c.drained || c.inner == nil {
		return
	}
	if len(c.plain) > 0 && (!c.peerClose || c.inner.Status().PauseRead) {
		return
	}
	// Delivered, or the peer closed and the inner connection waits for
	// bytes of an incomplete request that will never come.
	c.releasePlain()
	c.drained = true
	c.inner.Drain()
}

// peerClosed handles the peer's close_notify: it sends nothing more, but
// may still read (RFC 8446 §6.1). The requests already received are
// answered, the staged ones too, then the inner connection drains and we
// answer with our close_notify.
func (c *Conn) peerClosed() {
	c.peerClose = true
	c.draining = true
	c.deliverPlain()
	c.passDrain()
}

// recvLeftover decrypts the records the client sent after its Finished,
// which crypto/tls left in the pipe; a partial record is staged in rin for
// recv13 to complete. Nothing after a close_notify (§6.1) or a failure is
// read.
func (c *Conn) recvLeftover(left []byte) {
	for len(left) > 0 && c.err == nil && !c.peerClose && !c.sentClose {
		_, rec, rest, ok, err := Record(left, maxCiphertext)
		if err != nil {
			c.fail(recordErr(err), true)
			return
		}
		if !ok {
			c.rin = append(make([]byte, 0, maxRecordWire), rest...)
			return
		}
		c.handleRecord(rec)
		left = rest
	}
}

// setup13 installs the application traffic secrets and the write sequence
// number after the session tickets crypto/tls already sealed.
func (c *Conn) setup13() error {
	s := suiteByID(c.state.CipherSuite)
	if s == nil {
		return fmt.Errorf("tlsrec: unsupported cipher suite %#04x", c.state.CipherSuite)
	}
	if c.kl.client == nil || c.kl.server == nil {
		return errors.New("tlsrec: traffic secrets missing from the key log")
	}
	if !c.pipe.atBoundary() {
		return errPipeState
	}
	if err := c.in.setSecret(s, c.kl.client); err != nil {
		return err
	}
	if err := c.out.setSecret(s, c.kl.server); err != nil {
		return err
	}
	c.tickets = c.kl.tickets
	if err := c.checkTickets(); err != nil {
		return err
	}
	c.out.seq = uint64(c.tickets)
	c.phase = phTLS13
	c.tc = nil // the record layer is ours from here on
	return nil
}

// checkTickets cross-checks the WrapSession count by trial-decrypting the
// last record crypto/tls wrote: with n tickets it is a NewSessionTicket
// sealed with the server application key at sequence n-1; with none it
// must not open under that key at all.
func (c *Conn) checkTickets() error {
	last := c.pipe.lastRec
	if len(last) < headerLen {
		return errors.New("tlsrec: no server record seen")
	}
	var hc halfConn
	if err := hc.setSecret(c.out.suite, c.out.secret); err != nil {
		return err
	}
	n := c.tickets
	hc.seq = uint64(max(n-1, 0))
	buf := append([]byte(nil), last...)
	t, pt, err := hc.open(buf)
	switch {
	case n == 0 && err == nil:
		return errors.New("tlsrec: last server record opens with the application key but no ticket was counted")
	case n > 0 && err != nil:
		return fmt.Errorf("tlsrec: %d ticket(s) counted but the last record does not open at sequence %d", n, n-1)
	case n > 0 && (t != TypeHandshake || len(pt) == 0 || pt[0] != 4):
		return errors.New("tlsrec: last server record is not a NewSessionTicket")
	}
	return nil
}

// recordErr maps a ParseHeader error to the alert to send.
func recordErr(err error) error {
	switch err {
	case ErrOverflow:
		return alertRecordOverflow
	case ErrBadVersion:
		return alertProtocolVersion
	}
	return alertUnexpectedMessage
}

// reading reports whether records should be decrypted now.
func (c *Conn) reading() bool {
	return c.err == nil && !c.peerClose && !c.sentClose && !c.inner.Status().PauseRead
}

// recv13 decrypts whole records from p and hands their content on.
func (c *Conn) recv13(p []byte) int {
	used := 0
	if len(c.rin) > 0 {
		used = c.fillPartial(p)
	}
	for used < len(p) && len(c.rin) == 0 && c.reading() {
		_, rec, _, ok, err := Record(p[used:], maxCiphertext)
		if err != nil {
			c.fail(recordErr(err), true)
			return len(p)
		}
		if !ok {
			break
		}
		used += len(rec)
		c.handleRecord(rec)
	}
	if c.err != nil || c.peerClose || c.sentClose {
		return len(p)
	}
	return used
}

// fillPartial completes the record staged in rin from p, handles it once
// whole, and returns the bytes of p it used.
func (c *Conn) fillPartial(p []byte) int {
	used := 0
	if len(c.rin) < headerLen {
		used = min(headerLen-len(c.rin), len(p))
		c.rin = append(c.rin, p[:used]...)
		if len(c.rin) < headerLen {
			return used
		}
		if _, err := ParseHeader(c.rin, maxCiphertext); err != nil {
			c.fail(recordErr(err), true)
			return len(p)
		}
	}
	need := headerLen + (int(c.rin[3])<<8 | int(c.rin[4])) - len(c.rin)
	k := min(need, len(p)-used)
	c.rin = append(c.rin, p[used:used+k]...)
	used += k
	if k == need {
		rec := c.rin
		c.rin = nil
		c.handleRecord(rec)
	}
	return used
}

// handleRecord processes one complete protected record (RFC 8446 §5).
func (c *Conn) handleRecord(rec []byte) {
	switch {
	case ContentType(rec[0]) == TypeChangeCipherSpec:
		// Only allowed before the peer's Finished (§5).
		c.fail(alertUnexpectedMessage, true)
		return
	case ContentType(rec[0]) != TypeApplicationData:
		c.fail(alertUnexpectedMessage, true)
		return
	case rec[1] != 3 || rec[2] != 3:
		c.fail(alertProtocolVersion, true)
		return
	}
	t, pt, err := c.in.open(rec)
	if err != nil {
		c.fail(err, true)
		return
	}
	if c.hsN > 0 && t != TypeHandshake {
		// A fragmented handshake message interleaved with other types
		// (§5.1).
		c.fail(alertUnexpectedMessage, true)
		return
	}
	switch t {
	case TypeApplicationData:
		if len(pt) == 0 {
			c.useless++
		} else {
			c.useless = 0
			c.deliver(pt)
		}
	case TypeAlert:
		c.useless++
		c.handleAlert(pt)
	case TypeHandshake:
		c.useless++
		c.handleHandshake(pt)
	default:
		c.fail(alertUnexpectedMessage, true)
	}
	if c.useless > maxUseless && c.err == nil {
		c.fail(fmt.Errorf("tlsrec: too many records without data: %w", alertUnexpectedMessage), true)
	}
}

// handleAlert processes a received alert (RFC 8446 §6).
func (c *Conn) handleAlert(pt []byte) {
	if len(pt) != 2 {
		c.fail(alertDecodeError, true)
		return
	}
	switch Alert(pt[1]) {
	case AlertCloseNotify:
		c.peerClosed()
	case AlertUserCanceled:
		// Followed by close_notify (§6.1); counted as useless.
	default:
		c.fail(&PeerAlert{Alert(pt[1])}, false)
	}
}

// handleHandshake processes post-handshake messages from the client: only
// KeyUpdate is valid from a client to a Go server (no post-handshake auth
// is ever requested, tickets flow the other way) (§4.6).
func (c *Conn) handleHandshake(pt []byte) {
	if len(pt) == 0 {
		c.fail(alertUnexpectedMessage, true) // zero-length fragment (§5.1)
		return
	}
	for len(pt) > 0 {
		if c.hsN < 4 {
			k := copy(c.hsMsg[c.hsN:], pt)
			c.hsN += k
			pt = pt[k:]
			if c.hsN < 4 {
				return
			}
			if c.hsMsg[0] != 24 { // key_update
				c.fail(alertUnexpectedMessage, true)
				return
			}
			if c.hsMsg[1] != 0 || c.hsMsg[2] != 0 || c.hsMsg[3] != 1 {
				c.fail(alertDecodeError, true)
				return
			}
			continue
		}
		req := pt[0]
		pt = pt[1:]
		c.hsN = 0
		if req > 1 {
			c.fail(alertIllegalParameter, true)
			return
		}
		if len(pt) > 0 {
			// Messages must not span a key change (§5.1).
			c.fail(alertUnexpectedMessage, true)
			return
		}
		if err := c.in.update(); err != nil {
			c.fail(err, true)
			return
		}
		if req == 1 {
			c.wantKU = true // answered before any more data (§4.6.3)
		}
	}
}

// deliver hands plaintext to the inner connection; what it leaves is kept
// and presented again, followed by newer plaintext.
func (c *Conn) deliver(pt []byte) {
	if len(c.plain) == 0 {
		pt = pt[c.push(pt):]
		if len(pt) == 0 {
			return
		}
	}
	if len(c.plain)+len(pt) > c.cfg.opts.MaxBuffered {
		c.fail(errors.New("tlsrec: inner connection left too much input unconsumed"), true)
		return
	}
	c.stagePlain(pt)
	c.deliverPlain()
}

// push calls inner.Recv until it stops consuming; it returns the bytes used.
func (c *Conn) push(p []byte) int {
	used := 0
	for used < len(p) && !c.inner.Status().PauseRead {
		n := c.inner.Recv(p[used:])
		if n <= 0 {
			break
		}
		used += min(n, len(p)-used)
	}
	return used
}

// deliverPlain retries the held plaintext (after the inner connection
// un-paused, or more arrived).
func (c *Conn) deliverPlain() {
	if len(c.plain) == 0 || c.inner == nil || c.err != nil {
		return
	}
	n := c.push(c.plain)
	c.plain = c.plain[:copy(c.plain, c.plain[n:])]
	if len(c.plain) == 0 {
		c.releasePlain()
	}
	c.passDrain()
}

// sendKeyUpdate seals a KeyUpdate under the current key and switches to
// the next one (§4.6.3).
func (c *Conn) sendKeyUpdate(requestPeer bool) error {
	msg := [5]byte{24, 0, 0, 1, 0}
	if requestPeer {
		msg[4] = 1
	}
	var err error
	c.wbuf = growCap(c.wbuf, headerLen+len(msg)+maxOverhead)
	if c.wbuf, err = c.out.seal(c.wbuf, TypeHandshake, msg[:]); err != nil {
		return err
	}
	return c.out.update()
}

// sendAlert queues an alert record.
func (c *Conn) sendAlert(a Alert) {
	level := byte(2) // fatal
	if a == AlertCloseNotify || a == AlertUserCanceled {
		level = 1
	}
	msg := [2]byte{level, byte(a)}
	switch c.phase {
	case phTLS13:
		c.wbuf = growCap(c.wbuf, headerLen+2+maxOverhead)
		c.wbuf, _ = c.out.seal(c.wbuf, TypeAlert, msg[:])
	}
}

// fail ends the connection with err. With alert set, the matching alert
// is sent first (when err is an Alert) after the records already sealed.
func (c *Conn) fail(err error, alert bool) {
	if c.err != nil {
		return
	}
	c.err = err
	c.sentClose = true
	c.releasePlain()
	var a Alert
	if alert && errors.As(err, &a) {
		c.sendAlert(a)
	} else if alert && c.phase == phTLS13 {
		c.sendAlert(AlertInternalError)
	}
	if c.phase == phTLS12 {
		c.tc.Close() // sends nothing after a failure; the pipe drops writes
	}
	c.phase = phDone
}

// Pending implements transport.Conn.
func (c *Conn) Pending(iov [][]byte) [][]byte {
	if c.abort {
		return iov
	}
	if c.wsent == len(c.wbuf) {
		c.wbuf, c.wsent = c.wbuf[:0], 0
		c.batches, c.bi = c.batches[:0], 0
		switch c.phase {
		case phTLS13:
			c.fill13()
		case phTLS12:
			c.fill12()
		}
		if len(c.wbuf) == 0 {
			c.releaseOut() // nothing to send: hold no buffer while idle
		}
	}
	if c.wsent < len(c.wbuf) {
		iov = append(iov, c.wbuf[c.wsent:])
	}
	return iov
}

// fill13 seals the inner connection's pending output into as few records
// as possible, plus any KeyUpdate or close_notify due.
func (c *Conn) fill13() {
	if c.wantKU || c.out.seq >= c.cfg.opts.KeyUpdateAfter {
		c.wantKU = false
		if err := c.sendKeyUpdate(false); err != nil {
			c.fail(err, true)
			return
		}
	}
	c.iov = c.inner.Pending(c.iov[:0])
	total := 0
	for _, seg := range c.iov {
		total += len(seg)
	}
	left := min(total, c.cfg.opts.RecordsPerFlush*maxPlaintext) // not yet sealed
	all := left == total
	if left > 0 {
		recs := (left + maxPlaintext - 1) / maxPlaintext
		c.reserve(left + recs*(headerLen+maxOverhead) + closeRoom)
	}
	si, off := 0, 0
	for left > 0 {
		room := min(left, maxPlaintext)
		left -= room
		c.wbuf = growCap(c.wbuf, headerLen+room+maxOverhead)
		start := len(c.wbuf)
		c.wbuf = append(c.wbuf, 0, 0, 0, 0, 0)
		b := batch{pt: room}
		for room > 0 {
			seg := c.iov[si][off:]
			k := min(len(seg), room)
			c.wbuf = append(c.wbuf, seg[:k]...)
			room -= k
			off += k
			if off == len(c.iov[si]) {
				si, off = si+1, 0
			}
		}
		var err error
		if c.wbuf, err = c.out.sealInPlace(c.wbuf, start, TypeApplicationData); err != nil {
			c.fail(err, false)
			return
		}
		b.ctEnd = len(c.wbuf)
		c.batches = append(c.batches, b)
	}
	clear(c.iov)
	if all && !c.sentClose && c.inner.Status().Close {
		c.sentClose = true
		c.sendAlert(AlertCloseNotify)
	}
}

// Written implements transport.Conn.
func (c *Conn) Written(n int) {
	c.wsent += n
	for c.bi < len(c.batches) && c.batches[c.bi].ctEnd <= c.wsent {
		if c.inner != nil && c.batches[c.bi].pt > 0 {
			c.inner.Written(c.batches[c.bi].pt)
		}
		c.bi++
	}
	if c.wsent == len(c.wbuf) {
		c.releaseOut() // all sent: the buffer goes back until the next flush
	}
	if c.inner != nil && c.err == nil {
		c.deliverPlain()
		if c.phase == phTLS12 {
			c.read12()
		}
	}
}

// Status implements transport.Conn.
func (c *Conn) Status() transport.Status {
	switch {
	case c.abort:
		return transport.Status{Close: true, PauseRead: true}
	case c.phase == phHandshake:
		return transport.Status{PauseRead: c.pipe.isFull(), Timeout: c.handshakeLeft()}
	case c.phase == phDone || c.sentClose:
		return transport.Status{Close: true, PauseRead: true, Timeout: c.cfg.opts.WriteTimeout}
	}
	st := c.inner.Status()
	st.Close = false // we close after our close_notify is queued
	st.PauseRead = st.PauseRead || c.peerClose
	if st.Timeout == 0 && c.wsent < len(c.wbuf) {
		st.Timeout = c.cfg.opts.WriteTimeout
	}
	return st
}

// handshakeLeft is the time the handshake has left: the whole
// HandshakeTimeout before its first byte, then what remains of it since
// that byte (at least 1ns: expire now), however the client spreads its
// bytes out.
func (c *Conn) handshakeLeft() time.Duration {
	if !c.started {
		return c.cfg.opts.HandshakeTimeout
	}
	return max(c.hsEnd.Sub(c.cfg.opts.Now()), time.Nanosecond)
}

// Timeout implements transport.Conn.
func (c *Conn) Timeout() {
	switch c.phase {
	case phHandshake:
		c.err = errors.New("tlsrec: handshake timed out")
		c.pipe.Close()
		c.abort = true
	case phTLS13, phTLS12:
		if c.wsent < len(c.wbuf) && c.inner.Status().Timeout == 0 {
			c.abort = true
			return
		}
		c.inner.Timeout()
	default:
		c.abort = true
	}
}

// Drain implements transport.Conn.
func (c *Conn) Drain() {
	c.draining = true
	c.passDrain()
}

// Close implements transport.Conn: it stops the handshake goroutine if it
// still runs and closes the inner connection.
func (c *Conn) Close(err error) {
	c.pipe.Close()
	c.releaseOut() // the transport calls Close with no send in flight
	c.releasePlain()
	if c.inner != nil {
		if err == nil {
			err = c.err
		}
		c.inner.Close(err)
		c.inner = nil
	}
	c.phase = phDone
}
