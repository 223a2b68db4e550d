package http2

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2/hpack"
)

type fakeClock struct{ t time.Time }

func (f *fakeClock) now() time.Time          { return f.t }
func (f *fakeClock) advance(d time.Duration) { f.t = f.t.Add(d) }

// client drives a Conn directly: it encodes frames, feeds Recv, and
// parses what Pending returns.
type client struct {
	t     testing.TB
	c     *Conn
	clock *fakeClock
	enc   *hpack.Encoder
	ebuf  bytes.Buffer
	dec   *hpack.Decoder
}

func newClient(t testing.TB, cfg Config, h Handler, settings ...Setting) *client {
	cl := &client{t: t, clock: &fakeClock{time.Unix(1_700_000_000, 0)}}
	cfg.Now = cl.clock.now
	cl.c = NewConn(&cfg, h, nil)
	cl.enc = hpack.NewEncoder(&cl.ebuf)
	cl.dec = hpack.NewDecoder(4096, nil)
	cl.send(append([]byte(Preface), AppendSettings(nil, settings...)...))
	fs := cl.read()
	if len(fs) < 2 || fs[0].Type != FrameSettings || fs[len(fs)-1].Type != FrameSettings || !fs[len(fs)-1].Has(FlagAck) {
		t.Fatalf("server preface: %v", types(fs))
	}
	cl.send(AppendSettingsAck(nil))
	return cl
}

// send feeds b; everything must be consumed.
func (cl *client) send(b []byte) {
	cl.t.Helper()
	if n := cl.c.Recv(b); n != len(b) {
		cl.t.Fatalf("Recv consumed %d of %d", n, len(b))
	}
}

// read takes all pending output and parses it into frames.
func (cl *client) read() []Frame {
	cl.t.Helper()
	var out []byte
	for {
		iov := cl.c.Pending(nil)
		if len(iov) == 0 {
			break
		}
		n := 0
		for _, b := range iov {
			out = append(out, b...)
			n += len(b)
		}
		cl.c.Written(n)
	}
	var fs []Frame
	for len(out) > 0 {
		var f Frame
		n, err := ParseFrame(out, MaxMaxFrameSize, &f)
		if err != nil {
			cl.t.Fatalf("server sent a bad frame: %v", err)
		}
		fs = append(fs, f)
		out = out[n:]
	}
	return fs
}

func (cl *client) block(fields ...string) []byte {
	cl.ebuf.Reset()
	for i := 0; i+1 < len(fields); i += 2 {
		cl.enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
	}
	return bytes.Clone(cl.ebuf.Bytes())
}

func (cl *client) get(id uint32, path string) []byte {
	return AppendHeaders(nil, id, FlagEndHeaders|FlagEndStream,
		cl.block(":method", "GET", ":scheme", "http", ":path", path, ":authority", "x"))
}

func (cl *client) fields(f Frame) map[string]string {
	m := map[string]string{}
	hf, err := cl.dec.DecodeFull(f.Data)
	if err != nil {
		cl.t.Fatalf("response block: %v", err)
	}
	for _, h := range hf {
		m[h.Name] = h.Value
	}
	return m
}

func types(fs []Frame) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.Type.String())
	}
	return strings.Join(s, ",")
}

func find(fs []Frame, t FrameType) *Frame {
	for i := range fs {
		if fs[i].Type == t {
			return &fs[i]
		}
	}
	return nil
}

func wantGoAway(t *testing.T, fs []Frame, code ErrCode) {
	t.Helper()
	g := find(fs, FrameGoAway)
	if g == nil || g.ErrCode != code {
		t.Fatalf("want GOAWAY %v, got %v (%+v)", code, types(fs), g)
	}
}

func wantRST(t *testing.T, fs []Frame, id uint32, code ErrCode) {
	t.Helper()
	for _, f := range fs {
		if f.Type == FrameRSTStream && f.StreamID == id && f.ErrCode == code {
			return
		}
	}
	t.Fatalf("want RST_STREAM %d %v, got %v", id, code, types(fs))
}

func bodyHandler(body []byte) Handler {
	return HandlerFunc(func(req *Request, resp *Response) {
		resp.Status = 200
		resp.Add("Content-Type", "text/plain")
		resp.Body(body)
	})
}

func TestConnGet(t *testing.T) {
	var got Request
	var path, query, ua string
	cl := newClient(t, Config{}, HandlerFunc(func(req *Request, resp *Response) {
		got.StreamID = req.StreamID
		path, query, ua = string(req.Path), string(req.Query), string(req.Header("user-agent"))
		resp.Status = 404
		resp.Add("Content-Type", "text/plain")
		resp.Add("Connection", "close") // dropped
		resp.Add("X-Custom", "v")
		resp.Write([]byte("not here"))
	}))
	cl.send(AppendHeaders(nil, 1, FlagEndHeaders|FlagEndStream, cl.block(
		":method", "GET", ":scheme", "https", ":path", "/a/b?x=1", ":authority", "example.com", "user-agent", "t")))
	fs := cl.read()
	if types(fs) != "HEADERS,DATA" {
		t.Fatalf("got %v", types(fs))
	}
	h := cl.fields(fs[0])
	if h[":status"] != "404" || h["content-type"] != "text/plain" || h["x-custom"] != "v" || h["server"] != "zeroserve" || h["date"] == "" || h["connection"] != "" {
		t.Errorf("fields %v", h)
	}
	if string(fs[1].Data) != "not here" || !fs[1].Has(FlagEndStream) || fs[0].Has(FlagEndStream) {
		t.Errorf("DATA %+v", fs[1])
	}
	if got.StreamID != 1 || path != "/a/b" || query != "x=1" || ua != "t" {
		t.Errorf("request %d %q %q %q", got.StreamID, path, query, ua)
	}
}

func TestConnPostBodyAndTrailers(t *testing.T) {
	var body, trailer string
	cl := newClient(t, Config{}, HandlerFunc(func(req *Request, resp *Response) {
		body = string(req.Body)
		for _, f := range req.Trailers {
			trailer += string(f.Name) + "=" + string(f.Value)
		}
		resp.Status = 204
	}))
	b := AppendHeaders(nil, 1, FlagEndHeaders, cl.block(":method", "POST", ":scheme", "http", ":path", "/", "content-length", "5"))
	b = AppendData(b, 1, false, []byte("hel"))
	b = AppendData(b, 1, false, []byte("lo"))
	b = AppendHeaders(b, 1, FlagEndHeaders|FlagEndStream, cl.block("x-sum", "1"))
	cl.send(b)
	fs := cl.read()
	if types(fs) != "HEADERS" || !fs[0].Has(FlagEndStream) || body != "hello" || trailer != "x-sum=1" {
		t.Fatalf("got %v body %q trailer %q", types(fs), body, trailer)
	}
}

// TestConnStreamErrors: malformed requests get RST_STREAM, others GOAWAY.
func TestConnStreamErrors(t *testing.T) {
	type step func(cl *client) []byte
	hdr := func(fields ...string) step {
		return func(cl *client) []byte {
			return AppendHeaders(nil, 1, FlagEndHeaders|FlagEndStream, cl.block(fields...))
		}
	}
	tests := []struct {
		name   string
		in     step
		stream bool
		code   ErrCode
	}{
		{"uppercase name", hdr(":method", "GET", ":scheme", "http", ":path", "/", "X-A", "b"), true, ErrCodeProtocol},
		{"missing path", hdr(":method", "GET", ":scheme", "http"), true, ErrCodeProtocol},
		{"empty path", hdr(":method", "GET", ":scheme", "http", ":path", ""), true, ErrCodeProtocol},
		{"duplicate method", hdr(":method", "GET", ":method", "GET", ":scheme", "http", ":path", "/"), true, ErrCodeProtocol},
		{"pseudo after regular", hdr(":method", "GET", "a", "b", ":scheme", "http", ":path", "/"), true, ErrCodeProtocol},
		{"response pseudo", hdr(":status", "200", ":method", "GET", ":scheme", "http", ":path", "/"), true, ErrCodeProtocol},
		{"connection field", hdr(":method", "GET", ":scheme", "http", ":path", "/", "connection", "x"), true, ErrCodeProtocol},
		{"te gzip", hdr(":method", "GET", ":scheme", "http", ":path", "/", "te", "gzip"), true, ErrCodeProtocol},
		{"value with LF", hdr(":method", "GET", ":scheme", "http", ":path", "/", "a", "b\nc"), true, ErrCodeProtocol},
		{"content-length mismatch", hdr(":method", "POST", ":scheme", "http", ":path", "/", "content-length", "3"), true, ErrCodeProtocol},
		{"even stream", func(cl *client) []byte {
			return AppendHeaders(nil, 2, FlagEndHeaders, cl.block(":method", "GET"))
		}, false, ErrCodeProtocol},
		{"DATA on idle", func(cl *client) []byte { return AppendData(nil, 1, false, []byte("x")) }, false, ErrCodeProtocol},
		{"bad HPACK", func(cl *client) []byte { return AppendHeaders(nil, 1, FlagEndHeaders, []byte{0xff, 0xff, 0xff, 0xff}) }, false, ErrCodeCompression},
		{"PUSH_PROMISE", func(cl *client) []byte { return AppendPushPromise(nil, 1, 2, true, nil) }, false, ErrCodeProtocol},
		{"frame inside header block", func(cl *client) []byte {
			b := AppendHeaders(nil, 1, 0, cl.block(":method", "GET"))
			return AppendPing(b, false, [8]byte{})
		}, false, ErrCodeProtocol},
		{"WINDOW_UPDATE overflow", func(cl *client) []byte {
			return AppendWindowUpdate(nil, 0, maxWindow)
		}, false, ErrCodeFlowControl},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := newClient(t, Config{}, helloHandler())
			cl.send(tt.in(cl))
			fs := cl.read()
			if tt.stream {
				wantRST(t, fs, 1, tt.code)
				if find(fs, FrameGoAway) != nil {
					t.Fatal("stream error ended the connection")
				}
				// The connection, and its HPACK state, still work.
				cl.send(cl.get(3, "/"))
				if fs := cl.read(); types(fs) != "HEADERS,DATA" {
					t.Fatalf("after the stream error: %v", types(fs))
				}
				return
			}
			wantGoAway(t, fs, tt.code)
			if !cl.c.Status().Close {
				t.Fatal("connection error did not close")
			}
		})
	}
}

func TestConnFlowControl(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 10_000) // 100 kB, referenced
	cl := newClient(t, Config{}, bodyHandler(body), Setting{SettingInitialWindowSize, 1000})
	cl.send(cl.get(1, "/"))
	fs := cl.read()
	if types(fs) != "HEADERS,DATA" || len(fs[1].Data) != 1000 {
		t.Fatalf("got %v", types(fs))
	}
	// Stream window: 20000 more, sent in MAX_FRAME_SIZE pieces.
	cl.send(AppendWindowUpdate(nil, 1, 20000))
	n := 0
	for _, f := range cl.read() {
		if f.Type != FrameData || len(f.Data) > MinMaxFrameSize {
			t.Fatalf("frame %v len %d", f.Type, len(f.Data))
		}
		n += len(f.Data)
	}
	if n != 20000 {
		t.Fatalf("sent %d after the update, want 20000", n)
	}
	// Raise the stream window by SETTINGS: now the connection window
	// (65535 - 21000) limits.
	cl.send(AppendSettings(nil, Setting{SettingInitialWindowSize, 1 << 30}))
	n = 0
	for _, f := range cl.read() {
		if f.Type == FrameData {
			n += len(f.Data)
		}
	}
	if n != 65535-21000 {
		t.Fatalf("sent %d, want the rest of the connection window %d", n, 65535-21000)
	}
	cl.send(AppendWindowUpdate(nil, 0, 1<<20))
	n = 0
	var end bool
	for _, f := range cl.read() {
		if f.Type == FrameData {
			n += len(f.Data)
			end = f.Has(FlagEndStream)
		}
	}
	if n != len(body)-65535 || !end {
		t.Fatalf("sent %d end=%v, want the rest %d", n, end, len(body)-65535)
	}
}

// TestConnWindowUpdates: the server replenishes what the client sent.
func TestConnWindowUpdates(t *testing.T) {
	cl := newClient(t, Config{InitialWindowSize: 1000, ConnWindowSize: 65535, MaxRequestBody: 1 << 20}, helloHandler())
	b := AppendHeaders(nil, 1, FlagEndHeaders, cl.block(":method", "POST", ":scheme", "http", ":path", "/"))
	b = AppendData(b, 1, false, make([]byte, 600))
	cl.send(b)
	fs := cl.read()
	if w := find(fs, FrameWindowUpdate); w == nil || w.StreamID != 1 || w.Increment != 600 {
		t.Fatalf("want stream WINDOW_UPDATE 600, got %v", types(fs))
	}
	cl.send(AppendData(nil, 1, false, make([]byte, 1001)))
	wantRST(t, cl.read(), 1, ErrCodeFlowControl)
}

func TestRapidReset(t *testing.T) {
	cfg := Config{MaxResets: 10, ResetWindow: time.Second}
	cl := newClient(t, cfg, helloHandler())
	id := uint32(1)
	openReset := func() {
		b := AppendHeaders(nil, id, FlagEndHeaders, cl.block(":method", "POST", ":scheme", "http", ":path", "/"))
		cl.send(AppendRSTStream(b, id, ErrCodeCancel))
		id += 2
	}
	for range 10 {
		openReset()
	}
	cl.clock.advance(time.Second) // a new window: the budget refills
	for range 10 {
		openReset()
	}
	if fs := cl.read(); find(fs, FrameGoAway) != nil {
		t.Fatalf("GOAWAY within the budget: %v", types(fs))
	}
	openReset()
	wantGoAway(t, cl.read(), ErrCodeEnhanceYourCalm)
}

func TestMadeYouReset(t *testing.T) {
	cl := newClient(t, Config{MaxResets: 10}, helloHandler())
	for i := range 11 {
		// An invalid field makes the server reset the stream.
		cl.send(AppendHeaders(nil, uint32(2*i+1), FlagEndHeaders|FlagEndStream,
			cl.block(":method", "GET", ":scheme", "http", ":path", "/", "Bad", "x")))
	}
	fs := cl.read()
	wantRST(t, fs, 1, ErrCodeProtocol)
	wantGoAway(t, fs, ErrCodeEnhanceYourCalm)
}

func TestMadeYouResetWindowUpdate(t *testing.T) {
	cl := newClient(t, Config{MaxResets: 5}, helloHandler())
	for i := range 6 {
		id := uint32(2*i + 1)
		b := AppendHeaders(nil, id, FlagEndHeaders, cl.block(":method", "POST", ":scheme", "http", ":path", "/"))
		cl.send(AppendWindowUpdate(b, id, 0)) // stream error
	}
	wantGoAway(t, cl.read(), ErrCodeEnhanceYourCalm)
}

func TestContinuationFlood(t *testing.T) {
	t.Run("count", func(t *testing.T) {
		cl := newClient(t, Config{MaxContinuations: 8}, helloHandler())
		b := AppendHeaders(nil, 1, 0, cl.block(":method", "GET", ":scheme", "http"))
		for range 9 {
			b = AppendContinuation(b, 1, false, nil)
		}
		cl.send(b)
		wantGoAway(t, cl.read(), ErrCodeEnhanceYourCalm)
	})
	t.Run("bytes", func(t *testing.T) {
		cl := newClient(t, Config{MaxHeaderBlock: 2048, MaxContinuations: 1000}, helloHandler())
		b := AppendHeaders(nil, 1, 0, cl.block(":method", "GET", ":scheme", "http"))
		for i := range 5 {
			b = AppendContinuation(b, 1, false, cl.block("x-a", strings.Repeat(string(rune('a'+i)), 1000)))
		}
		cl.send(b)
		wantGoAway(t, cl.read(), ErrCodeEnhanceYourCalm)
	})
}

// TestHPACKBomb: a small block expanding to a huge field list is answered
// 431 without decoding it all, and the connection stays in sync.
func TestHPACKBomb(t *testing.T) {
	calls := 0
	cl := newClient(t, Config{MaxHeaderListSize: 16 << 10}, HandlerFunc(func(req *Request, resp *Response) {
		calls++
		resp.Status = 200
	}))
	// Literal with incremental indexing of a 4000-octet value, then 1-octet
	// references to it (dynamic index 62) — a 2000-fold expansion.
	blk := cl.block(":method", "GET", ":scheme", "http", ":path", "/")
	blk = append(blk, 0x40, 0x01, 'x')
	blk = appendVarInt(blk, 0, 7, 4000)
	blk = append(blk, bytes.Repeat([]byte("b"), 4000)...)
	blk = append(blk, bytes.Repeat([]byte{0x80 | 62}, 1000)...)
	cl.send(AppendHeaders(nil, 1, FlagEndHeaders|FlagEndStream, blk))
	fs := cl.read()
	if types(fs) != "HEADERS" || cl.fields(fs[0])[":status"] != "431" || calls != 0 {
		t.Fatalf("got %v calls=%d", types(fs), calls)
	}
	// The dynamic table entry exists on both sides: a reference works.
	cl.send(AppendHeaders(nil, 3, FlagEndHeaders|FlagEndStream,
		append(cl.block(":method", "GET", ":scheme", "http", ":path", "/"), 0x80|62)))
	if fs := cl.read(); types(fs) != "HEADERS" || cl.fields(fs[0])[":status"] != "200" {
		t.Fatalf("after the bomb: %v", types(fs))
	}
}

func TestControlFlood(t *testing.T) {
	t.Run("ping", func(t *testing.T) {
		cl := newClient(t, Config{MaxControlFrames: 100}, helloHandler())
		var b []byte
		for range 101 {
			b = AppendPing(b, false, [8]byte{})
		}
		cl.send(b)
		fs := cl.read()
		wantGoAway(t, fs, ErrCodeEnhanceYourCalm)
	})
	t.Run("empty data", func(t *testing.T) {
		cl := newClient(t, Config{MaxControlFrames: 100}, helloHandler())
		b := AppendHeaders(nil, 1, FlagEndHeaders, cl.block(":method", "POST", ":scheme", "http", ":path", "/"))
		for range 101 {
			b = AppendData(b, 1, false, nil)
		}
		cl.send(b)
		wantGoAway(t, cl.read(), ErrCodeEnhanceYourCalm)
	})
	t.Run("unread acks pause input", func(t *testing.T) {
		cl := newClient(t, Config{MaxPendingOutput: 1700}, helloHandler())
		var b []byte
		for range 200 {
			b = AppendPing(b, false, [8]byte{})
		}
		n := cl.c.Recv(b)
		if n >= len(b) || !cl.c.Status().PauseRead {
			t.Fatalf("consumed %d of %d, status %+v", n, len(b), cl.c.Status())
		}
		if u := cl.c.unsent(); u > 1700+17 {
			t.Fatalf("%d octets queued", u)
		}
		cl.read()
		if cl.c.Status().PauseRead {
			t.Fatal("still paused after the output was written")
		}
	})
}

func TestZeroWindowStall(t *testing.T) {
	t.Run("stream", func(t *testing.T) {
		cfg := Config{StallTimeout: 5 * time.Second}
		cl := newClient(t, cfg, bodyHandler(make([]byte, 100)), Setting{SettingInitialWindowSize, 0})
		cl.send(cl.get(1, "/"))
		if fs := cl.read(); types(fs) != "HEADERS" {
			t.Fatalf("got %v", types(fs))
		}
		if st := cl.c.Status(); st.Timeout != 5*time.Second {
			t.Fatalf("timeout %v", st.Timeout)
		}
		cl.clock.advance(5 * time.Second)
		cl.c.Timeout()
		fs := cl.read()
		wantRST(t, fs, 1, ErrCodeCancel)
		if cl.c.Status().Close {
			t.Fatal("stream stall closed the connection")
		}
	})
	t.Run("connection", func(t *testing.T) {
		cfg := Config{StallTimeout: 5 * time.Second}
		cl := newClient(t, cfg, bodyHandler(make([]byte, 70000)), Setting{SettingInitialWindowSize, 1 << 20})
		cl.send(cl.get(1, "/"))
		cl.read()
		cl.clock.advance(4 * time.Second)
		cl.c.Timeout()
		if find(cl.read(), FrameGoAway) != nil {
			t.Fatal("GOAWAY before the stall timeout")
		}
		cl.clock.advance(time.Second)
		cl.c.Timeout()
		wantGoAway(t, cl.read(), ErrCodeEnhanceYourCalm)
	})
}

func TestConcurrencyLimit(t *testing.T) {
	cl := newClient(t, Config{MaxConcurrentStreams: 2}, helloHandler())
	for id := uint32(1); id <= 5; id += 2 {
		cl.send(AppendHeaders(nil, id, FlagEndHeaders, cl.block(":method", "POST", ":scheme", "http", ":path", "/")))
	}
	wantRST(t, cl.read(), 5, ErrCodeRefusedStream)
}

func TestDrain(t *testing.T) {
	cl := newClient(t, Config{}, helloHandler())
	cl.send(AppendHeaders(nil, 1, FlagEndHeaders, cl.block(":method", "POST", ":scheme", "http", ":path", "/")))
	cl.c.Drain()
	fs := cl.read()
	g := find(fs, FrameGoAway)
	if g == nil || g.ErrCode != ErrCodeNo || g.LastStreamID != 1 {
		t.Fatalf("got %v", types(fs))
	}
	if cl.c.Status().Close {
		t.Fatal("closed with a stream in flight")
	}
	cl.send(cl.get(3, "/")) // above the last stream id: ignored
	cl.send(AppendData(nil, 1, true, []byte("x")))
	fs = cl.read()
	if types(fs) != "HEADERS,DATA" || fs[0].StreamID != 1 {
		t.Fatalf("got %v", types(fs))
	}
	if !cl.c.Status().Close {
		t.Fatal("not closed after the last stream")
	}
}

type countHold struct{ n int }

func (h *countHold) Release() { h.n++ }

func TestHoldReleasedAfterWrite(t *testing.T) {
	hold := &countHold{}
	body := make([]byte, 5000)
	cl := newClient(t, Config{}, HandlerFunc(func(req *Request, resp *Response) {
		resp.Hold = hold
		resp.Body(body)
	}))
	cl.send(cl.get(1, "/"))
	iov := cl.c.Pending(nil)
	total := 0
	for _, b := range iov {
		total += len(b)
	}
	cl.c.Written(total - 1)
	if hold.n != 0 {
		t.Fatal("released before the body was written")
	}
	cl.c.Written(1)
	if hold.n != 1 {
		t.Fatalf("released %d times", hold.n)
	}
	// A reset stream releases too, and Close releases what is queued.
	big := make([]byte, 1<<20)
	hold2 := &countHold{}
	cl.c.h = HandlerFunc(func(req *Request, resp *Response) { resp.Hold = hold2; resp.Body(big) })
	cl.send(cl.get(3, "/"))
	cl.send(AppendRSTStream(nil, 3, ErrCodeCancel))
	cl.c.Close(nil)
	if hold2.n != 1 {
		t.Fatalf("reset stream released %d times", hold2.n)
	}
}

// TestCoalescing: the responses to many streams come out as one buffer
// of frames plus an iovec per large body.
func TestCoalescing(t *testing.T) {
	small := []byte("small body")
	cl := newClient(t, Config{}, bodyHandler(small))
	var b []byte
	for id := uint32(1); id < 40; id += 2 {
		b = append(b, cl.get(id, "/")...)
	}
	cl.send(b)
	if iov := cl.c.Pending(nil); len(iov) != 1 {
		t.Fatalf("%d iovecs for 20 small responses, want 1", len(iov))
	}
	if fs := cl.read(); len(fs) != 40 {
		t.Fatalf("%d frames", len(fs))
	}
	large := make([]byte, 4000)
	cl.c.h = bodyHandler(large)
	b = b[:0]
	for id := uint32(41); id < 60; id += 2 {
		b = append(b, cl.get(id, "/")...)
	}
	cl.send(b)
	iov := cl.c.Pending(nil)
	if len(iov) != 20 {
		t.Fatalf("%d iovecs for 10 large responses, want 20", len(iov))
	}
	for i := 1; i < len(iov); i += 2 {
		if &iov[i][0] != &large[0] {
			t.Fatal("body copied")
		}
	}
}

func TestConnAllocs(t *testing.T) {
	body := make([]byte, 2000)
	cl := newClient(t, Config{}, bodyHandler(body))
	id := uint32(1)
	req := func() []byte {
		return AppendHeaders(nil, id, FlagEndHeaders|FlagEndStream, cl.block(
			":method", "GET", ":scheme", "https", ":path", "/index.html", ":authority", "example.com",
			"accept-encoding", "gzip, br", "user-agent", "bench"))
	}
	// With hpack's dynamic table the repeated request is a few indices.
	var reqs [][]byte
	for range 300 {
		reqs = append(reqs, AppendWindowUpdate(req(), 0, uint32(len(body))))
		id += 2
	}
	iov := make([][]byte, 0, 64)
	i := 0
	run := func() {
		cl.c.Recv(reqs[i])
		i++
		iov = cl.c.Pending(iov[:0])
		n := 0
		for _, b := range iov {
			n += len(b)
		}
		cl.c.Written(n)
	}
	for range 50 {
		run()
	}
	if a := testing.AllocsPerRun(200, run); a != 0 {
		t.Errorf("%.1f allocations per request, want 0", a)
	}
}

func BenchmarkConnRequest(b *testing.B) {
	body := make([]byte, 174)
	cl := newClient(b, Config{}, bodyHandler(body))
	enc := func(id uint32) []byte {
		return AppendHeaders(nil, id, FlagEndHeaders|FlagEndStream, cl.block(
			":method", "GET", ":scheme", "https", ":path", "/index.html", ":authority", "example.com"))
	}
	cl.send(enc(1))
	cl.read()
	in := AppendWindowUpdate(enc(3), 0, 174) // fully indexed from now on; the client replenishes the window
	iov := make([][]byte, 0, 64)
	id := uint32(5)
	b.ReportAllocs()
	for b.Loop() {
		in[5], in[6], in[7], in[8] = byte(id>>24), byte(id>>16), byte(id>>8), byte(id)
		id += 2
		cl.c.Recv(in)
		iov = cl.c.Pending(iov[:0])
		n := 0
		for _, v := range iov {
			n += len(v)
		}
		cl.c.Written(n)
	}
	if cl.c.Err() != nil {
		b.Fatal(cl.c.Err())
	}
}

// BenchmarkConnRequestLiteral: every request has a new :path, sent as a
// literal that is never indexed, so hpack materialises it as a string.
func BenchmarkConnRequestLiteral(b *testing.B) {
	body := make([]byte, 174)
	cl := newClient(b, Config{}, bodyHandler(body))
	id := uint32(1)
	paths := make([]string, 1024)
	for i := range paths {
		paths[i] = "/assets/file-" + strings.Repeat("x", i%7) + ".js"
	}
	iov := make([][]byte, 0, 64)
	var in []byte
	b.ReportAllocs()
	for b.Loop() {
		cl.ebuf.Reset()
		cl.enc.WriteField(hpack.HeaderField{Name: ":method", Value: "GET"})
		cl.enc.WriteField(hpack.HeaderField{Name: ":scheme", Value: "https"})
		cl.enc.WriteField(hpack.HeaderField{Name: ":path", Value: paths[id%1024], Sensitive: true})
		cl.enc.WriteField(hpack.HeaderField{Name: ":authority", Value: "example.com"})
		in = AppendHeaders(in[:0], id, FlagEndHeaders|FlagEndStream, cl.ebuf.Bytes())
		in = AppendWindowUpdate(in, 0, 174)
		id += 2
		cl.c.Recv(in)
		iov = cl.c.Pending(iov[:0])
		n := 0
		for _, v := range iov {
			n += len(v)
		}
		cl.c.Written(n)
	}
	if cl.c.Err() != nil {
		b.Fatal(cl.c.Err())
	}
}
