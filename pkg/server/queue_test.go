package server

import (
	"bytes"
	"strings"
	"testing"
)

// TestConnQueueBounded pipelines requests to a client that never lets the
// output queue empty (each write leaves part of the last response unsent):
// the queue's memory must stay bounded, not grow with every request the
// connection has answered, and the bytes sent must still be the responses.
func TestConnQueueBounded(t *testing.T) {
	h := newHarness(t, testFiles)
	one := h.conn()
	req := []byte("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
	one.Recv(req)
	want := flush(one, 0)
	one.Close(nil)

	c := h.conn()
	defer c.Close(nil)
	var out bytes.Buffer
	var iov [][]byte
	const requests = 5000
	for i := range requests {
		if n := c.Recv(req); n != len(req) {
			t.Fatalf("request %d: consumed %d of %d", i, n, len(req))
		}
		// Send everything but the last byte.
		iov = c.Pending(iov[:0])
		n := -1
		for _, b := range iov {
			n += len(b)
		}
		for left, j := n, 0; left > 0; j++ {
			k := min(left, len(iov[j]))
			out.Write(iov[j][:k])
			left -= k
		}
		c.Written(n)
		if c.queueLen() != 1 {
			t.Fatalf("request %d: %d responses queued, want 1", i, c.queueLen())
		}
	}
	if len(c.segs) > 4*maxQueued || len(c.q) > 2*maxQueued || len(c.hbuf) > 64<<10 {
		t.Errorf("after %d requests: %d segments, %d queue entries, %d head bytes held", requests, len(c.segs), len(c.q), len(c.hbuf))
	}
	out.WriteString(flush(c, 0))
	if got := out.String(); got != string(bytes.Repeat([]byte(want), requests)) {
		t.Errorf("output is not %d copies of the response (%d bytes, want %d)", requests, len(got), requests*len(want))
	}
}

// TestEndpointStreamBusy keeps a stream's client always one byte behind:
// a client that reads keeps its stream however much it has received, and
// the connection holds about what is unsent, not everything since the
// output last emptied.
func TestEndpointStreamBusy(t *testing.T) {
	h := newHarness(t, testFiles)
	te := &testEndpoints{}
	w := &nopWaker{}
	c := h.endpointConn(te.serve, w)
	defer c.Close(nil)
	req := []byte("GET /.zeroserve/events HTTP/1.1\r\nHost: x\r\n\r\n")
	c.Recv(req)
	flush(c, 0)
	s := te.streams[0]
	event := "data: " + strings.Repeat("x", 1000) + "\n\n"
	var got strings.Builder
	var iov [][]byte
	const events = 3000 // 3 MB, over maxStreamPending
	for i := range events {
		s.push(event, false)
		c.Resume()
		iov = c.Pending(iov[:0])
		n := -1 // all but the last byte
		for _, b := range iov {
			n += len(b)
		}
		for left, j := n, 0; left > 0; j++ {
			k := min(left, len(iov[j]))
			got.Write(iov[j][:k])
			left -= k
		}
		c.Written(n)
		if st := c.Status(); st.Close {
			t.Fatalf("event %d: the stream ended under a client that reads", i)
		}
	}
	e := c.(*endpointConn)
	if len(e.segs) > 4*maxQueued || cap(e.buf) > 2*maxStreamPending {
		t.Errorf("after %d events: %d segments, %d stream bytes held", events, len(e.segs), cap(e.buf))
	}
	s.push("", true)
	c.Resume()
	got.WriteString(flush(c, 0))
	if got.String() != strings.Repeat(event, events) {
		t.Errorf("stream output is not the %d events (%d bytes)", events, got.Len())
	}
}

// TestEndpointStreamStalled: a stream whose client reads nothing ends once
// maxStreamPending bytes wait.
func TestEndpointStreamStalled(t *testing.T) {
	h := newHarness(t, testFiles)
	te := &testEndpoints{}
	c := h.endpointConn(te.serve, &nopWaker{})
	defer c.Close(nil)
	c.Recv([]byte("GET /.zeroserve/events HTTP/1.1\r\nHost: x\r\n\r\n"))
	flush(c, 0)
	event := strings.Repeat("x", 1000)
	for i := 0; ; i++ {
		te.streams[0].push(event, false)
		c.Resume()
		if c.Status().Close {
			if sent := (i + 1) * len(event); sent <= maxStreamPending {
				t.Fatalf("stream ended after %d unsent bytes, before maxStreamPending", sent)
			}
			return
		}
		if i*len(event) > 2*maxStreamPending {
			t.Fatal("stream with a stalled client never ended")
		}
	}
}
