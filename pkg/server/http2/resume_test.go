package http2

import "testing"

type countWaker struct{ n int }

func (w *countWaker) Wake() { w.n++ }

// slowHandler needs `slices` resumptions per request; its per-stream
// state lives in Response.State.
type slowHandler struct {
	slices int
	hold   *countHold
}

type slowState struct{ left int }

func (h *slowHandler) ServeHTTP2(req *Request, resp *Response) {
	st, _ := resp.State.(*slowState)
	if st == nil {
		st = new(slowState)
		resp.State = st
	}
	st.left = h.slices
	resp.Hold = h.hold
	if string(req.Path) == "/abort" {
		resp.Abort()
		return
	}
	h.ResumeHTTP2(resp)
}

func (h *slowHandler) ResumeHTTP2(resp *Response) {
	st := resp.State.(*slowState)
	if st.left > 0 {
		st.left--
		resp.Suspend()
		return
	}
	resp.Status = 200
	resp.Write([]byte("done"))
}

func TestSuspendResume(t *testing.T) {
	w := &countWaker{}
	h := &slowHandler{slices: 2, hold: &countHold{}}
	cl := newClient(t, Config{}, h)
	cl.c.wake = w
	cl.send(cl.get(1, "/"))
	if fs := cl.read(); len(fs) != 0 || w.n != 1 {
		t.Fatalf("suspended handler answered: %v, wakes %d", types(fs), w.n)
	}
	cl.c.Resume()
	if fs := cl.read(); len(fs) != 0 || w.n != 2 {
		t.Fatalf("after one resume: %v, wakes %d", types(fs), w.n)
	}
	cl.c.Resume()
	fs := cl.read()
	if types(fs) != "HEADERS,DATA" || string(fs[1].Data) != "done" || h.hold.n != 1 {
		t.Fatalf("got %v, releases %d", types(fs), h.hold.n)
	}

	// A reset cancels: the Hold is released and ResumeHTTP2 not called.
	cl.send(cl.get(3, "/"))
	cl.send(AppendRSTStream(nil, 3, ErrCodeCancel))
	if h.hold.n != 2 || len(cl.c.susp) != 0 {
		t.Fatalf("reset while suspended: releases %d, suspended %d", h.hold.n, len(cl.c.susp))
	}
	cl.c.Resume()
	if fs := cl.read(); len(fs) != 0 {
		t.Fatalf("reset stream answered: %v", types(fs))
	}

	// Abort resets the stream.
	cl.send(cl.get(5, "/abort"))
	wantRST(t, cl.read(), 5, ErrCodeInternal)
}

func TestSuspendWithoutResumer(t *testing.T) {
	cl := newClient(t, Config{}, HandlerFunc(func(req *Request, resp *Response) { resp.Suspend() }))
	cl.send(cl.get(1, "/"))
	fs := cl.read()
	if types(fs) != "HEADERS" || cl.fields(fs[0])[":status"] != "500" {
		t.Fatalf("got %v", types(fs))
	}
}
