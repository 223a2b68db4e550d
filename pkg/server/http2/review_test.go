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
