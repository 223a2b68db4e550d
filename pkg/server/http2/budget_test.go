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
