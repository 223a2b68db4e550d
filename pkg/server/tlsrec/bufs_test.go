package tlsrec

import (
	"crypto/tls"
	"strings"
	"testing"
)

// retained is the capacity of the buffers a Conn holds, its pipe's
// included.
func retained(c *Conn) int {
	n := cap(c.wbuf) + cap(c.plain) + cap(c.rin)
	if p := c.pipe; p != nil {
		p.mu.Lock()
		n += cap(p.in) + cap(p.out) + cap(p.wrec) + cap(p.lastRec)
		p.mu.Unlock()
	}
	return n
}

// flushAll sends everything c has pending, as a transport would.
func flushAll(c *Conn) {
	var iov [][]byte
	for {
		iov = c.Pending(iov[:0])
		if len(iov) == 0 {
			return
		}
		n := 0
		for _, b := range iov {
			n += len(b)
		}
		c.Written(n)
	}
}

// TestIdleConnsRetainNoBuffers: connections that sent a large response
// and staged split input, then went idle, hold no buffer (they used to
// keep a ~64 KiB output buffer each).
func TestIdleConnsRetainNoBuffers(t *testing.T) {
	const conns = 100
	s := &suites[0]
	total := 0
	for range conns {
		c, cw, _ := established(t, s.id, newEcho())
		var rec []byte
		send := func(pt string) {
			var err error
			if rec, err = cw.seal(rec[:0], TypeApplicationData, []byte(pt)); err != nil {
				t.Fatal(err)
			}
			if n := c.Recv(rec); n != len(rec) {
				t.Fatalf("consumed %d of %d", n, len(rec))
			}
			flushAll(c)
		}
		send("big 60000\n") // several records in one flush
		send("GET /split")  // a line split over two records:
		send(" HTTP/1.1\n") // the first part is staged
		send("small\n")     // and a small response
		if c.inner.(*echo).written != 60001+len("echo: GET /split HTTP/1.1\n")+len("echo: small\n") {
			t.Fatalf("inner wrote %d bytes", c.inner.(*echo).written)
		}
		total += retained(c)
	}
	if total != 0 {
		t.Errorf("%d idle connections retain %d buffer bytes (%d each), want 0", conns, total, total/conns)
	}
}

// TestIdleHandshakedConnRetainsNoBuffers: after a real TLS 1.3 handshake
// and traffic, an idle connection keeps none of the handshake's buffers.
func TestIdleHandshakedConnRetainsNoBuffers(t *testing.T) {
	base, pool := baseConfig(t, tls.VersionTLS12)
	s := newTestServer(t, base)
	tc, err := tls.Dial("tcp", s.addr(), clientConfig(pool))
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	sv := s.next()
	roundTrip(t, tc, "hello", strings.Repeat("a", 20000))
	got := make(chan int)
	sv.ctl <- func(c *Conn) { got <- retained(c) }
	if n := <-got; n != 0 {
		t.Errorf("idle connection retains %d buffer bytes, want 0", n)
	}
	closeOrderly(t, tc, sv)
}
