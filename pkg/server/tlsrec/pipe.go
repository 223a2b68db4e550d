package tlsrec

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// pipe is the in-memory net.Conn crypto/tls runs its handshake over.
//
// The loop appends received ciphertext with feed; the handshake goroutine
// blocks in Read. Read never returns bytes past the end of the TLS record it
// is in (it parses the 5-byte headers itself), so when Handshake returns,
// everything the client sent after its Finished is still here for our own
// record layer. Writes never fail: they are queued for the loop and the loop
// is woken.
//
// After a TLS 1.2 handshake the pipe switches to non-blocking mode and is
// driven from the loop only: Read returns errWouldBlock (a Temporary
// net.Error, which crypto/tls does not make sticky) when it runs dry.
type pipe struct {
	mu       sync.Mutex
	cond     sync.Cond
	in       []byte // received, not yet read by crypto/tls
	out      []byte // written by crypto/tls, not yet taken by the loop
	hdr      [headerLen]byte
	hdrN     int // header bytes of the current record handed out so far
	recLeft  int // fragment bytes of the current record not yet handed out
	closed   bool
	eof      bool // no more input will come; Read returns io.EOF once dry
	nonblock bool
	full     bool // the loop stopped feeding because in reached its limit
	limit    int
	wake     func()

	// Record tracking of the write stream, for the ticket cross-check.
	wrec    []byte // the record being written
	lastRec []byte // the last complete record written
	records int    // complete records written

	local, remote net.Addr
}

func newPipe(limit int, wake func(), local, remote net.Addr) *pipe {
	p := &pipe{limit: limit, wake: wake, local: local, remote: remote}
	p.cond.L = &p.mu
	return p
}

// errWouldBlock is returned by Read in non-blocking mode when no input is
// buffered. Temporary() is true, so crypto/tls keeps the connection usable
// (conn.go readRecordOrCCS: only non-Temporary errors become sticky).
var errWouldBlock net.Error = wouldBlock{}

type wouldBlock struct{}

func (wouldBlock) Error() string   { return "tlsrec: no input buffered" }
func (wouldBlock) Timeout() bool   { return true }
func (wouldBlock) Temporary() bool { return true }

// feed appends received bytes and returns how many it took (less than
// len(b) once the buffer holds limit bytes).
func (p *pipe) feed(b []byte) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return len(b)
	}
	n := min(len(b), p.limit-len(p.in))
	if n <= 0 {
		p.full = true
		return 0
	}
	p.in = append(p.in, b[:n]...)
	if n < len(b) {
		p.full = true
	}
	p.cond.Signal()
	return n
}

// isFull reports whether the loop should stop feeding.
func (p *pipe) isFull() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.full
}

// Read implements net.Conn.
func (p *pipe) Read(b []byte) (int, error) {
	p.mu.Lock()
	for len(p.in) == 0 && !p.closed && !p.eof && !p.nonblock {
		p.cond.Wait()
	}
	if p.closed {
		p.mu.Unlock()
		return 0, net.ErrClosed
	}
	if len(p.in) == 0 {
		p.mu.Unlock()
		if p.eof {
			return 0, io.EOF
		}
		return 0, errWouldBlock
	}
	var n int
	if p.nonblock {
		n = copy(b, p.in)
	} else {
		n = p.gatedCopy(b)
	}
	p.in = shrink(p.in[:copy(p.in, p.in[n:])])
	wake := p.full && len(p.in) < p.limit/2
	if wake {
		p.full = false
	}
	p.mu.Unlock()
	if wake {
		p.wake()
	}
	return n, nil
}

// gatedCopy copies at most up to the end of the current record.
func (p *pipe) gatedCopy(b []byte) int {
	if p.recLeft == 0 {
		// Inside (or at the start of) a record header.
		n := copy(b, p.in[:min(len(p.in), headerLen-p.hdrN)])
		copy(p.hdr[p.hdrN:], p.in[:n])
		p.hdrN += n
		if p.hdrN == headerLen {
			p.hdrN = 0
			p.recLeft = int(p.hdr[3])<<8 | int(p.hdr[4])
		}
		return n
	}
	n := copy(b, p.in[:min(len(p.in), p.recLeft)])
	p.recLeft -= n
	return n
}

// atBoundary reports whether crypto/tls stopped reading at a record
// boundary (it must have, when a TLS 1.3 handshake completes).
func (p *pipe) atBoundary() bool { return p.hdrN == 0 && p.recLeft == 0 }

// Write implements net.Conn; it never fails.
func (p *pipe) Write(b []byte) (int, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return len(b), nil
	}
	p.out = append(p.out, b...)
	blocking := !p.nonblock
	if blocking {
		p.trackRecords(b)
	}
	p.mu.Unlock()
	if blocking {
		p.wake()
	}
	return len(b), nil
}

// trackRecords follows record boundaries in the written stream and keeps a
// copy of the last complete record.
func (p *pipe) trackRecords(b []byte) {
	for len(b) > 0 {
		need := headerLen - len(p.wrec)
		if len(p.wrec) >= headerLen {
			need = headerLen + (int(p.wrec[3])<<8 | int(p.wrec[4])) - len(p.wrec)
		}
		k := min(need, len(b))
		p.wrec = append(p.wrec, b[:k]...)
		b = b[k:]
		if len(p.wrec) >= headerLen && len(p.wrec) == headerLen+(int(p.wrec[3])<<8|int(p.wrec[4])) {
			p.lastRec = append(p.lastRec[:0], p.wrec...)
			p.wrec = p.wrec[:0]
			p.records++
		}
	}
}

// take moves the queued output to dst.
func (p *pipe) take(dst []byte) []byte {
	p.mu.Lock()
	dst = append(dst, p.out...)
	p.out = shrink(p.out[:0])
	p.mu.Unlock()
	return dst
}

// shrink drops an empty buffer that grew beyond smallOut, so that an idle
// connection does not keep what its largest flush needed.
func shrink(b []byte) []byte {
	if len(b) == 0 && cap(b) > smallOut {
		return nil
	}
	return b
}

// release drops the buffers of the handshake once our record layer took
// over (TLS 1.3): the pipe is not read or written any more.
func (p *pipe) release() {
	p.mu.Lock()
	p.in, p.out, p.wrec, p.lastRec = nil, nil, nil, nil
	p.mu.Unlock()
}

// leftover returns (and removes) the input crypto/tls has not read.
func (p *pipe) leftover() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.in
	p.in = nil
	return b
}

// setNonblock switches to loop-driven mode (TLS 1.2 after the handshake).
func (p *pipe) setNonblock() {
	p.mu.Lock()
	p.nonblock = true
	p.mu.Unlock()
}

// closeRead marks the end of the input: Read returns io.EOF once the
// buffered bytes are read.
func (p *pipe) closeRead() {
	p.mu.Lock()
	p.eof = true
	p.cond.Broadcast()
	p.mu.Unlock()
}

// Close implements net.Conn: a blocked Read returns net.ErrClosed.
func (p *pipe) Close() error {
	p.mu.Lock()
	p.closed = true
	p.cond.Broadcast()
	p.mu.Unlock()
	return nil
}

func (p *pipe) LocalAddr() net.Addr              { return p.local }
func (p *pipe) RemoteAddr() net.Addr             { return p.remote }
func (p *pipe) SetDeadline(time.Time) error      { return nil }
func (p *pipe) SetReadDeadline(time.Time) error  { return nil }
func (p *pipe) SetWriteDeadline(time.Time) error { return nil }

var errPipeState = errors.New("tlsrec: handshake ended inside a record")
