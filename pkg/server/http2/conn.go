package http2

import (
	"time"

	"golang.org/x/net/http2/hpack"

	"zeroserve.dev/zeroserve/pkg/server/http1"
	"zeroserve.dev/zeroserve/pkg/server/transport"
)

// maxIOV bounds the iovecs handed to the transport per write.
const maxIOV = 64

// copyBelow: body pieces shorter than this are copied next to their frame
// header instead of taking an iovec of their own.
const copyBelow = 512

// maxKeptOutput: an output buffer that grew beyond this for a burst is
// dropped once everything in it was written.
const maxKeptOutput = 64 << 10

// recentClosed is how many closed stream ids are remembered to tell a
// closed stream (STREAM_CLOSED) from a skipped one (PROTOCOL_ERROR).
const recentClosed = 16

// Connection-level errors of the state machine.
var (
	errPreface         = connErr(ErrCodeProtocol, "invalid connection preface")
	errFirstSettings   = connErr(ErrCodeProtocol, "first frame is not SETTINGS")
	errExpectCont      = connErr(ErrCodeProtocol, "expected CONTINUATION")
	errUnexpectedCont  = connErr(ErrCodeProtocol, "unexpected CONTINUATION")
	errEvenStream      = connErr(ErrCodeProtocol, "client stream id is even")
	errStreamOrder     = connErr(ErrCodeProtocol, "stream id not above the previous one")
	errIdle            = connErr(ErrCodeProtocol, "frame on an idle stream")
	errClosedHeaders   = connErr(ErrCodeStreamClosed, "HEADERS on a closed stream")
	errPushPromise     = connErr(ErrCodeProtocol, "PUSH_PROMISE from a client")
	errConnFlow        = connErr(ErrCodeFlowControl, "connection window exceeded")
	errConnWindow      = connErr(ErrCodeFlowControl, "connection send window above 2^31-1")
	errSettingsWindow  = connErr(ErrCodeFlowControl, "stream window above 2^31-1 after SETTINGS")
	errCompression     = connErr(ErrCodeCompression, "invalid field block")
	errHeaderBlock     = connErr(ErrCodeEnhanceYourCalm, "field block too large")
	errContinuations   = connErr(ErrCodeEnhanceYourCalm, "too many CONTINUATION frames")
	errResets          = connErr(ErrCodeEnhanceYourCalm, "too many stream resets")
	errControl         = connErr(ErrCodeEnhanceYourCalm, "too many control frames")
	errConnStall       = connErr(ErrCodeEnhanceYourCalm, "connection window stayed at zero")
	errPrefaceTimeout  = connErr(ErrCodeProtocol, "preface timeout")
	errSettingsTimeout = connErr(ErrCodeSettingsTimeout, "SETTINGS not acknowledged")
	errBlockTimeout    = connErr(ErrCodeNo, "field block not finished in time")
	errIdleTimeout     = connErr(ErrCodeNo, "idle")
	errNoError         = connErr(ErrCodeNo, "")
	errWriteTimeout    = connErr(ErrCodeNo, "write timeout")
	errClientGoneAway  = connErr(ErrCodeNo, "client sent GOAWAY")
	errShuttingDownMsg = []byte("shutting down")
)

// Header block kinds.
const (
	blockRequest = iota
	blockTrailers
	blockDiscard
)

// span is a range of a stream's arena; end < 0 means absent.
type span struct{ off, end int32 }

var noSpan = span{-1, -1}

type fieldRef struct{ name, value span }

// stream is one client-initiated stream (RFC 9113 §5.1).
type stream struct {
	id           uint32
	remoteClosed bool      // END_STREAM received: half-closed (remote)
	lastRecv     time.Time // HEADERS or the last DATA while receiving
	responded    bool      // the response was produced
	sendWin      int64
	recvWin      int64
	recvUnacked  int64
	cl           int64 // content-length, -1 when absent
	bodyLen      int64
	tooBig       bool // body beyond MaxRequestBody
	reset        bool // the server sent RST_STREAM

	arena                             []byte
	fields, trailers                  []fieldRef
	method, scheme, authority, target span
	host                              span // the host field's value
	body                              []byte

	req  Request
	resp Response

	// Output: the body still to send, from pieces[piece][off:].
	piece, off int
	remaining  int64
	inReady    bool
	blocked    bool
	suspended  bool // waiting for Resumer.ResumeHTTP2
	blockSince time.Time
	more       BodyStream // Response.Stream while it goes on (in Conn.live)
}

func (s *stream) store(v string) span {
	off := len(s.arena)
	s.arena = append(s.arena, v...)
	return span{int32(off), int32(len(s.arena))}
}

func (s *stream) bytes(sp span) []byte {
	if sp.end < 0 {
		return nil
	}
	return s.arena[sp.off:sp.end:sp.end]
}

// seg is one piece of pending output: ext, or obuf[off:end] when ext is
// nil.
type seg struct {
	ext      []byte
	off, end int
}

type release struct {
	at   int64
	hold Releaser
}

// Conn is the server side of one HTTP/2 connection, sans-I/O: it
// implements transport.Conn. Create it with NewConn once the transport
// knows the connection speaks HTTP/2 (ALPN h2, or the client preface on a
// cleartext listener, see MatchPreface); the client preface is expected
// as the first input.
type Conn struct {
	cfg  Config
	h    Handler
	wake transport.Waker
	now  time.Time
	susp []*stream // suspended streams, in request order
	live []*stream // streams whose BodyStream goes on, in response order

	// Input.
	preface     int // octets of the client preface matched
	gotSettings bool
	f           Frame
	dec         *hpack.Decoder
	hs          *stream // stream receiving decoded fields; nil discards
	hKind       int
	hEndStream  bool
	hRegular    bool
	hTooBig     bool
	hBad        string
	hlSize      uint32
	contStream  uint32
	blockStart  time.Time // when the field block in progress began
	contCount   int
	blockBytes  int
	maxSeen     uint32
	closed      [recentClosed]uint32
	closedNext  int
	streams     map[uint32]*stream
	free        []*stream
	resets      rate
	ctrl        rate
	peerGoAway  bool
	bodyBytes   int // request body octets buffered by open streams
	recving     int // open streams still receiving their request

	// Flow control (RFC 9113 §6.9).
	sendWin      int64 // connection window for our DATA
	recvWin      int64 // connection window for the client's DATA
	recvUnacked  int64
	peerInitWin  int64
	peerMaxFrame int
	acked        bool // the client acknowledged our SETTINGS
	connBlocked  bool
	connBlockAt  time.Time

	// Output.
	obuf    []byte
	hbuf    []byte
	segs    []seg
	segHead int
	segOff  int
	queued  int64 // octets ever queued
	sent    int64 // octets ever written
	rels    []release
	relHead int
	ready   []*stream
	blocked []*stream
	date    http1.DateCache
	dateRaw [29]byte
	dateEnc []byte // encoded date and server fields

	// Lifecycle.
	goAway  bool // GOAWAY sent: no new streams
	closing bool // close once the output is written
	aborted bool // output abandoned
	lastIn  time.Time
	lastOut time.Time
	created time.Time
	err     *ConnectionError
}

var _ transport.Conn = (*Conn)(nil)

// NewConn returns the HTTP/2 side of a new connection serving requests
// with h. w (transport.Info.Waker) is woken when a Handler suspends; it
// may be nil if none does. NewConn queues the server preface (SETTINGS
// and the connection WINDOW_UPDATE) at once.
func NewConn(cfg *Config, h Handler, w transport.Waker) *Conn {
	c := &Conn{
		cfg:          cfg.withDefaults(),
		h:            h,
		wake:         w,
		streams:      make(map[uint32]*stream),
		sendWin:      65535,
		recvWin:      65535,
		peerInitWin:  65535,
		peerMaxFrame: MinMaxFrameSize,
		obuf:         make([]byte, 0, 4096),
		segs:         make([]seg, 0, 16),
	}
	c.dec = hpack.NewDecoder(4096, c.onField)
	c.dec.SetMaxStringLength(int(c.cfg.MaxHeaderListSize))
	c.now = c.cfg.Now()
	c.created, c.lastIn, c.lastOut = c.now, c.now, c.now
	c.serverPreface()
	return c
}

// MatchPreface reports whether p starts with the client connection
// preface (1), cannot (-1), or is a prefix of it (0: need more).
func MatchPreface(p []byte) int {
	n := min(len(p), len(Preface))
	if string(p[:n]) != Preface[:n] {
		return -1
	}
	if n < len(Preface) {
		return 0
	}
	return 1
}

// serverPreface queues our SETTINGS (RFC 9113 §3.4) and the connection
// window increase.
func (c *Conn) serverPreface() {
	start := len(c.obuf)
	c.obuf = AppendSettings(c.obuf,
		Setting{SettingMaxConcurrentStreams, c.cfg.MaxConcurrentStreams},
		Setting{SettingInitialWindowSize, c.cfg.InitialWindowSize},
		Setting{SettingMaxFrameSize, c.cfg.MaxFrameSize},
		Setting{SettingMaxHeaderListSize, c.cfg.MaxHeaderListSize},
		Setting{SettingEnablePush, 0},
		Setting{SettingNoRFC7540Priorities, 1},
	)
	if inc := int64(c.cfg.ConnWindowSize) - 65535; inc > 0 {
		c.obuf = AppendWindowUpdate(c.obuf, 0, uint32(inc))
		c.recvWin += inc
	}
	c.queueOwn(start)
}

// Recv implements transport.Conn.
func (c *Conn) Recv(p []byte) int {
	c.now = c.cfg.Now()
	c.lastIn = c.now
	if c.closing {
		return len(p)
	}
	used := 0
	if c.preface < len(Preface) {
		n := min(len(p), len(Preface)-c.preface)
		if string(p[:n]) != Preface[c.preface:c.preface+n] {
			c.fail(errPreface)
			return len(p)
		}
		c.preface += n
		used = n
	}
	for !c.closing && c.unsent() < c.cfg.MaxPendingOutput {
		n, err := ParseFrame(p[used:], c.cfg.MaxFrameSize, &c.f)
		if err == ErrNeedMore {
			break
		}
		if err != nil {
			switch {
			case c.contStream != 0 && (c.f.Type != FrameContinuation || c.f.StreamID != c.contStream):
				err = errExpectCont // §6.10
			case !c.gotSettings:
				err = errFirstSettings // §3.4
			case c.f.Type == FrameHeaders:
				if se, ok := err.(*StreamError); ok {
					err = c.onBadHeaders(&c.f, se)
				}
			}
			if _, ok := err.(*StreamError); ok {
				used += n
			}
			c.handleErr(err)
			continue
		}
		used += n
		if err := c.frame(&c.f); err != nil {
			c.handleErr(err)
		}
	}
	c.afterEvent()
	if c.closing {
		return len(p)
	}
	return used
}

// handleErr sends RST_STREAM for a stream error and GOAWAY for anything
// else.
func (c *Conn) handleErr(err error) {
	switch e := err.(type) {
	case *StreamError:
		c.resetStream(e.StreamID, e.Code)
	case *ConnectionError:
		c.fail(e)
	default:
		c.fail(connErr(ErrCodeInternal, err.Error()))
	}
}

// frame handles one well-formed frame.
func (c *Conn) frame(f *Frame) error {
	if c.contStream != 0 && (f.Type != FrameContinuation || f.StreamID != c.contStream) {
		return errExpectCont // §6.10
	}
	if !c.gotSettings {
		if f.Type != FrameSettings || f.Has(FlagAck) {
			return errFirstSettings // §3.4
		}
		c.gotSettings = true
	}
	switch f.Type {
	case FrameData:
		return c.onData(f)
	case FrameHeaders:
		return c.onHeaders(f)
	case FramePriority: // §5.3.2: parsed, ignored
		return c.control()
	case FrameRSTStream:
		return c.onRSTStream(f)
	case FrameSettings:
		return c.onSettings(f)
	case FramePushPromise: // §8.4: clients cannot push
		return errPushPromise
	case FramePing:
		if f.Has(FlagAck) {
			return nil
		}
		start := len(c.obuf)
		c.obuf = AppendPing(c.obuf, true, [8]byte(f.Data))
		c.queueOwn(start)
		return c.control()
	case FrameGoAway: // §6.8: finish what is open, then close
		c.peerGoAway = true
		c.goAway = true
		return nil
	case FrameWindowUpdate:
		return c.onWindowUpdate(f)
	case FrameContinuation:
		if c.contStream == 0 {
			return errUnexpectedCont
		}
		c.contCount++
		if c.contCount > c.cfg.MaxContinuations {
			return errContinuations
		}
		return c.fragment(f.Data, f.Has(FlagEndHeaders))
	}
	return c.control() // §5.5: unknown types are ignored
}

// control counts a frame that costs work but carries no request.
func (c *Conn) control() error {
	if c.ctrl.add(c.now, c.cfg.ControlWindow, c.cfg.MaxControlFrames) {
		return errControl
	}
	return nil
}

// countReset counts a stream reset against the Rapid Reset and
// MadeYouReset budget.
func (c *Conn) countReset() {
	if c.resets.add(c.now, c.cfg.ResetWindow, c.cfg.MaxResets) {
		c.fail(errResets)
	}
}

// wasClosed reports whether id is a recently closed stream, and whether
// the server reset it.
func (c *Conn) wasClosed(id uint32) (closed, reset bool) {
	for _, v := range c.closed {
		if v&maxWindow == id && id != 0 {
			return true, v>>31 == 1
		}
	}
	return false, false
}

func (c *Conn) onSettings(f *Frame) error {
	if f.Has(FlagAck) {
		c.acked = true
		return nil
	}
	win := c.peerInitWin
	for i := range f.NumSettings() {
		s := f.Setting(i)
		switch s.ID {
		case SettingInitialWindowSize:
			win = int64(s.Val)
		case SettingMaxFrameSize:
			c.peerMaxFrame = int(s.Val)
		}
	}
	// §6.9.2: adjust the open streams' windows by the change, once per
	// frame: the last value is the one that holds (§6.5.3), and walking
	// every stream for each of a frame's 2730 entries made one SETTINGS
	// cost milliseconds.
	if delta := win - c.peerInitWin; delta != 0 {
		c.peerInitWin = win
		for _, st := range c.streams {
			st.sendWin += delta
			if st.sendWin > maxWindow {
				return errSettingsWindow
			}
			if delta > 0 {
				c.unblock(st)
			}
		}
	}
	start := len(c.obuf)
	c.obuf = AppendSettingsAck(c.obuf)
	c.queueOwn(start)
	return c.control()
}

func (c *Conn) onWindowUpdate(f *Frame) error {
	if f.StreamID == 0 {
		c.sendWin += int64(f.Increment)
		if c.sendWin > maxWindow {
			return errConnWindow
		}
		if c.sendWin > 0 {
			c.connBlocked = false
		}
		return nil
	}
	s := c.streams[f.StreamID]
	if s == nil {
		if f.StreamID > c.maxSeen {
			return errIdle // §5.1 idle
		}
		return nil // closed: ignored (updates in flight are normal)
	}
	s.sendWin += int64(f.Increment)
	if s.sendWin > maxWindow {
		return &StreamError{s.id, ErrCodeFlowControl, "stream window above 2^31-1"}
	}
	c.unblock(s)
	return nil
}

func (c *Conn) onRSTStream(f *Frame) error {
	s := c.streams[f.StreamID]
	if s == nil {
		if f.StreamID > c.maxSeen {
			return errIdle
		}
		return c.control()
	}
	c.closeStream(s)
	c.countReset() // Rapid Reset
	return nil
}

func (c *Conn) onData(f *Frame) error {
	size := int64(f.Length) // padding counts (§6.9.1)
	if size > c.recvWin {
		return errConnFlow
	}
	c.recvWin -= size
	c.recvUnacked += size
	if len(f.Data) == 0 && !f.Has(FlagEndStream) {
		if err := c.control(); err != nil {
			return err
		}
	}
	s := c.streams[f.StreamID]
	if s == nil {
		if f.StreamID > c.maxSeen {
			return errIdle
		}
		if _, reset := c.wasClosed(f.StreamID); reset {
			return nil // §5.1: ignored after our RST_STREAM
		}
		return &StreamError{f.StreamID, ErrCodeStreamClosed, "DATA on a closed stream"}
	}
	if s.remoteClosed {
		return &StreamError{s.id, ErrCodeStreamClosed, "DATA after END_STREAM"}
	}
	if size > s.recvWin {
		return &StreamError{s.id, ErrCodeFlowControl, "stream window exceeded"}
	}
	s.recvWin -= size
	s.recvUnacked += size
	s.lastRecv = c.now
	s.bodyLen += int64(len(f.Data))
	if s.cl >= 0 && s.bodyLen > s.cl { // §8.1.1
		return &StreamError{s.id, ErrCodeProtocol, "DATA beyond content-length"}
	}
	if !s.tooBig {
		switch {
		case len(s.body)+len(f.Data) > c.cfg.MaxRequestBody:
			s.tooBig = true
		case c.bodyBytes+len(f.Data) > c.cfg.MaxBufferedBody:
			c.countReset()
			return &StreamError{s.id, ErrCodeRefusedStream, "request bodies over the connection's budget"}
		default:
			s.body = append(s.body, f.Data...)
			c.bodyBytes += len(f.Data)
		}
	}
	if !f.Has(FlagEndStream) {
		if s.recvUnacked > 0 && s.recvUnacked >= int64(c.cfg.InitialWindowSize)/2 {
			start := len(c.obuf)
			c.obuf = AppendWindowUpdate(c.obuf, s.id, uint32(s.recvUnacked))
			c.queueOwn(start)
			s.recvWin += s.recvUnacked
			s.recvUnacked = 0
		}
		if s.tooBig && !s.responded {
			c.respondError(s, 413)
		}
		return nil
	}
	if s.cl >= 0 && s.bodyLen != s.cl {
		return &StreamError{s.id, ErrCodeProtocol, "body shorter than content-length"}
	}
	c.remoteDone(s)
	c.requestDone(s)
	return nil
}

func (c *Conn) onHeaders(f *Frame) error {
	id := f.StreamID
	if id%2 == 0 {
		return errEvenStream // §5.1.1
	}
	es := f.Has(FlagEndStream)
	if len(f.Data) == 0 && !f.Has(FlagEndHeaders) {
		if err := c.control(); err != nil {
			return err
		}
	}
	if s := c.streams[id]; s != nil {
		switch {
		case s.remoteClosed: // §5.1 half-closed (remote)
			c.beginBlock(nil, blockDiscard, false)
			if err := c.fragmentOf(f); err != nil {
				return err
			}
			return &StreamError{id, ErrCodeStreamClosed, "HEADERS after END_STREAM"}
		case !es: // §8.1: trailers end the stream
			c.beginBlock(nil, blockDiscard, false)
			if err := c.fragmentOf(f); err != nil {
				return err
			}
			return &StreamError{id, ErrCodeProtocol, "second HEADERS without END_STREAM"}
		}
		c.beginBlock(s, blockTrailers, true)
		return c.fragmentOf(f)
	}
	if id <= c.maxSeen {
		closed, reset := c.wasClosed(id)
		if reset { // §5.1: ignored after our RST_STREAM
			c.beginBlock(nil, blockDiscard, false)
			if err := c.fragmentOf(f); err != nil {
				return err
			}
			return c.control()
		}
		if closed {
			return errClosedHeaders // §5.1 closed
		}
		return errStreamOrder // §5.1.1
	}
	c.maxSeen = id
	if c.goAway { // §6.8: streams after GOAWAY are ignored
		c.remember(id, true) // and so are their DATA frames
		c.beginBlock(nil, blockDiscard, false)
		if err := c.fragmentOf(f); err != nil {
			return err
		}
		return c.control() // decoded for HPACK's sake, serving nothing
	}
	if uint32(len(c.streams)) >= c.cfg.MaxConcurrentStreams { // §5.1.2
		c.beginBlock(nil, blockDiscard, false)
		if err := c.fragmentOf(f); err != nil {
			return err
		}
		c.countReset()
		return &StreamError{id, ErrCodeRefusedStream, "too many concurrent streams"}
	}
	s := c.newStream(id)
	c.beginBlock(s, blockRequest, es)
	return c.fragmentOf(f)
}

// onBadHeaders handles a HEADERS frame that parsed into a stream error
// (it depends on itself, §5.3.1): its field block is still decoded, and
// discarded, so that the HPACK state stays in sync (§4.3) and its
// CONTINUATIONs are expected; then the stream, opened if it was idle, is
// reset.
func (c *Conn) onBadHeaders(f *Frame, se *StreamError) error {
	if f.StreamID%2 == 0 {
		return errEvenStream // §5.1.1
	}
	c.maxSeen = max(c.maxSeen, f.StreamID)
	c.beginBlock(nil, blockDiscard, false)
	if err := c.fragmentOf(f); err != nil {
		return err
	}
	return se
}

func (c *Conn) fragmentOf(f *Frame) error {
	c.contCount = 0
	c.blockBytes = 0
	c.blockStart = c.now
	return c.fragment(f.Data, f.Has(FlagEndHeaders))
}

func (c *Conn) newStream(id uint32) *stream {
	var s *stream
	if n := len(c.free); n > 0 {
		s = c.free[n-1]
		c.free = c.free[:n-1]
	} else {
		s = new(stream)
	}
	s.id = id
	s.sendWin = c.peerInitWin
	s.recvWin = int64(c.cfg.InitialWindowSize)
	if !c.acked {
		s.recvWin = max(s.recvWin, 65535) // §6.9.2: the client may not have applied ours yet
	}
	s.cl = -1
	s.lastRecv = c.now
	c.streams[id] = s
	c.recving++
	return s
}

// beginBlock prepares decoding a field block into s (nil discards).
func (c *Conn) beginBlock(s *stream, kind int, endStream bool) {
	c.hs, c.hKind, c.hEndStream = s, kind, endStream
	c.hRegular, c.hTooBig, c.hBad, c.hlSize = false, false, "", 0
	c.dec.SetEmitEnabled(s != nil)
	if s != nil && kind == blockRequest {
		s.arena = s.arena[:0]
		s.fields = s.fields[:0]
		s.trailers = s.trailers[:0]
		s.method, s.scheme, s.authority, s.target = noSpan, noSpan, noSpan, noSpan
		s.host = noSpan
	}
}

// fragment decodes one fragment of a field block; the HPACK state is kept
// in sync even for blocks that are discarded (RFC 9113 §4.3).
func (c *Conn) fragment(frag []byte, end bool) error {
	c.blockBytes += len(frag)
	if c.blockBytes > c.cfg.MaxHeaderBlock {
		return errHeaderBlock // CVE-2023-45288
	}
	id := c.f.StreamID
	if _, err := c.dec.Write(frag); err != nil {
		return errCompression
	}
	if !end {
		c.contStream = id
		return nil
	}
	c.contStream = 0
	if err := c.dec.Close(); err != nil {
		return errCompression
	}
	c.dec.SetEmitEnabled(true)
	s := c.hs
	c.hs = nil
	if s == nil {
		return nil
	}
	return c.endBlock(s)
}

// onField receives one decoded field (the hpack emit function).
func (c *Conn) onField(f hpack.HeaderField) {
	c.hlSize += f.Size()
	if c.hlSize > c.cfg.MaxHeaderListSize {
		c.hTooBig = true
		c.dec.SetEmitEnabled(false) // HPACK bomb: stop materialising
		return
	}
	s := c.hs
	if s == nil || c.hBad != "" {
		return
	}
	if f.IsPseudo() { // §8.3
		if c.hKind == blockTrailers {
			c.hBad = "pseudo-header in trailers"
			return
		}
		if c.hRegular {
			c.hBad = "pseudo-header after a regular field"
			return
		}
		var sp *span
		switch f.Name {
		case ":method":
			sp = &s.method
		case ":scheme":
			sp = &s.scheme
		case ":authority":
			sp = &s.authority
		case ":path":
			sp = &s.target
		default:
			c.hBad = "unknown or response pseudo-header"
			return
		}
		if sp.end >= 0 {
			c.hBad = "duplicate pseudo-header"
			return
		}
		if !validValue(f.Value) {
			c.hBad = "invalid pseudo-header value"
			return
		}
		*sp = s.store(f.Value)
		return
	}
	c.hRegular = true
	if !validName(f.Name) || !validValue(f.Value) { // §8.2.1
		c.hBad = "invalid field"
		return
	}
	switch f.Name {
	case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
		c.hBad = "connection-specific field" // §8.2.2
		return
	case "te":
		if f.Value != "trailers" {
			c.hBad = "te other than trailers"
			return
		}
	case "host":
		if c.hKind == blockRequest {
			if s.host.end >= 0 {
				c.hBad = "duplicate host" // RFC 9110 §7.2
				return
			}
			s.host = s.store(f.Value)
			s.fields = append(s.fields, fieldRef{s.store(f.Name), s.host})
			return
		}
	case "content-length":
		if c.hKind == blockRequest {
			v := parseContentLength(f.Value)
			if v < 0 || (s.cl >= 0 && s.cl != v) {
				c.hBad = "invalid content-length"
				return
			}
			s.cl = v
		}
	}
	r := fieldRef{s.store(f.Name), s.store(f.Value)}
	if c.hKind == blockTrailers {
		s.trailers = append(s.trailers, r)
	} else {
		s.fields = append(s.fields, r)
	}
}

// endBlock acts on a complete field block of stream s.
func (c *Conn) endBlock(s *stream) error {
	if c.hKind == blockTrailers {
		if c.hBad != "" {
			return &StreamError{s.id, ErrCodeProtocol, c.hBad}
		}
		if s.cl >= 0 && s.bodyLen != s.cl {
			return &StreamError{s.id, ErrCodeProtocol, "body shorter than content-length"}
		}
		c.remoteDone(s)
		if c.hTooBig { // not handed on cut short
			c.respondError(s, 431)
			return nil
		}
		c.requestDone(s)
		return nil
	}
	if c.hBad == "" && !c.hTooBig {
		c.checkPseudo(s)
	}
	switch {
	case c.hTooBig:
		if c.hEndStream {
			c.remoteDone(s)
		}
		c.respondError(s, 431)
		return nil
	case c.hBad != "":
		return &StreamError{s.id, ErrCodeProtocol, c.hBad}
	}
	if c.hEndStream {
		if s.cl > 0 {
			return &StreamError{s.id, ErrCodeProtocol, "body shorter than content-length"}
		}
		c.remoteDone(s)
		c.requestDone(s)
	}
	return nil
}

// remoteDone marks s half-closed (remote): its request is complete.
func (c *Conn) remoteDone(s *stream) {
	if !s.remoteClosed {
		s.remoteClosed = true
		c.recving--
	}
}

// checkPseudo applies RFC 9113 §8.3.1 to a complete request block.
func (c *Conn) checkPseudo(s *stream) {
	method, target := s.bytes(s.method), s.bytes(s.target)
	switch {
	case s.method.end < 0:
		c.hBad = "missing :method"
	case !validMethod(method):
		c.hBad = "invalid :method"
	case s.host.end >= 0 && s.authority.end >= 0 && string(s.bytes(s.host)) != string(s.bytes(s.authority)):
		// §8.3.1: host checks look at :authority, the application
		// may look at host.
		c.hBad = "host differs from :authority"
	case string(method) == "CONNECT": // §8.5
		if s.scheme.end >= 0 || s.target.end >= 0 || s.authority.end < 0 {
			c.hBad = "malformed CONNECT"
		}
	case s.scheme.end < 0:
		c.hBad = "missing :scheme"
	case len(target) == 0:
		c.hBad = "missing or empty :path"
	case target[0] != '/' && (string(target) != "*" || string(method) != "OPTIONS"):
		c.hBad = ":path neither origin-form nor * for OPTIONS" // §8.3.1
	}
}

// requestDone runs the Handler for a complete request, unless it was
// already answered.
func (c *Conn) requestDone(s *stream) {
	if s.responded {
		c.maybeDone(s)
		return
	}
	if s.tooBig {
		c.respondError(s, 413)
		return
	}
	r := &s.req
	r.StreamID = s.id
	r.Method = s.bytes(s.method)
	r.Scheme = s.bytes(s.scheme)
	r.Authority = s.bytes(s.authority)
	r.Target = s.bytes(s.target)
	r.Path, r.Query = r.Target, nil
	for i, b := range r.Target {
		if b == '?' {
			r.Path, r.Query = r.Target[:i:i], r.Target[i+1:]
			break
		}
	}
	r.Fields = materialize(r.Fields[:0], s, s.fields)
	r.Trailers = materialize(r.Trailers[:0], s, s.trailers)
	r.Body = s.body
	r.BodyLen = s.bodyLen
	s.resp.reset()
	c.h.ServeHTTP2(r, &s.resp)
	clear(r.Fields)
	clear(r.Trailers)
	*r = Request{Fields: r.Fields[:0], Trailers: r.Trailers[:0]}
	if s.resp.suspended {
		c.suspend(s)
		return
	}
	c.respond(s)
}

// suspend parks s until Resume.
func (c *Conn) suspend(s *stream) {
	if _, ok := c.h.(Resumer); !ok || c.wake == nil {
		s.resp.reset()
		s.resp.Status = 500 // BUG in the Handler: nothing would resume it
		c.respond(s)
		return
	}
	s.suspended = true
	c.susp = append(c.susp, s)
	c.wake.Wake()
}

// Resume implements transport.Conn: suspended Handlers continue.
func (c *Conn) Resume() {
	if len(c.susp) == 0 && len(c.live) == 0 {
		return
	}
	c.now = c.cfg.Now()
	c.resumeSuspended()
	c.pull()
	c.afterEvent()
}

// resumeSuspended runs the suspended Handlers.
func (c *Conn) resumeSuspended() {
	if len(c.susp) == 0 {
		return
	}
	rs := c.h.(Resumer)
	for i := 0; i < len(c.susp); {
		s := c.susp[i]
		s.resp.suspended = false
		rs.ResumeHTTP2(&s.resp)
		if s.resp.suspended {
			i++
			continue
		}
		s.suspended = false
		c.susp = removeStream(c.susp, s)
		c.respond(s)
	}
	if len(c.susp) > 0 {
		c.wake.Wake()
	}
}

// pull takes what the open body streams have and schedules it.
func (c *Conn) pull() {
	for i := 0; i < len(c.live); {
		s := c.live[i]
		r := &s.resp
		n0 := len(r.own)
		out, end := s.more.Next(r.own)
		r.own = out
		if n := len(out) - n0; n > 0 {
			r.pieces = append(r.pieces, piece{off: n0, end: len(out)})
			s.remaining += int64(n)
			if !s.blocked {
				c.schedule(s)
			}
		}
		switch {
		case s.remaining > MaxStreamBuffer:
			c.resetStream(s.id, ErrCodeCancel) // removed from c.live
		case end:
			c.endBody(s) // removed from c.live
		default:
			i++
		}
	}
}

// endBody stops asking s's BodyStream for more: s ends once what it
// handed over is sent, at once with an empty DATA frame if all of it is.
func (c *Conn) endBody(s *stream) {
	c.live = removeStream(c.live, s)
	s.more = nil
	if s.remaining == 0 {
		start := len(c.obuf)
		c.obuf = AppendFrameHeader(c.obuf, 0, FrameData, FlagEndStream, s.id)
		c.queueOwn(start)
		c.streamDone(s)
	}
}

func materialize(dst []HeaderField, s *stream, refs []fieldRef) []HeaderField {
	for _, f := range refs {
		dst = append(dst, HeaderField{s.bytes(f.name), s.bytes(f.value)})
	}
	return dst
}

// respondError answers s with a short error status.
func (c *Conn) respondError(s *stream, status int) {
	s.resp.reset()
	s.resp.Status = status
	c.respond(s)
}

// respond queues the HEADERS of s's response and schedules its body.
func (c *Conn) respond(s *stream) {
	s.responded = true
	r := &s.resp
	if r.aborted {
		c.resetStream(s.id, ErrCodeInternal)
		return
	}
	if r.Status == 0 {
		r.Status = 200
	}
	s.piece, s.off = 0, 0
	s.remaining = r.ContentLength()
	// A stream answered while draining sends only its pieces.
	streaming := r.Stream != nil && !c.goAway
	c.hbuf = appendStatus(c.hbuf[:0], r.Status)
	for _, f := range r.Fields {
		if !hopByHop(f.Name) {
			c.hbuf = appendField(c.hbuf, f.Name, f.Value)
		}
	}
	c.hbuf = append(c.hbuf, c.connFields()...)
	c.writeHeaders(s.id, c.hbuf, s.remaining == 0 && !streaming)
	if streaming {
		s.more = r.Stream
		c.live = append(c.live, s)
	} else if s.remaining == 0 {
		c.streamDone(s)
		return
	}
	if s.remaining > 0 {
		c.schedule(s)
	}
}

// connFields returns the encoded date and server fields, re-encoded
// when the date changes (once a second).
func (c *Conn) connFields() []byte {
	d := c.date.Value(c.now)
	if len(c.dateEnc) == 0 || string(d) != string(c.dateRaw[:]) {
		copy(c.dateRaw[:], d)
		b := appendVarInt(c.dateEnc[:0], 0x00, 4, 33) // date
		b = appendString(b, bytesString(d))
		b = appendVarInt(b, 0x00, 4, 54) // server
		c.dateEnc = appendString(b, c.cfg.Server)
	}
	return c.dateEnc
}

// writeHeaders frames a field block as HEADERS and CONTINUATIONs.
func (c *Conn) writeHeaders(id uint32, block []byte, endStream bool) {
	start := len(c.obuf)
	fl := Flags(0)
	if endStream {
		fl = FlagEndStream
	}
	first := true
	for first || len(block) > 0 {
		n := min(len(block), c.peerMaxFrame)
		end := n == len(block)
		if first {
			f := fl
			if end {
				f |= FlagEndHeaders
			}
			c.obuf = AppendHeaders(c.obuf, id, f, block[:n])
		} else {
			c.obuf = AppendContinuation(c.obuf, id, end, block[:n])
		}
		block = block[n:]
		first = false
	}
	c.queueOwn(start)
}

// schedule puts s in the round-robin queue of streams with DATA to send.
func (c *Conn) schedule(s *stream) {
	if !s.inReady {
		s.inReady = true
		c.ready = append(c.ready, s)
	}
}

// unblock reschedules s if it waited for window.
func (c *Conn) unblock(s *stream) {
	if s.blocked && s.sendWin > 0 {
		s.blocked = false
		c.blocked = removeStream(c.blocked, s)
		c.schedule(s)
	}
}

func removeStream(list []*stream, s *stream) []*stream {
	for i, v := range list {
		if v == s {
			copy(list[i:], list[i+1:])
			list[len(list)-1] = nil
			return list[:len(list)-1]
		}
	}
	return list
}

// fill frames DATA of ready streams, round robin, within the windows and
// until MaxPendingOutput/4 octets are queued.
func (c *Conn) fill() {
	if len(c.ready) == 0 {
		c.connBlocked = false // no stream waits for the connection window
	}
	target := c.cfg.MaxPendingOutput / 4
	for len(c.ready) > 0 && c.unsent() < target && !c.closing {
		if c.sendWin <= 0 {
			if !c.connBlocked {
				c.connBlocked, c.connBlockAt = true, c.now
			}
			return
		}
		s := c.ready[0]
		copy(c.ready, c.ready[1:])
		c.ready[len(c.ready)-1] = nil
		c.ready = c.ready[:len(c.ready)-1]
		s.inReady = false
		if s.sendWin <= 0 {
			s.blocked, s.blockSince = true, c.now
			c.blocked = append(c.blocked, s)
			continue
		}
		n := min(s.remaining, s.sendWin, c.sendWin, int64(c.peerMaxFrame))
		c.writeData(s, int(n))
		switch {
		case s.remaining > 0:
			c.schedule(s)
		case s.more == nil:
			c.streamDone(s)
		default:
			s.drained()
		}
	}
}

// writeData queues one DATA frame of n octets of s's body: the frame
// header in obuf, the payload as slices of the body pieces (small ones
// copied next to the header).
func (c *Conn) writeData(s *stream, n int) {
	s.sendWin -= int64(n)
	c.sendWin -= int64(n)
	s.remaining -= int64(n)
	fl := Flags(0)
	if s.remaining == 0 && s.more == nil {
		fl = FlagEndStream
	}
	start := len(c.obuf)
	c.obuf = AppendFrameHeader(c.obuf, n, FrameData, fl, s.id)
	r := &s.resp
	for n > 0 {
		b := r.bytes(s.piece)[s.off:]
		k := min(n, len(b))
		b = b[:k:k]
		if k < copyBelow || r.pieces[s.piece].ext == nil {
			c.obuf = append(c.obuf, b...)
		} else {
			c.queueOwn(start)
			c.queueExt(b)
			start = len(c.obuf)
		}
		n -= k
		s.off += k
		if s.off == len(r.bytes(s.piece)) {
			s.piece++
			s.off = 0
		}
	}
	c.queueOwn(start)
}

// drained forgets the framed pieces of a stream whose BodyStream goes on:
// the copied ones were copied into the output, the others stay referenced
// by it, so the stream's buffer can take the next octets.
func (s *stream) drained() {
	r := &s.resp
	clear(r.pieces)
	r.pieces = r.pieces[:0]
	r.own = reuse(r.own, maxKept)
	s.piece, s.off = 0, 0
}

// streamDone is called when the last frame of s's response is queued.
func (c *Conn) streamDone(s *stream) {
	if !s.remoteClosed {
		// Answered before the request ended (413, 431): ask the client
		// to stop sending (RFC 9113 §8.1).
		start := len(c.obuf)
		c.obuf = AppendRSTStream(c.obuf, s.id, ErrCodeNo)
		c.queueOwn(start)
		s.reset = true
	}
	c.closeStream(s)
}

// maybeDone closes s if its response is fully queued.
func (c *Conn) maybeDone(s *stream) {
	if s.responded && s.remaining == 0 && !s.inReady {
		c.closeStream(s)
	}
}

// closeStream forgets s: pending body is dropped, and its Hold is released
// once the already-queued output is written.
func (c *Conn) closeStream(s *stream) {
	if c.streams[s.id] != s {
		return
	}
	delete(c.streams, s.id)
	if !s.remoteClosed {
		c.recving--
	}
	c.bodyBytes -= len(s.body)
	c.remember(s.id, s.reset)
	if s.inReady {
		c.ready = removeStream(c.ready, s)
	}
	if s.blocked {
		c.blocked = removeStream(c.blocked, s)
	}
	if s.suspended {
		c.susp = removeStream(c.susp, s)
	}
	if s.more != nil {
		c.live = removeStream(c.live, s)
	}
	if s.resp.Hold != nil {
		c.rels = append(c.rels, release{c.queued, s.resp.Hold})
	}
	s.resp.reset()
	s.resp.own = reuse(s.resp.own, maxKept)
	*s = stream{
		arena: reuse(s.arena, maxKept), body: reuse(s.body, maxKept),
		fields: reuse(s.fields, maxKeptFields), trailers: reuse(s.trailers, maxKeptFields),
		req:  Request{Fields: reuse(s.req.Fields, maxKeptFields), Trailers: reuse(s.req.Trailers, maxKeptFields)},
		resp: s.resp,
	}
	c.free = append(c.free, s)
	c.releaseSent()
}

// A closed stream keeps its buffers for the next one only up to these
// capacities: larger ones (a big body, field block or copied response) go
// to the GC, so that a connection does not keep the largest request it
// ever saw in every stream slot.
const (
	maxKept       = 8 << 10 // octets
	maxKeptFields = 64      // fields
)

// reuse returns b emptied, or nil when its capacity is above limit.
func reuse[T any](b []T, limit int) []T {
	if cap(b) > limit {
		return nil
	}
	return b[:0]
}

// remember records id as recently closed, and whether the server reset
// it.
func (c *Conn) remember(id uint32, reset bool) {
	c.closed[c.closedNext] = id
	if reset {
		c.closed[c.closedNext] |= 1 << 31
	}
	c.closedNext = (c.closedNext + 1) % recentClosed
}

// resetStream sends RST_STREAM for id and forgets the stream. Every reset
// of an open stream the server sends counts against the reset budget
// (MadeYouReset); a reset of a stream that is not open cancels no work
// and counts as a control frame (a stale frame on a stream closed long
// ago is not worth ending the connection for).
func (c *Conn) resetStream(id uint32, code ErrCode) {
	open := false
	if s := c.streams[id]; s != nil {
		s.reset = true
		c.closeStream(s)
		open = true
	} else {
		// Refused, or never opened: what the client sent on it before
		// it saw our RST_STREAM is ignored (§5.1).
		c.remember(id, true)
	}
	start := len(c.obuf)
	c.obuf = AppendRSTStream(c.obuf, id, code)
	c.queueOwn(start)
	switch {
	case code == ErrCodeRefusedStream || code == ErrCodeInternal: // refusals were counted already; aborts are ours
	case open:
		c.countReset()
	default:
		if err := c.control(); err != nil {
			c.fail(err.(*ConnectionError))
		}
	}
}

// fail ends the connection with GOAWAY (RFC 9113 §5.4.1).
func (c *Conn) fail(e *ConnectionError) {
	if c.closing {
		return
	}
	if c.err == nil {
		c.err = e
	}
	start := len(c.obuf)
	c.obuf = AppendGoAway(c.obuf, c.maxSeen, e.Code, []byte(e.Reason))
	c.queueOwn(start)
	c.goAway = true
	c.closing = true
	for _, s := range c.streams {
		c.closeStream(s)
	}
}

// Err returns the connection error that ended the connection, if any.
func (c *Conn) Err() *ConnectionError { return c.err }

// afterEvent sends window updates, schedules DATA, and decides whether
// the connection is finished.
func (c *Conn) afterEvent() {
	if !c.closing && c.recvUnacked > 0 && c.recvUnacked >= int64(c.cfg.ConnWindowSize)/2 {
		start := len(c.obuf)
		c.obuf = AppendWindowUpdate(c.obuf, 0, uint32(c.recvUnacked))
		c.queueOwn(start)
		c.recvWin += c.recvUnacked
		c.recvUnacked = 0
	}
	c.fill()
	if c.goAway && !c.closing && len(c.streams) == 0 && c.contStream == 0 {
		if c.peerGoAway {
			c.fail(errClientGoneAway)
		} else {
			c.closing = true
		}
	}
}

// queueOwn queues obuf[start:] as output.
func (c *Conn) queueOwn(start int) {
	end := len(c.obuf)
	if end == start {
		return
	}
	c.queued += int64(end - start)
	if n := len(c.segs); n > c.segHead && c.segs[n-1].ext == nil && c.segs[n-1].end == start {
		c.segs[n-1].end = end
		return
	}
	c.segs = append(c.segs, seg{off: start, end: end})
}

// queueExt queues b without copying.
func (c *Conn) queueExt(b []byte) {
	c.queued += int64(len(b))
	c.segs = append(c.segs, seg{ext: b})
}

func (c *Conn) unsent() int { return int(c.queued - c.sent) }

// Pending implements transport.Conn.
func (c *Conn) Pending(iov [][]byte) [][]byte {
	if c.aborted {
		return iov
	}
	for i := c.segHead; i < len(c.segs) && i-c.segHead < maxIOV; i++ {
		b := c.segBytes(i)
		if i == c.segHead {
			b = b[c.segOff:]
		}
		iov = append(iov, b)
	}
	return iov
}

func (c *Conn) segBytes(i int) []byte {
	s := &c.segs[i]
	if s.ext != nil {
		return s.ext
	}
	return c.obuf[s.off:s.end:s.end]
}

// Written implements transport.Conn.
func (c *Conn) Written(n int) {
	c.now = c.cfg.Now()
	c.lastOut = c.now
	c.sent += int64(n)
	for n > 0 && c.segHead < len(c.segs) {
		rest := len(c.segBytes(c.segHead)) - c.segOff
		if n < rest {
			c.segOff += n
			break
		}
		n -= rest
		c.segs[c.segHead] = seg{}
		c.segHead++
		c.segOff = 0
	}
	if c.segHead == len(c.segs) {
		c.segs = c.segs[:0]
		c.segHead, c.segOff = 0, 0
		c.obuf = reuse(c.obuf, maxKeptOutput)
	}
	c.releaseSent()
	c.afterEvent()
}

// releaseSent releases the holds whose output was written.
func (c *Conn) releaseSent() {
	for c.relHead < len(c.rels) && c.rels[c.relHead].at <= c.sent {
		c.rels[c.relHead].hold.Release()
		c.rels[c.relHead] = release{}
		c.relHead++
	}
	if c.relHead == len(c.rels) {
		c.rels = c.rels[:0]
		c.relHead = 0
	}
}

// Status implements transport.Conn.
func (c *Conn) Status() transport.Status {
	pending := c.unsent() > 0 && !c.aborted
	st := transport.Status{
		Close:     c.closing || c.aborted,
		PauseRead: c.closing || c.unsent() >= c.cfg.MaxPendingOutput,
	}
	switch {
	case pending:
		st.Timeout = remaining(c.cfg.WriteTimeout, c.now.Sub(c.lastOut))
	case c.closing:
	case c.preface < len(Preface) || !c.gotSettings:
		st.Timeout = remaining(c.cfg.PrefaceTimeout, c.now.Sub(c.created))
	case c.connBlocked || len(c.blocked) > 0:
		st.Timeout = remaining(c.cfg.StallTimeout, c.now.Sub(c.stallStart()))
	case len(c.live) > 0: // a body stream waits for its owner, not the client
	default:
		st.Timeout = remaining(c.cfg.IdleTimeout, c.now.Sub(c.lastIn))
	}
	if !c.acked && !c.closing {
		st.Timeout = sooner(st.Timeout, remaining(c.cfg.SettingsTimeout, c.now.Sub(c.created)))
	}
	if c.contStream != 0 && !c.closing {
		st.Timeout = sooner(st.Timeout, remaining(c.cfg.BodyTimeout, c.now.Sub(c.blockStart)))
	}
	if c.recving > 0 && !c.closing {
		t := c.now
		for _, s := range c.streams {
			if !s.remoteClosed && s != c.hs && s.lastRecv.Before(t) {
				t = s.lastRecv
			}
		}
		st.Timeout = sooner(st.Timeout, remaining(c.cfg.BodyTimeout, c.now.Sub(t)))
	}
	return st
}

// sooner returns the earlier of two timeouts, where 0 is none.
func sooner(a, b time.Duration) time.Duration {
	if a == 0 || b < a {
		return b
	}
	return a
}

// stallStart is when the oldest flow-control stall began.
func (c *Conn) stallStart() time.Time {
	t := c.now
	if c.connBlocked {
		t = c.connBlockAt
	}
	for _, s := range c.blocked {
		if s.blockSince.Before(t) {
			t = s.blockSince
		}
	}
	return t
}

func remaining(budget, elapsed time.Duration) time.Duration {
	return max(budget-elapsed, time.Nanosecond)
}

// Timeout implements transport.Conn.
func (c *Conn) Timeout() {
	c.now = c.cfg.Now()
	if !c.acked && !c.closing && c.now.Sub(c.created) >= c.cfg.SettingsTimeout {
		c.fail(errSettingsTimeout) // §6.5.3
	}
	// A field block trickled in CONTINUATION by CONTINUATION, each just
	// inside the idle timeout, gets BodyTimeout in all. It cannot be
	// abandoned alone (the HPACK state would be lost, §4.3): the
	// connection ends.
	if c.contStream != 0 && !c.closing && c.now.Sub(c.blockStart) >= c.cfg.BodyTimeout {
		c.fail(errBlockTimeout)
	}
	if c.recving > 0 && !c.closing {
		// A request whose body stopped coming: 408, and RST_STREAM
		// (NO_ERROR) to stop the rest. Without it, streams left open
		// would hold their field blocks while PINGs keep the
		// connection from idling out.
		for _, s := range c.streams {
			if !s.remoteClosed && s != c.hs && c.now.Sub(s.lastRecv) >= c.cfg.BodyTimeout {
				c.respondError(s, 408)
			}
		}
	}
	switch {
	case c.unsent() > 0:
		if c.now.Sub(c.lastOut) >= c.cfg.WriteTimeout {
			c.aborted = true // the client does not read
			c.fail(errWriteTimeout)
		}
	case c.closing:
	case c.preface < len(Preface) || !c.gotSettings:
		if c.now.Sub(c.created) >= c.cfg.PrefaceTimeout {
			c.fail(errPrefaceTimeout)
		}
	case c.connBlocked || len(c.blocked) > 0:
		if c.connBlocked && c.now.Sub(c.connBlockAt) >= c.cfg.StallTimeout {
			c.fail(errConnStall)
			break
		}
		for i := 0; i < len(c.blocked); {
			s := c.blocked[i]
			if c.now.Sub(s.blockSince) >= c.cfg.StallTimeout {
				c.resetStream(s.id, ErrCodeCancel) // zero-window stall
				continue                           // removed from c.blocked
			}
			i++
		}
	case len(c.live) > 0:
	default:
		if c.now.Sub(c.lastIn) >= c.cfg.IdleTimeout {
			c.fail(errIdleTimeout)
		}
	}
	c.afterEvent()
}

// Drain implements transport.Conn: GOAWAY with the last stream id
// processed, finish the open streams, then close (RFC 9113 §6.8).
func (c *Conn) Drain() {
	c.now = c.cfg.Now()
	if c.goAway || c.closing {
		return
	}
	c.goAway = true
	start := len(c.obuf)
	c.obuf = AppendGoAway(c.obuf, c.maxSeen, ErrCodeNo, errShuttingDownMsg)
	c.queueOwn(start)
	for len(c.live) > 0 {
		c.endBody(c.live[0]) // body streams end after what they handed over
	}
	c.afterEvent()
}

// Close implements transport.Conn.
func (c *Conn) Close(err error) {
	for _, s := range c.streams {
		c.closeStream(s)
	}
	for i := c.relHead; i < len(c.rels); i++ {
		c.rels[i].hold.Release()
	}
	c.rels, c.relHead = nil, 0
	c.segs, c.segHead, c.segOff = nil, 0, 0
}
