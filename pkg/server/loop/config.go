package loop

import (
	"context"
	"errors"
	"os"
	"runtime"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/transport"
)

// Name is the transport's name for startup lines ("… (2 workers, io_uring)").
const Name = "io_uring"

// ErrDrainTimeout is the error passed to Conn.Close for connections still
// open when a Drain deadline passed.
var ErrDrainTimeout = errors.New("drain deadline passed")

// ErrInputOverflow is passed to Conn.Close when a connection left more than
// Config.MaxInput bytes unconsumed.
var ErrInputOverflow = errors.New("unconsumed input over limit")

// Config configures Start. Zero fields take the defaults shown.
type Config struct {
	// Workers is the number of event loops (default runtime.NumCPU()).
	Workers int
	// Addrs are TCP addresses ("127.0.0.1:8080", "[::1]:0", ":8080"). Each
	// worker gets its own SO_REUSEPORT socket per address; with port 0 the
	// first socket picks the port and the others share it.
	Addrs []string
	// Files are pre-opened listening sockets (systemd LISTEN_FDS, --addr
	// fd:N). Start duplicates them; every worker runs a multishot accept on
	// the same socket. The caller keeps ownership of the Files.
	Files []*os.File
	// Factory creates the protocol side of each connection accepted on
	// Addrs and Files.
	Factory transport.Factory
	// Listeners are more listeners, each with the Factory of its
	// connections (plain HTTP and TLS listeners on the same loops). Every
	// worker accepts on every listener; they come after Addrs and Files.
	Listeners []Listener

	// MaxConns is the connection limit per worker (default 16384); over it,
	// new connections are closed at once.
	MaxConns int
	// Backlog is the listen(2) backlog of sockets Start creates (default 4096).
	Backlog int
	// RingEntries is the SQ size (default 1024; the CQ gets 4×).
	RingEntries uint32
	// RecvBufs and RecvBufSize size the provided buffer ring of each worker
	// (defaults 256 × 16 KiB; RecvBufs is rounded up to a power of two).
	RecvBufs    int
	RecvBufSize int
	// MaxInput bounds the bytes a connection may leave unconsumed or
	// receive while PauseRead is set (default 1 MiB); over it, the
	// connection is closed with ErrInputOverflow. Reads stop (the multishot
	// recv is cancelled) while paused input exceeds MaxInput/4.
	MaxInput int
	// TimerTick is the timer wheel resolution (default 100ms).
	TimerTick time.Duration
	// YieldWait bounds each wait in io_uring_enter while a connection has
	// announced off-loop work (see Holder), so that goroutines finishing it
	// get the P even with GOMAXPROCS=1 (default 50µs).
	YieldWait time.Duration
	// DrainTimeout is the Drain deadline Run uses when ctx ends (default 10s).
	DrainTimeout time.Duration
	// Linger bounds the lingering close of a connection its Conn closed in
	// order (default 1s; negative: close at once): the write side is shut
	// down and input is read and discarded until the peer's EOF, an error,
	// LingerBytes (default 64 KiB) or this long, so that a peer still
	// sending (pipelined requests after an error, a refused body) receives
	// our last response rather than a reset. A Drain deadline cuts it short.
	Linger      time.Duration
	LingerBytes int
	// Logf, if set, receives rare operational messages (accept errors).
	Logf func(format string, args ...any)

	// now replaces the loop's monotonic clock in tests.
	now func() time.Duration
	// fault, if set, runs before every io_uring_enter of worker id; an
	// error it returns stands for the enter's (fault injection in tests).
	fault func(id int) error
	// lingerEnd, if set, runs on the loop with the recv result that ends
	// a lingering close (0: the peer's EOF).
	lingerEnd func(res int32)
}

// Listener is one listening address or socket and what its connections
// speak. Exactly one of Addr and File is set.
type Listener struct {
	// Addr is a TCP address: each worker gets its own SO_REUSEPORT socket
	// (with port 0 the first socket picks the port and the others share
	// it).
	Addr string
	// File is a pre-opened listening socket: Start duplicates it and every
	// worker runs a multishot accept on the same socket. The caller keeps
	// ownership.
	File *os.File
	// Factory creates the protocol side of its connections (default
	// Config.Factory).
	Factory transport.Factory
}

// listeners returns every listener in Addrs order: Config.Addrs, then
// Config.Files, then Config.Listeners, each with its Factory.
func (c *Config) listeners() ([]Listener, error) {
	var ls []Listener
	for _, a := range c.Addrs {
		ls = append(ls, Listener{Addr: a, Factory: c.Factory})
	}
	for _, f := range c.Files {
		ls = append(ls, Listener{File: f, Factory: c.Factory})
	}
	for _, l := range c.Listeners {
		if l.Factory == nil {
			l.Factory = c.Factory
		}
		ls = append(ls, l)
	}
	if len(ls) == 0 {
		return nil, errors.New("loop: no listeners")
	}
	for _, l := range ls {
		switch {
		case l.Factory == nil:
			return nil, errors.New("loop: no Factory")
		case (l.Addr == "") == (l.File == nil):
			return nil, errors.New("loop: a Listener needs exactly one of Addr and File")
		}
	}
	return ls, nil
}

// Holder is implemented by the Waker the loop hands to each Conn. A Conn
// that starts work off the loop (a goroutine that will call Wake) may call
// Hold, on the loop, to say so; until the next Resume the loop yields
// (runtime.Gosched) before every wait and caps it at Config.YieldWait.
type Holder interface {
	Hold()
}

func (c *Config) withDefaults() Config {
	d := *c
	if d.Workers <= 0 {
		d.Workers = runtime.NumCPU()
	}
	if d.MaxConns <= 0 {
		d.MaxConns = 16384
	}
	if d.Backlog <= 0 {
		d.Backlog = 4096
	}
	if d.RingEntries == 0 {
		d.RingEntries = 1024
	}
	if d.RecvBufs <= 0 {
		d.RecvBufs = 256
	}
	for d.RecvBufs&(d.RecvBufs-1) != 0 {
		d.RecvBufs++
	}
	if d.RecvBufSize <= 0 {
		d.RecvBufSize = 16 << 10
	}
	if d.MaxInput <= 0 {
		d.MaxInput = 1 << 20
	}
	if d.TimerTick <= 0 {
		d.TimerTick = 100 * time.Millisecond
	}
	if d.YieldWait <= 0 {
		d.YieldWait = 50 * time.Microsecond
	}
	if d.DrainTimeout <= 0 {
		d.DrainTimeout = 10 * time.Second
	}
	if d.Linger == 0 {
		d.Linger = time.Second
	}
	if d.LingerBytes <= 0 {
		d.LingerBytes = 64 << 10
	}
	return d
}

// Stats are counters summed over the workers.
type Stats struct {
	Accepted     uint64 // connections handed to the Factory
	Rejected     uint64 // connections closed at once (MaxConns, draining)
	Closed       uint64 // Conn.Close calls
	Live         int64  // open connections
	Timeouts     uint64 // Conn.Timeout calls
	ENOBUFS      uint64 // multishot recvs ended by an empty buffer ring
	PartialSends uint64 // sends that wrote less than asked
	Sends        uint64 // sendmsg completions
	// Forced counts connections a Drain deadline closed: Conns closed
	// with ErrDrainTimeout and lingering closes cut short. Non-zero after
	// Drain means the deadline passed with connections still open.
	Forced uint64
}

// Run starts the workers, serves until ctx ends, then drains with
// cfg.DrainTimeout. It returns the first worker error, if any.
func Run(ctx context.Context, cfg Config) error {
	s, err := Start(cfg)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case <-s.Done():
	}
	return s.Drain(time.Now().Add(s.cfg.DrainTimeout))
}
