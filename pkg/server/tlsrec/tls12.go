package tlsrec

import (
	"errors"
	"io"
)

// The TLS 1.2 path: crypto/tls keeps the record layer. After the handshake
// the pipe is non-blocking and the loop calls tls.Conn.Read and Write
// itself; a dry pipe returns a Temporary error, which crypto/tls does not
// make sticky. Slower than the TLS 1.3 path (two mutexes and a copy each
// way per call) and only there for old clients.

// recv12 queues ciphertext for tls.Conn and reads what it can decrypt.
func (c *Conn) recv12(p []byte) int {
	n := c.pipe.feed(p)
	c.read12()
	if c.err != nil || c.peerClose {
		return len(p)
	}
	return n
}

// read12 reads plaintext from tls.Conn while the inner connection takes it.
func (c *Conn) read12() {
	box := c.cfg.pools.read.get()
	rbuf := (*box)[:maxPlaintext]
	defer c.cfg.pools.read.put(box, rbuf)
	for c.err == nil && !c.peerClose && !c.inner.Status().PauseRead {
		n, err := c.tc.Read(rbuf)
		if n > 0 {
			c.deliver(rbuf[:n])
		}
		switch {
		case err == nil:
		case errors.Is(err, errWouldBlock):
			return
		case errors.Is(err, io.EOF):
			// close_notify received.
			c.peerClosed()
			return
		default:
			// crypto/tls has queued its alert in the pipe.
			c.wbuf = c.pipe.take(c.wbuf)
			c.fail(err, false)
			return
		}
	}
}

// fill12 writes the inner connection's pending output through tls.Conn.
func (c *Conn) fill12() {
	c.iov = c.inner.Pending(c.iov[:0])
	total := 0
	for _, seg := range c.iov {
		if total >= c.cfg.opts.RecordsPerFlush*maxPlaintext {
			break
		}
		k := min(len(seg), c.cfg.opts.RecordsPerFlush*maxPlaintext-total)
		if _, err := c.tc.Write(seg[:k]); err != nil {
			c.fail(err, false)
			return
		}
		total += k
	}
	clear(c.iov)
	full := total == c.cfg.opts.RecordsPerFlush*maxPlaintext
	if !full && !c.sentClose && c.inner.Status().Close {
		c.sentClose = true
		c.tc.CloseWrite() // close_notify
	}
	c.wbuf = c.pipe.take(c.wbuf)
	if total > 0 {
		c.batches = append(c.batches, batch{len(c.wbuf), total})
	}
}
