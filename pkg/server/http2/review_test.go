package http2

import (
	"strings"
	"testing"
	"time"
)

// TestConnStallForgottenWithItsStreams: a connection window at zero is a
// stall only while some stream waits for it; once the client reset the
// waiting streams, the connection is idle, not stalled.
func TestConnStallForgottenWithItsStreams(t *testing.T) {
	cfg := Config{StallTimeout: 5 * time.Second, IdleTimeout: time.Minute}
	cl := newClient(t, cfg, bodyHandler(make([]byte, 70000)), Setting{SettingInitialWindowSize, 1 << 20})
	cl.send(cl.get(1, "/"))
	cl.read() // 65535 octets: the connection window is used up
	cl.send(AppendRSTStream(nil, 1, ErrCodeCancel))
	cl.read()
	cl.clock.advance(5 * time.Second)
	cl.c.Timeout()
	if fs := cl.read(); find(fs, FrameGoAway) != nil {
		t.Fatalf("GOAWAY for a stall without a waiting stream: %v", types(fs))
	}
	if st := cl.c.Status(); st.Close || st.Timeout <= 5*time.Second {
		t.Fatalf("status %+v, want the idle timeout", st)
	}
}

// TestNoZeroWindowUpdate: a tiny stream window never makes the server send
// a WINDOW_UPDATE with increment 0 (a PROTOCOL_ERROR for the client).
func TestNoZeroWindowUpdate(t *testing.T) {
	cl := newClient(t, Config{InitialWindowSize: 1}, helloHandler())
	b := AppendHeaders(nil, 1, FlagEndHeaders, cl.block(":method", "POST", ":scheme", "http", ":path", "/"))
	b = AppendData(b, 1, false, nil)
	cl.send(b)
	for _, f := range cl.read() { // read fails on an increment 0
		if f.Type == FrameWindowUpdate && f.Increment == 0 {
			t.Fatal("WINDOW_UPDATE increment 0")
		}
	}
}

// TestFramesAfterOurReset: frames the client sent on a stream before it
// saw our RST_STREAM (a refused stream, a stream above our GOAWAY) are
// ignored (RFC 9113 §5.1, §6.8), not answered with more resets that count
// against the client's reset budget.
func TestFramesAfterOurReset(t *testing.T) {
	post := func(cl *client, id uint32) []byte {
		return AppendHeaders(nil, id, FlagEndHeaders, cl.block(":method", "POST", ":scheme", "http", ":path", "/"))
	}
	t.Run("refused", func(t *testing.T) {
		cl := newClient(t, Config{MaxConcurrentStreams: 1, MaxResets: 3}, helloHandler())
		cl.send(post(cl, 1))
		cl.send(post(cl, 3))
		wantRST(t, cl.read(), 3, ErrCodeRefusedStream)
		for range 5 {
			cl.send(AppendData(nil, 3, false, []byte("x")))
		}
		if fs := cl.read(); find(fs, FrameRSTStream) != nil || find(fs, FrameGoAway) != nil {
			t.Fatalf("DATA after REFUSED_STREAM answered: %v", types(fs))
		}
	})
	t.Run("above GOAWAY", func(t *testing.T) {
		cl := newClient(t, Config{MaxResets: 3}, helloHandler())
		cl.send(post(cl, 1))
		cl.c.Drain()
		cl.read()
		cl.send(post(cl, 3)) // ignored
		for range 5 {
			cl.send(AppendData(nil, 3, false, []byte("x")))
		}
		if fs := cl.read(); find(fs, FrameRSTStream) != nil || find(fs, FrameGoAway) != nil {
			t.Fatalf("DATA on an ignored stream answered: %v", types(fs))
		}
		cl.send(AppendData(nil, 1, true, []byte("x")))
		if fs := cl.read(); types(fs) != "HEADERS,DATA" || fs[0].StreamID != 1 {
			t.Fatalf("stream below the GOAWAY: %v", types(fs))
		}
	})
}

// TestSelfDependentHeaders: a HEADERS frame whose priority names its own
// stream is a stream error (RFC 9113 §5.3.1), but its field block is still
// decoded so that the HPACK state stays in sync (§4.3).
func TestSelfDependentHeaders(t *testing.T) {
	for _, endHeaders := range []bool{true, false} {
		cl := newClient(t, Config{}, helloHandler())
		blk := cl.block(":method", "GET", ":scheme", "http", ":path", "/", "x-custom", "indexed") // adds to the dynamic table
		prio := []byte{0, 0, 0, 1, 15}                                                            // depends on stream 1
		fl := FlagPriority | FlagEndStream
		frag, rest := blk, []byte(nil)
		if endHeaders {
			fl |= FlagEndHeaders
		} else {
			frag, rest = blk[:3], blk[3:]
		}
		b := AppendFrameHeader(nil, len(prio)+len(frag), FrameHeaders, fl, 1)
		b = append(append(b, prio...), frag...)
		if !endHeaders {
			b = AppendContinuation(b, 1, true, rest)
		}
		cl.send(b)
		fs := cl.read()
		wantRST(t, fs, 1, ErrCodeProtocol)
		if find(fs, FrameGoAway) != nil {
			t.Fatalf("end_headers=%v: %v", endHeaders, types(fs))
		}
		// The client's encoder now refers to "x-custom: indexed" by index.
		cl.send(AppendHeaders(nil, 3, FlagEndHeaders|FlagEndStream,
			cl.block(":method", "GET", ":scheme", "http", ":path", "/", "x-custom", "indexed")))
		if fs := cl.read(); types(fs) != "HEADERS,DATA" {
			t.Fatalf("end_headers=%v: after the stream error: %v", endHeaders, types(fs))
		}
	}
}

// TestTrailersTooLarge: trailers beyond MaxHeaderListSize are not cut
// short silently: the request is answered 431 without the Handler.
func TestTrailersTooLarge(t *testing.T) {
	calls := 0
	cl := newClient(t, Config{MaxHeaderListSize: 4096}, HandlerFunc(func(req *Request, resp *Response) {
		calls++
		resp.Status = 200
	}))
	b := AppendHeaders(nil, 1, FlagEndHeaders, cl.block(":method", "POST", ":scheme", "http", ":path", "/"))
	b = AppendData(b, 1, false, []byte("body"))
	b = AppendHeaders(b, 1, FlagEndHeaders|FlagEndStream,
		cl.block("x-a", strings.Repeat("a", 3000), "x-b", strings.Repeat("b", 3000)))
	cl.send(b)
	fs := cl.read()
	h := find(fs, FrameHeaders)
	if h == nil || cl.fields(*h)[":status"] != "431" || calls != 0 {
		t.Fatalf("got %v calls=%d", types(fs), calls)
	}
}

// TestMalformedRequestHeads: more of RFC 9113 §8.3.1 and RFC 9110 — a
// :method that is not a token, a :path that is neither origin-form nor
// "*", a host field that disagrees with :authority (it would bypass the
// host checks that look at :authority), and two host fields.
func TestMalformedRequestHeads(t *testing.T) {
	tests := []struct {
		name   string
		fields []string
	}{
		{"method with space", []string{":method", "GET /x", ":scheme", "http", ":path", "/"}},
		{"empty method", []string{":method", "", ":scheme", "http", ":path", "/"}},
		{"relative path", []string{":method", "GET", ":scheme", "http", ":path", "index.html"}},
		{"asterisk for GET", []string{":method", "GET", ":scheme", "http", ":path", "*"}},
		{"host differs", []string{":method", "GET", ":scheme", "http", ":path", "/", ":authority", "good.example", "host", "evil.example"}},
		{"two hosts", []string{":method", "GET", ":scheme", "http", ":path", "/", "host", "a.example", "host", "b.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			cl := newClient(t, Config{}, HandlerFunc(func(req *Request, resp *Response) { calls++ }))
			cl.send(AppendHeaders(nil, 1, FlagEndHeaders|FlagEndStream, cl.block(tt.fields...)))
			wantRST(t, cl.read(), 1, ErrCodeProtocol)
			if calls != 0 {
				t.Fatal("the Handler saw a malformed request")
			}
		})
	}
	ok := [][]string{
		{":method", "OPTIONS", ":scheme", "http", ":path", "*", ":authority", "a"},
		{":method", "GET", ":scheme", "http", ":path", "/", ":authority", "a.example", "host", "a.example"},
		{":method", "GET", ":scheme", "http", ":path", "/?q", "host", "a.example"},
	}
	for _, fields := range ok {
		cl := newClient(t, Config{}, helloHandler())
		cl.send(AppendHeaders(nil, 1, FlagEndHeaders|FlagEndStream, cl.block(fields...)))
		if fs := cl.read(); types(fs) != "HEADERS,DATA" {
			t.Fatalf("%q: %v", fields, types(fs))
		}
	}
}

// TestSettingsTimeout: a client that never acknowledges our SETTINGS gets
// GOAWAY(SETTINGS_TIMEOUT) (RFC 9113 §6.5.3); one that does, does not.
func TestSettingsTimeout(t *testing.T) {
	clock := &fakeClock{time.Unix(1_700_000_000, 0)}
	cfg := Config{Now: clock.now, SettingsTimeout: 5 * time.Second}
	c := NewConn(&cfg, helloHandler(), nil)
	c.Recv(append([]byte(Preface), AppendSettings(nil)...))
	cl := &client{t: t, c: c, clock: clock}
	cl.read()
	if st := c.Status(); st.Timeout != 5*time.Second {
		t.Fatalf("status %+v, want the SETTINGS timeout", st)
	}
	clock.advance(4 * time.Second)
	c.Timeout()
	if fs := cl.read(); find(fs, FrameGoAway) != nil {
		t.Fatalf("GOAWAY before the timeout: %v", types(fs))
	}
	clock.advance(time.Second)
	c.Timeout()
	wantGoAway(t, cl.read(), ErrCodeSettingsTimeout)

	acked := newClient(t, Config{SettingsTimeout: 5 * time.Second}, helloHandler())
	acked.clock.advance(10 * time.Second)
	acked.c.Timeout()
	if fs := acked.read(); find(fs, FrameGoAway) != nil {
		t.Fatalf("GOAWAY after the ACK: %v", types(fs))
	}
}

// TestBodyTimeout: streams whose request stopped coming are answered 408
// and reset after BodyTimeout, even while PINGs keep the connection from
// idling out; a stream still receiving DATA is left alone.
func TestBodyTimeout(t *testing.T) {
	cl := newClient(t, Config{BodyTimeout: 10 * time.Second, IdleTimeout: time.Minute}, helloHandler())
	for id := uint32(1); id <= 5; id += 2 {
		cl.send(AppendHeaders(nil, id, FlagEndHeaders, cl.block(":method", "POST", ":scheme", "http", ":path", "/")))
	}
	cl.read()
	if st := cl.c.Status(); st.Timeout != 10*time.Second {
		t.Fatalf("status %+v, want the body timeout", st)
	}
	cl.clock.advance(6 * time.Second)
	cl.send(AppendData(nil, 1, false, []byte("x")))
	cl.send(AppendPing(nil, false, [8]byte{}))
	cl.read()
	if st := cl.c.Status(); st.Timeout != 4*time.Second {
		t.Fatalf("status %+v, want the oldest stream's deadline", st)
	}
	cl.clock.advance(4 * time.Second)
	cl.c.Timeout()
	fs := cl.read()
	for _, id := range []uint32{3, 5} {
		wantRST(t, fs, id, ErrCodeNo)
	}
	if n := len(fs); n != 4 || cl.fields(fs[0])[":status"] != "408" || find(fs, FrameGoAway) != nil {
		t.Fatalf("got %v", types(fs))
	}
	cl.send(AppendData(nil, 1, true, []byte("y")))
	if fs := cl.read(); types(fs) != "HEADERS,DATA" || fs[0].StreamID != 1 {
		t.Fatalf("stream 1: %v", types(fs))
	}
	if st := cl.c.Status(); st.Timeout != time.Minute {
		t.Fatalf("status %+v, want the idle timeout", st)
	}
}

// TestInformationalStatusNotFinal: HTTP/2 has no final 1xx response (101
// is forbidden, RFC 9113 §8.6; a 1xx HEADERS cannot end a stream, §8.1):
// a Handler that sets one sends 500.
func TestInformationalStatusNotFinal(t *testing.T) {
	for _, status := range []int{100, 101, 103, 199} {
		cl := newClient(t, Config{}, HandlerFunc(func(req *Request, resp *Response) {
			resp.Status = status
			resp.Body([]byte("x"))
		}))
		cl.send(cl.get(1, "/"))
		fs := cl.read()
		if h := find(fs, FrameHeaders); h == nil || cl.fields(*h)[":status"] != "500" {
			t.Fatalf("status %d: got %v", status, types(fs))
		}
	}
}

// TestStaleDataNotCountedAsReset: DATA still in flight on streams closed
// longer ago than the server remembers gets RST_STREAM(STREAM_CLOSED),
// but such resets cancel nothing and do not use up the reset budget.
func TestStaleDataNotCountedAsReset(t *testing.T) {
	cl := newClient(t, Config{MaxRequestBody: 1, MaxResets: 3}, helloHandler())
	for id := uint32(1); id < 2*(recentClosed+4); id += 2 {
		b := AppendHeaders(nil, id, FlagEndHeaders, cl.block(":method", "POST", ":scheme", "http", ":path", "/"))
		cl.send(AppendData(b, id, false, []byte("ab"))) // 413 and RST_STREAM(NO_ERROR)
	}
	cl.read()
	for id := uint32(1); id < 8; id += 2 { // forgotten: 4 resets
		cl.send(AppendData(nil, id, false, []byte("c")))
	}
	fs := cl.read()
	wantRST(t, fs, 7, ErrCodeStreamClosed)
	if find(fs, FrameGoAway) != nil {
		t.Fatalf("stale DATA ended the connection: %v", types(fs))
	}
}

// TestFieldBlockTimeout: a field block trickled in CONTINUATION frames,
// each well inside the idle timeout, ends the connection once it has taken
// BodyTimeout in all; a block finished in time is answered.
func TestFieldBlockTimeout(t *testing.T) {
	cl := newClient(t, Config{BodyTimeout: 10 * time.Second, IdleTimeout: time.Minute}, helloHandler())
	block := cl.block(":method", "GET", ":scheme", "http", ":path", "/", "x-a", "1", "x-b", "2")
	cl.send(AppendHeaders(nil, 1, FlagEndStream, block[:2]))
	cl.read()
	if st := cl.c.Status(); st.Timeout != 10*time.Second {
		t.Fatalf("status %+v, want the field block deadline", st)
	}
	cl.clock.advance(6 * time.Second)
	cl.send(AppendContinuation(nil, 1, false, block[2:4]))
	cl.read()
	if st := cl.c.Status(); st.Timeout != 4*time.Second {
		t.Fatalf("status %+v, want what is left of the block's deadline", st)
	}
	cl.clock.advance(4 * time.Second)
	cl.c.Timeout()
	if fs := cl.read(); find(fs, FrameGoAway) == nil || !cl.c.Status().Close {
		t.Fatalf("after the deadline: %v, close %v", types(fs), cl.c.Status().Close)
	}

	ok := newClient(t, Config{BodyTimeout: 10 * time.Second, IdleTimeout: time.Minute}, helloHandler())
	block = ok.block(":method", "GET", ":scheme", "http", ":path", "/", "x-a", "1", "x-b", "2")
	ok.send(AppendHeaders(nil, 1, FlagEndStream, block[:2]))
	ok.clock.advance(9 * time.Second)
	ok.send(AppendContinuation(nil, 1, true, block[2:]))
	if fs := ok.read(); find(fs, FrameGoAway) != nil || find(fs, FrameHeaders) == nil || ok.fields(*find(fs, FrameHeaders))[":status"] != "200" {
		t.Fatalf("block finished in time: %v", types(fs))
	}
}

// TestHeadersAfterGoAwayCounted: requests sent after our GOAWAY are
// decoded (HPACK) and dropped; a flood of them is cut off like any other
// flood of frames that serve nothing.
func TestHeadersAfterGoAwayCounted(t *testing.T) {
	cl := newClient(t, Config{MaxControlFrames: 100}, helloHandler())
	// A request still receiving its body keeps the drained connection open.
	cl.send(AppendHeaders(nil, 1, FlagEndHeaders, cl.block(":method", "POST", ":scheme", "http", ":path", "/")))
	cl.c.Drain()
	if fs := cl.read(); find(fs, FrameGoAway) == nil {
		t.Fatalf("Drain sent %v, want GOAWAY", types(fs))
	}
	var b []byte
	for id := uint32(3); id <= 3+2*101; id += 2 {
		b = AppendHeaders(b, id, FlagEndHeaders|FlagEndStream, cl.block(":method", "GET", ":scheme", "http", ":path", "/"))
	}
	cl.send(b)
	wantGoAway(t, cl.read(), ErrCodeEnhanceYourCalm)
}
