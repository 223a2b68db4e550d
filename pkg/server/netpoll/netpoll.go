package netpoll

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/transport"
)

// Options tune a Transport. The zero value is usable.
type Options struct {
	// Workers is the number of logical workers connections are spread over
	// (transport.Info.Worker); goroutines are scheduled by the Go runtime.
	// Zero means 1.
	Workers int
	// ReadBuffer is the initial per-connection read buffer (default 16 KiB).
	// It grows while the Conn consumes nothing from a full buffer, up to
	// MaxReadBuffer (default 1 MiB); a Conn that still consumes nothing is
	// closed with ErrInputTooLarge.
	ReadBuffer, MaxReadBuffer int
	// Linger bounds how long a connection the server closes keeps reading
	// and discarding input after shutting down its write side, so the peer
	// receives the last response instead of a reset (default 1 s).
	Linger time.Duration
}

// ErrInputTooLarge closes a connection whose Conn consumed nothing from a
// read buffer that reached Options.MaxReadBuffer.
var ErrInputTooLarge = errors.New("netpoll: input not consumed by a full read buffer")

// ErrDrainTimeout is the error passed to Conn.Close for connections still
// open when Shutdown's context ended.
var ErrDrainTimeout = errors.New("netpoll: drain deadline passed")

// ErrClosed is returned by Serve after Shutdown.
var ErrClosed = errors.New("netpoll: transport shut down")

// Transport accepts connections and drives one goroutine per connection.
type Transport struct {
	opts Options

	mu       sync.Mutex
	lns      map[net.Listener]struct{}
	conns    map[*pconn]struct{}
	shutdown bool
	wg       sync.WaitGroup // connection goroutines
	next     atomic.Uint64  // round-robin worker index
}

// New returns a Transport with opts.
func New(opts Options) *Transport {
	if opts.Workers <= 0 {
		opts.Workers = 1
	}
	if opts.ReadBuffer <= 0 {
		opts.ReadBuffer = 16 << 10
	}
	if opts.MaxReadBuffer < opts.ReadBuffer {
		opts.MaxReadBuffer = max(1<<20, opts.ReadBuffer)
	}
	if opts.Linger <= 0 {
		opts.Linger = time.Second
	}
	return &Transport{
		opts:  opts,
		lns:   make(map[net.Listener]struct{}),
		conns: make(map[*pconn]struct{}),
	}
}

// Serve accepts connections on ln and serves each with a Conn from f until
// Shutdown (then it returns ErrClosed) or until Accept fails permanently.
func (t *Transport) Serve(ln net.Listener, f transport.Factory) error {
	t.mu.Lock()
	if t.shutdown {
		t.mu.Unlock()
		return ErrClosed
	}
	t.lns[ln] = struct{}{}
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		delete(t.lns, ln)
		t.mu.Unlock()
	}()
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if t.isShutdown() {
				return ErrClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporary(err) {
				// EMFILE and friends: back off like net/http does.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		if !t.start(nc, f) {
			nc.Close()
			return ErrClosed
		}
	}
}

func isTemporary(err error) bool {
	var te interface{ Temporary() bool }
	return errors.As(err, &te) && te.Temporary()
}

func (t *Transport) isShutdown() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.shutdown
}

// start registers and launches the goroutine for nc; false after Shutdown.
func (t *Transport) start(nc net.Conn, f transport.Factory) bool {
	p := &pconn{t: t, nc: nc, wakeC: make(chan struct{}, 1)}
	t.mu.Lock()
	if t.shutdown {
		t.mu.Unlock()
		return false
	}
	t.conns[p] = struct{}{}
	t.wg.Add(1)
	t.mu.Unlock()
	info := transport.Info{
		Local:  addrPort(nc.LocalAddr()),
		Remote: addrPort(nc.RemoteAddr()),
		Worker: int(t.next.Add(1)-1) % t.opts.Workers,
		Waker:  p,
	}
	go p.run(f, info)
	return true
}

func (t *Transport) remove(p *pconn) {
	t.mu.Lock()
	delete(t.conns, p)
	t.mu.Unlock()
	t.wg.Done()
}

// Shutdown stops accepting (closing every listener passed to Serve), asks
// every connection to Drain, and waits until all have closed. When ctx ends
// first, the remaining connections are closed (Conn.Close gets
// ErrDrainTimeout, or the socket error it caused) and Shutdown returns
// ctx.Err() after their goroutines have finished.
func (t *Transport) Shutdown(ctx context.Context) error {
	t.mu.Lock()
	t.shutdown = true
	for ln := range t.lns {
		ln.Close()
	}
	for p := range t.conns {
		p.signal(flagDrain)
	}
	t.mu.Unlock()

	done := make(chan struct{})
	go func() { t.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	t.mu.Lock()
	for p := range t.conns {
		// Closing the socket ends a blocked read or write; the flag also
		// ends a wait for a wake that may never come (a paused Conn with
		// no timer).
		p.signal(flagKill)
		p.nc.Close()
	}
	t.mu.Unlock()
	<-done
	return ctx.Err()
}

// Active returns the number of open connections.
func (t *Transport) Active() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.conns)
}

func addrPort(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.AddrPort()
	case *net.UDPAddr:
		return a.AddrPort()
	}
	if a != nil {
		if ap, err := netip.ParseAddrPort(a.String()); err == nil {
			return ap
		}
	}
	return netip.AddrPort{}
}
