package netpoll

import (
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/transport"
)

// Flags set from other goroutines and acted on by the connection goroutine.
const (
	flagWake  uint32 = 1 << iota // call Conn.Resume
	flagDrain                    // call Conn.Drain
	flagKill                     // the drain deadline passed: close now
)

// aLongTimeAgo is a deadline in the past: it makes a blocked Read return.
var aLongTimeAgo = time.Unix(1, 0)

// pconn is one connection and the goroutine driving its transport.Conn.
type pconn struct {
	t     *Transport
	nc    net.Conn
	c     transport.Conn
	flags atomic.Uint32
	wakeC chan struct{} // capacity 1: wakes a goroutine waiting with PauseRead

	buf     []byte // read buffer; buf[:fill] holds unconsumed input
	fill    int
	iov     [][]byte
	bufs    net.Buffers
	eof     bool
	drained bool // Drain already delivered
	stale   bool // buf holds input the Conn left while pausing reading
}

// Wake implements transport.Waker.
func (p *pconn) Wake() { p.signal(flagWake) }

// signal records f and interrupts whatever the goroutine is blocked in.
// The flag is stored before the deadline moves, and the goroutine sets its
// own deadline before loading the flags, so no wake is lost.
func (p *pconn) signal(f uint32) {
	p.flags.Or(f)
	select {
	case p.wakeC <- struct{}{}:
	default:
	}
	p.nc.SetReadDeadline(aLongTimeAgo)
}

func (p *pconn) run(f transport.Factory, info transport.Info) {
	defer p.t.remove(p)
	p.c = f(info)
	p.buf = make([]byte, p.t.opts.ReadBuffer)
	err := p.loop()
	p.c.Close(err)
	p.c = nil
	if err == nil || errors.Is(err, ErrInputTooLarge) {
		p.linger()
	}
	p.nc.Close()
}

// loop drives the Conn until it asks to close or the socket fails; it
// returns the error Close receives (nil for an orderly close).
func (p *pconn) loop() error {
	for {
		if fl := p.flags.Swap(0); fl != 0 {
			if fl&flagKill != 0 {
				return ErrDrainTimeout
			}
			if fl&flagDrain != 0 && !p.drained {
				p.drained = true
				p.c.Drain()
			}
			if fl&flagWake != 0 {
				p.c.Resume()
			}
		}
		st := p.c.Status()
		p.iov = p.c.Pending(p.iov[:0])
		if len(p.iov) > 0 {
			if err := p.write(st.Timeout); err != nil {
				return err
			}
			if p.fill > 0 && !p.c.Status().PauseRead {
				p.deliver()
			}
			continue
		}
		if st.Close {
			return nil
		}
		if p.eof {
			// The peer sends no more requests: finish what it sent, then
			// close. A Conn that pauses reading is busy (a yielded script,
			// a handshake) and wakes or times out later; input it does not
			// take is a truncated request; otherwise it is asked once to
			// Drain and its timers bound the wait.
			switch {
			case st.PauseRead:
				p.wait(st.Timeout)
			case p.fill > 0:
				n := p.fill
				p.deliver()
				if p.fill == n {
					return io.ErrUnexpectedEOF
				}
			case !p.drained:
				p.drained = true
				p.c.Drain()
			default:
				p.wait(st.Timeout)
			}
			continue
		}
		if st.PauseRead {
			p.wait(st.Timeout)
			continue
		}
		if p.stale {
			// The pause is over (a Resume that sent nothing): offer the
			// input received meanwhile before reading more.
			p.deliver()
			continue
		}
		if err := p.read(st.Timeout); err != nil {
			return err
		}
	}
}

// write sends the pending iovecs with one vectored write.
func (p *pconn) write(timeout time.Duration) error {
	var dl time.Time
	if timeout > 0 {
		dl = time.Now().Add(timeout)
	}
	p.nc.SetWriteDeadline(dl)
	p.bufs = append(p.bufs[:0], p.iov...)
	n, err := p.bufs.WriteTo(p.nc)
	clear(p.iov)
	clear(p.bufs[:cap(p.bufs)])
	if n > 0 {
		p.c.Written(int(n))
	}
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		p.c.Timeout()
	}
	return err
}

// read reads once into the buffer and hands the input to the Conn.
func (p *pconn) read(timeout time.Duration) error {
	if p.fill == len(p.buf) {
		if len(p.buf) >= p.t.opts.MaxReadBuffer {
			return ErrInputTooLarge
		}
		nb := make([]byte, min(2*len(p.buf), p.t.opts.MaxReadBuffer))
		copy(nb, p.buf[:p.fill])
		p.buf = nb
	}
	var dl time.Time
	if timeout > 0 {
		dl = time.Now().Add(timeout)
	}
	p.nc.SetReadDeadline(dl)
	if p.flags.Load() != 0 {
		return nil // handle the signal first
	}
	n, err := p.nc.Read(p.buf[p.fill:])
	p.fill += n
	if n > 0 {
		p.deliver()
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF):
		p.eof = true
		return nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		if p.flags.Load() != 0 {
			return nil // interrupted by a signal, not a timeout
		}
		if !dl.IsZero() && !time.Now().Before(dl) {
			p.c.Timeout()
		}
		return nil
	}
	return err
}

// deliver presents the unconsumed input to the Conn until it stops
// consuming, then moves the remainder to the front of the buffer.
func (p *pconn) deliver() {
	off := 0
	for off < p.fill {
		n := p.c.Recv(p.buf[off:p.fill])
		if n <= 0 {
			break
		}
		off += min(n, p.fill-off)
		if p.c.Status().PauseRead {
			break
		}
	}
	p.fill = copy(p.buf, p.buf[off:p.fill])
	p.stale = p.fill > 0 && p.c.Status().PauseRead
}

// wait blocks while reading is paused and nothing is to be sent, until a
// signal arrives or the timeout passes.
func (p *pconn) wait(timeout time.Duration) {
	if timeout <= 0 {
		<-p.wakeC
		return
	}
	tm := time.NewTimer(timeout)
	defer tm.Stop()
	select {
	case <-p.wakeC:
	case <-tm.C:
		if p.flags.Load() == 0 {
			p.c.Timeout()
		}
	}
}

// linger shuts down the write side and discards input for a short while, so
// a peer that is still sending receives our last response rather than a
// reset caused by closing a socket with unread data.
func (p *pconn) linger() {
	tc, ok := p.nc.(interface{ CloseWrite() error })
	if !ok || tc.CloseWrite() != nil {
		return
	}
	p.nc.SetReadDeadline(time.Now().Add(p.t.opts.Linger))
	var scratch [4096]byte
	for total := 0; total < 1<<20; {
		n, err := p.nc.Read(scratch[:])
		total += n
		if err != nil {
			return
		}
	}
}
