package http2

import (
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
