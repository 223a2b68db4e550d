package http2

import (
	"strings"
	"testing"
	"time"
)

// feed is a BodyStream the test fills by hand (as its owner would from
// another goroutine before waking the loop).
type feed struct {
	pending []byte
	end     bool
	calls   int
}

func (f *feed) Next(dst []byte) ([]byte, bool) {
	f.calls++
	dst = append(dst, f.pending...)
	f.pending = f.pending[:0]
	return dst, f.end
}

func (f *feed) push(s string, end bool) {
	f.pending = append(f.pending, s...)
	f.end = f.end || end
}

// streamClient answers every request with a head, first, and f's stream.
func streamClient(t *testing.T, cfg Config, f *feed, hold Releaser, first string, settings ...Setting) *client {
	return newClient(t, cfg, HandlerFunc(func(req *Request, resp *Response) {
		resp.Status = 200
		resp.Add("Content-Type", "text/event-stream")
		resp.Hold = hold
		resp.Write([]byte(first))
		resp.Stream = f
	}), settings...)
}

// dataOf concatenates the DATA payloads of stream id and reports whether
// one of them ended the stream.
func dataOf(fs []Frame, id uint32) (string, bool) {
	var b strings.Builder
	end := false
	for _, f := range fs {
		if f.Type == FrameData && f.StreamID == id {
			b.Write(f.Data)
			end = end || f.Has(FlagEndStream)
		}
	}
	return b.String(), end
}

// TestBodyStream: the head and first part go out at once without
// END_STREAM, then every Resume sends what the stream has, until its end.
func TestBodyStream(t *testing.T) {
	tests := []struct {
		name   string
		pushes []string // the last one ends the stream
		first  string
	}{
		{"events then end with data", []string{"event: a\n\n", "event: b\n\n", "event: c\n\n"}, ": hello\n\n"},
		{"end without data", []string{"x", ""}, ""},
		{"large event", []string{strings.Repeat("d", 40000), "tail"}, "h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, hold := &feed{}, &countHold{}
			cl := streamClient(t, Config{}, f, hold, tt.first, Setting{SettingInitialWindowSize, 1 << 20})
			cl.send(AppendWindowUpdate(nil, 0, 1<<20))
			cl.send(cl.get(1, "/events"))
			fs := cl.read()
			if len(fs) == 0 || fs[0].Type != FrameHeaders || fs[0].Has(FlagEndStream) {
				t.Fatalf("head: %v", types(fs))
			}
			if h := cl.fields(fs[0]); h[":status"] != "200" || h["content-type"] != "text/event-stream" || h["content-length"] != "" {
				t.Fatalf("head fields %v", h)
			}
			if got, end := dataOf(fs, 1); got != tt.first || end {
				t.Fatalf("first part %q end %v", got, end)
			}
			cl.c.Resume() // a wake with nothing new sends nothing
			if fs := cl.read(); len(fs) != 0 {
				t.Fatalf("empty wake sent %v", types(fs))
			}
			for i, p := range tt.pushes {
				last := i == len(tt.pushes)-1
				f.push(p, last)
				cl.c.Resume()
				got, end := dataOf(cl.read(), 1)
				if got != p || end != last {
					t.Fatalf("push %d: got %d octets end %v, want %d end %v", i, len(got), end, len(p), last)
				}
				if hold.n != 0 && !last {
					t.Fatal("hold released while the stream goes on")
				}
			}
			calls := f.calls
			cl.c.Resume()
			if hold.n != 1 || f.calls != calls {
				t.Fatalf("after the end: hold released %d times, Next called %d more", hold.n, f.calls-calls)
			}
			// The connection serves more requests on other streams.
			f.end = false
			cl.send(cl.get(3, "/events"))
			if fs := cl.read(); find(fs, FrameHeaders) == nil || fs[0].StreamID != 3 {
				t.Fatalf("next stream: %v", types(fs))
			}
		})
	}
}

// TestBodyStreamEnds: every way a stream ends releases its hold exactly
// once, and Next is never called after.
func TestBodyStreamEnds(t *testing.T) {
	tests := []struct {
		name     string
		end      func(cl *client)
		wantRST  ErrCode // 0: none expected
		wantEnd  bool    // DATA with END_STREAM
		wantGone bool    // the connection closes
	}{
		{"client reset", func(cl *client) { cl.send(AppendRSTStream(nil, 1, ErrCodeCancel)) }, 0, false, false},
		{"drain", func(cl *client) { cl.c.Drain() }, 0, true, true},
		{"connection error", func(cl *client) { cl.send([]byte{0, 0, 1, byte(FrameSettings), 0, 0, 0, 0, 0, 0}) }, 0, false, true},
		{"closed", func(cl *client) { cl.c.Close(nil) }, 0, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, hold := &feed{}, &countHold{}
			cl := streamClient(t, Config{}, f, hold, "first")
			cl.send(cl.get(1, "/events"))
			cl.read()
			f.push("queued before", false)
			cl.c.Resume()
			tt.end(cl)
			var fs []Frame
			if tt.name != "closed" {
				fs = cl.read()
			}
			_, end := dataOf(fs, 1)
			if end != tt.wantEnd {
				t.Errorf("END_STREAM %v, want %v (%v)", end, tt.wantEnd, types(fs))
			}
			if hold.n != 1 {
				t.Fatalf("hold released %d times", hold.n)
			}
			calls := f.calls
			f.push("after", false)
			cl.c.Resume()
			if f.calls != calls {
				t.Fatal("Next called after the stream ended")
			}
			if got := cl.c.Status().Close; got != tt.wantGone && tt.name != "closed" {
				t.Fatalf("connection closing %v, want %v", got, tt.wantGone)
			}
		})
	}
}

// TestBodyStreamWhileDraining: a stream answered after Drain (its request
// completed later) sends its first part and ends.
func TestBodyStreamWhileDraining(t *testing.T) {
	f, hold := &feed{}, &countHold{}
	cl := streamClient(t, Config{}, f, hold, "first")
	cl.send(AppendHeaders(nil, 1, FlagEndHeaders, cl.block(":method", "GET", ":scheme", "http", ":path", "/events")))
	cl.c.Drain()
	cl.read()
	cl.send(AppendData(nil, 1, true, nil))
	fs := cl.read()
	if got, end := dataOf(fs, 1); got != "first" || !end {
		t.Fatalf("got %q end %v (%v)", got, end, types(fs))
	}
	if hold.n != 1 || f.calls != 0 || !cl.c.Status().Close {
		t.Fatalf("hold %d, Next calls %d, closing %v", hold.n, f.calls, cl.c.Status().Close)
	}
}

// TestBodyStreamFlowControl: streamed octets wait for the client's
// window; a client that never opens it gets the stream reset once
// MaxStreamBuffer octets wait, or after StallTimeout.
func TestBodyStreamFlowControl(t *testing.T) {
	f, hold := &feed{}, &countHold{}
	cl := streamClient(t, Config{}, f, hold, "", Setting{SettingInitialWindowSize, 4})
	cl.send(cl.get(1, "/events"))
	cl.read()
	f.push("abcdefgh", false)
	cl.c.Resume()
	if got, _ := dataOf(cl.read(), 1); got != "abcd" {
		t.Fatalf("within a 4-octet window: %q", got)
	}
	f.push("ij", true)
	cl.c.Resume()
	if fs := cl.read(); len(fs) != 0 {
		t.Fatalf("sent beyond the window: %v", types(fs))
	}
	cl.send(AppendWindowUpdate(nil, 1, 100))
	if got, end := dataOf(cl.read(), 1); got != "efghij" || !end {
		t.Fatalf("after WINDOW_UPDATE: %q end %v", got, end)
	}
	if hold.n != 1 {
		t.Fatalf("hold released %d times", hold.n)
	}

	t.Run("buffer bound", func(t *testing.T) {
		f, hold := &feed{}, &countHold{}
		cl := streamClient(t, Config{}, f, hold, "", Setting{SettingInitialWindowSize, 0})
		cl.send(cl.get(1, "/events"))
		cl.read()
		chunk := strings.Repeat("e", 64<<10)
		for range MaxStreamBuffer / len(chunk) {
			f.push(chunk, false)
			cl.c.Resume()
		}
		if fs := cl.read(); len(fs) != 0 || hold.n != 0 {
			t.Fatalf("at the bound: %v, hold %d", types(fs), hold.n)
		}
		f.push("x", false)
		cl.c.Resume()
		wantRST(t, cl.read(), 1, ErrCodeCancel)
		if hold.n != 1 {
			t.Fatalf("hold released %d times", hold.n)
		}
	})
	t.Run("stall", func(t *testing.T) {
		f, hold := &feed{}, &countHold{}
		cl := streamClient(t, Config{StallTimeout: 5 * time.Second}, f, hold, "", Setting{SettingInitialWindowSize, 0})
		cl.send(cl.get(1, "/events"))
		cl.read()
		f.push("x", false)
		cl.c.Resume()
		cl.clock.advance(5 * time.Second)
		cl.c.Timeout()
		wantRST(t, cl.read(), 1, ErrCodeCancel)
		if hold.n != 1 {
			t.Fatalf("hold released %d times", hold.n)
		}
	})
}

// TestBodyStreamNoIdleTimeout: an open stream with nothing to send keeps
// the connection without deadline; once it ends the idle timeout is back.
func TestBodyStreamNoIdleTimeout(t *testing.T) {
	f := &feed{}
	cl := streamClient(t, Config{IdleTimeout: 10 * time.Second}, f, nil, "first")
	cl.send(cl.get(1, "/events"))
	cl.read()
	if st := cl.c.Status(); st.Timeout != 0 || st.Close {
		t.Fatalf("open stream: %+v", st)
	}
	cl.clock.advance(time.Hour)
	cl.c.Timeout()
	if fs := cl.read(); len(fs) != 0 {
		t.Fatalf("timeout with an open stream sent %v", types(fs))
	}
	f.push("", true)
	cl.c.Resume()
	cl.read()
	if st := cl.c.Status(); st.Timeout == 0 {
		t.Fatalf("ended stream: %+v", st)
	}
}

// TestBodyStreamAllocs: pushing an event through an open stream does not
// allocate once its buffers have grown.
func TestBodyStreamAllocs(t *testing.T) {
	f := &feed{}
	cl := streamClient(t, Config{}, f, nil, "first")
	cl.send(cl.get(1, "/events"))
	cl.read()
	ev := []byte("event: reload\ndata: 7\n\n")
	var iov [][]byte
	step := func() {
		f.pending = append(f.pending, ev...)
		cl.c.Resume()
		iov = cl.c.Pending(iov[:0])
		n := 0
		for _, b := range iov {
			n += len(b)
		}
		cl.c.Written(n)
	}
	for range 10 {
		step()
	}
	if a := testing.AllocsPerRun(100, step); a != 0 {
		t.Fatalf("%v allocations per event", a)
	}
}
