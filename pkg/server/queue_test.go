package server

import (
	"bytes"
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
