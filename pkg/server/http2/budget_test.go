package http2

import (
	"bytes"
	"testing"
)

// TestBufferedBodyBudget: request bodies buffered on one connection are
// bounded by MaxBufferedBody, not MaxConcurrentStreams × MaxRequestBody;
// the stream whose DATA would go over is refused (it was not processed,
// so the client may retry it) and the others complete.
func TestBufferedBodyBudget(t *testing.T) {
	var bodies []int
	cl := newClient(t, Config{MaxRequestBody: 1000, MaxBufferedBody: 2500}, HandlerFunc(func(req *Request, resp *Response) {
		bodies = append(bodies, len(req.Body))
		resp.Status = 204
	}))
	post := func(id uint32) {
		b := AppendHeaders(nil, id, FlagEndHeaders, cl.block(":method", "POST", ":scheme", "http", ":path", "/"))
		cl.send(AppendData(b, id, false, bytes.Repeat([]byte("x"), 1000)))
	}
	post(1)
	post(3)
	if fs := cl.read(); find(fs, FrameRSTStream) != nil {
		t.Fatalf("reset within the budget: %v", types(fs))
	}
	post(5)
	wantRST(t, cl.read(), 5, ErrCodeRefusedStream)
	cl.send(AppendData(AppendData(nil, 1, true, nil), 3, true, nil))
	cl.read()
	post(7) // the finished streams gave their share back
	cl.send(AppendData(nil, 7, true, nil))
	if fs := cl.read(); find(fs, FrameRSTStream) != nil || len(bodies) != 3 || bodies[0]+bodies[1]+bodies[2] != 3000 {
		t.Fatalf("got %v, bodies %v", types(fs), bodies)
	}
}

// retainedBytes is the capacity of the buffers c keeps for reuse: its
// free streams' and its output buffer.
func retainedBytes(c *Conn) int {
	n := cap(c.obuf)
	for _, s := range c.free {
		n += cap(s.arena) + cap(s.body) + cap(s.resp.own) +
			16*(cap(s.fields)+cap(s.trailers)) + 48*(cap(s.req.Fields)+cap(s.req.Trailers))
	}
	return n
}

// TestIdleConnRetainsNoLargeBuffers: after large requests and responses
// on many streams, an idle connection does not keep their buffers in its
// free streams (each slot used to keep the largest body, field block and
// copied response it had seen: up to MaxConcurrentStreams × (MaxRequestBody
// + MaxHeaderListSize + ...) per connection).
func TestIdleConnRetainsNoLargeBuffers(t *testing.T) {
	big := bytes.Repeat([]byte("r"), 40<<10)
	cl := newClient(t, Config{MaxRequestBody: 64 << 10, MaxBufferedBody: 4 << 20}, HandlerFunc(func(req *Request, resp *Response) {
		resp.Status = 200
		resp.Write(big) // copied into the stream's own buffer
	}), Setting{SettingInitialWindowSize, maxWindow})
	cl.send(AppendWindowUpdate(nil, 0, maxWindow-65535))
	const streams = 20
	var in []byte
	for i := range streams {
		id := uint32(2*i + 1)
		fields := []string{":method", "POST", ":scheme", "http", ":path", "/"}
		for j := range 200 {
			fields = append(fields, "x-f", string(rune('a'+j%26))+string(big[:100]))
		}
		in = AppendHeaders(in, id, FlagEndHeaders, cl.block(fields...))
		in = AppendData(in, id, false, big[:16<<10])
	}
	for i := range streams {
		in = AppendData(in, uint32(2*i+1), true, big[:16<<10])
	}
	cl.send(in)
	fs := cl.read()
	if n := len(fs); find(fs, FrameRSTStream) != nil || find(fs, FrameGoAway) != nil || n < 2*streams {
		t.Fatalf("got %d frames: %v", n, types(fs))
	}
	if len(cl.c.streams) != 0 || len(cl.c.free) != streams {
		t.Fatalf("%d open streams, %d free", len(cl.c.streams), len(cl.c.free))
	}
	if n := retainedBytes(cl.c); n > streams*4*maxKept+64<<10 {
		t.Errorf("idle connection retains %d buffer bytes, want at most %d", n, streams*4*maxKept+64<<10)
	}
}
