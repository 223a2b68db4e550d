package loop

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/transport"
	"zeroserve.dev/zeroserve/pkg/server/uring"
)

// lineProto is a tiny line protocol for tests: each "\n"-terminated line is
// echoed back. "BIG n\n" answers n bytes of a pattern in 1000-byte chunks;
// "HOLD\n" answers nothing until Resume (which a goroutine triggers through
// the Waker); "PAUSE\n" pauses reading until the next Resume; "QUIT\n" closes;
// "PAUSEQUIT\n" does both.
type lineProto struct {
	timeout time.Duration // Status.Timeout while idle
	mu      sync.Mutex
	conns   []*lineConn
	closes  atomic.Int64
	made    atomic.Int64
	onNew   func(*lineConn) // runs on the loop
	partial chan struct{}   // if set, told when a Recv leaves a partial line
	wrote   chan struct{}   // if set, told after each Written
	resumed func()          // if set, runs on the loop in Resume
	closed  func(*lineConn) // if set, runs on the loop in Close
}

func notify(ch chan struct{}) {
	if ch != nil {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (p *lineProto) factory(info transport.Info) transport.Conn {
	c := &lineConn{p: p, info: info}
	p.made.Add(1)
	p.mu.Lock()
	p.conns = append(p.conns, c)
	p.mu.Unlock()
	if p.onNew != nil {
		p.onNew(c)
	}
	return c
}

type lineConn struct {
	p           *lineProto
	info        transport.Info
	front, back []byte // front is being sent; back collects the next output
	sent        int
	big         [][]byte
	bigSent     int
	closing     bool
	draining    bool
	paused      bool
	held        bool
	partial     bool // unconsumed bytes of a line are pending
	closeCalls  atomic.Int32
	closeErr    error
	timeouts    atomic.Int32
	written     atomic.Int64
	writes      atomic.Int32
	Resumes     atomic.Int32
}

func (c *lineConn) Recv(p []byte) int {
	n := 0
	for {
		i := bytes.IndexByte(p[n:], '\n')
		if i < 0 {
			break
		}
		line := p[n : n+i+1]
		n += i + 1
		switch {
		case bytes.HasPrefix(line, []byte("BIG ")):
			var size int
			fmt.Sscanf(string(line[4:]), "%d", &size)
			for off := 0; off < size; off += 1000 {
				chunk := bytes.Repeat([]byte{byte('a' + off/1000%26)}, min(1000, size-off))
				c.big = append(c.big, chunk)
			}
		case string(line) == "HOLD\n":
			c.held = true
			if h, ok := c.info.Waker.(Holder); ok {
				h.Hold()
			}
			go c.info.Waker.Wake()
		case string(line) == "PAUSE\n":
			c.paused = true
			return n
		case string(line) == "PAUSEQUIT\n": // pause and close at once
			c.paused, c.closing = true, true
			return n
		case string(line) == "QUIT\n":
			c.closing = true
			return n
		default:
			c.back = append(c.back, line...)
		}
		if c.draining {
			c.closing = true
			return n
		}
	}
	c.partial = n < len(p)
	if c.partial && c.p.partial != nil {
		select {
		case c.p.partial <- struct{}{}:
		default:
		}
	}
	return n
}

func (c *lineConn) Pending(iov [][]byte) [][]byte {
	if c.sent == len(c.front) && len(c.back) > 0 {
		c.front, c.back, c.sent = c.back, c.front[:0], 0
	}
	if c.sent < len(c.front) {
		iov = append(iov, c.front[c.sent:])
	}
	if len(c.big) > 0 {
		iov = append(iov, c.big[0][c.bigSent:])
		iov = append(iov, c.big[1:]...)
	}
	return iov
}

func (c *lineConn) Written(n int) {
	c.written.Add(int64(n))
	c.writes.Add(1)
	defer notify(c.p.wrote)
	k := min(n, len(c.front)-c.sent)
	c.sent += k
	n -= k
	for n > 0 {
		k := min(n, len(c.big[0])-c.bigSent)
		c.bigSent += k
		n -= k
		if c.bigSent == len(c.big[0]) {
			c.big, c.bigSent = c.big[1:], 0
		}
	}
}

func (c *lineConn) Status() transport.Status {
	return transport.Status{Close: c.closing, PauseRead: c.paused || c.held, Timeout: c.p.timeout}
}

func (c *lineConn) Timeout() {
	c.timeouts.Add(1)
	c.closing = true
}

func (c *lineConn) Resume() {
	c.Resumes.Add(1)
	if c.p.resumed != nil {
		c.p.resumed()
	}
	if c.held {
		c.held = false
		c.back = append(c.back, "RESUMED\n"...)
	}
	c.paused = false
}

func (c *lineConn) Drain() {
	c.draining = true
	if !c.partial {
		c.closing = true
	}
}

func (c *lineConn) Close(err error) {
	c.closeErr = err
	c.closeCalls.Add(1)
	c.p.closes.Add(1)
	if c.p.closed != nil {
		c.p.closed(c)
	}
}

func start(t testing.TB, p *lineProto, mod func(*Config)) *Server {
	t.Helper()
	if err := uring.Supported(); err != nil {
		t.Skip(err)
	}
	cfg := Config{Workers: 1, Addrs: []string{"127.0.0.1:0"}, Factory: p.factory}
	if mod != nil {
		mod(&cfg)
	}
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Drain(time.Now()); err != nil && !errors.Is(err, errInjected) {
			t.Error(err)
		}
		if made, closed := p.made.Load(), p.closes.Load(); made != closed {
			t.Errorf("Factory made %d conns, Close called %d times", made, closed)
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		for i, c := range p.conns {
			if n := c.closeCalls.Load(); n != 1 {
				t.Errorf("conn %d: Close called %d times", i, n)
			}
		}
	})
	return s
}

func dial(t testing.TB, s *Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", s.Addrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func roundTrip(t *testing.T, c net.Conn, r *bufio.Reader, line string) string {
	t.Helper()
	if _, err := io.WriteString(c, line); err != nil {
		t.Fatal(err)
	}
	got, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("read after %q: %v", line, err)
	}
	return got
}

func TestEcho(t *testing.T) {
	p := &lineProto{}
	s := start(t, p, func(c *Config) { c.Workers = 2 })
	for i := range 4 {
		c := dial(t, s)
		r := bufio.NewReader(c)
		for j := range 3 {
			want := fmt.Sprintf("hello %d %d\n", i, j)
			if got := roundTrip(t, c, r, want); got != want {
				t.Fatalf("got %q want %q", got, want)
			}
		}
		// A line split over several writes, and pipelined lines.
		io.WriteString(c, "spl")
		io.WriteString(c, "it\nx\ny\n")
		for _, want := range []string{"split\n", "x\n", "y\n"} {
			if got, err := r.ReadString('\n'); err != nil || got != want {
				t.Fatalf("got %q %v want %q", got, err, want)
			}
		}
		io.WriteString(c, "QUIT\n")
		if got, err := r.ReadString('\n'); err != io.EOF {
			t.Fatalf("after QUIT got %q %v", got, err)
		}
	}
}

func TestIOURingFD(t *testing.T) {
	p := &lineProto{}
	s := start(t, p, func(c *Config) { c.Workers = 2 })
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	rings := 0
	for _, e := range ents {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && l == "anon_inode:[io_uring]" {
			rings++
		}
	}
	if rings < s.Workers() {
		t.Fatalf("%d io_uring fds for %d workers", rings, s.Workers())
	}
}

func TestRingFlags(t *testing.T) {
	p := &lineProto{}
	s := start(t, p, nil)
	f := s.workers[0].ring.Flags()
	t.Logf("ring flags %#x", f)
	if f&uring.SetupSingleIssuer == 0 || f&uring.SetupDeferTaskrun == 0 {
		t.Errorf("SINGLE_ISSUER|DEFER_TASKRUN not granted on this kernel: %#x", f)
	}
}

func TestBufferExhaustion(t *testing.T) {
	p := &lineProto{}
	s := start(t, p, func(c *Config) { c.RecvBufs = 2; c.RecvBufSize = 256 })
	c := dial(t, s)
	var want bytes.Buffer
	for i := range 2000 {
		fmt.Fprintf(&want, "line %d with some padding to make it longer\n", i)
	}
	go c.Write(want.Bytes())
	got := make([]byte, want.Len())
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatal("echo differs")
	}
	if s.Stats().ENOBUFS == 0 {
		t.Error("no ENOBUFS with 2 buffers of 256 bytes for 100 KB")
	}
}

func TestLargePartialSend(t *testing.T) {
	p := &lineProto{}
	s := start(t, p, nil)
	c := dial(t, s)
	size := 16 << 20 // far more than the socket buffers: partial writes
	io.WriteString(c, fmt.Sprintf("BIG %d\n", size))
	buf := make([]byte, 4096)
	for off := 0; off < size; {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if want := byte('a' + (off+i)/1000%26); buf[i] != want {
				t.Fatalf("byte %d: %q want %q", off+i, buf[i], want)
			}
		}
		off += n
	}
	st := s.Stats()
	if st.PartialSends == 0 {
		t.Errorf("no partial send: %+v", st)
	}
	p.mu.Lock()
	lc := p.conns[0]
	p.mu.Unlock()
	if lc.written.Load() != int64(size) {
		t.Errorf("Written total %d", lc.written.Load())
	}
	if got := roundTrip(t, c, bufio.NewReader(c), "after\n"); got != "after\n" {
		t.Fatalf("after big: %q", got)
	}
}

func TestTimeoutInjectedClock(t *testing.T) {
	var now atomic.Int64
	p := &lineProto{timeout: 5 * time.Second, wrote: make(chan struct{}, 1)}
	s := start(t, p, func(c *Config) {
		c.now = func() time.Duration { return time.Duration(now.Load()) }
		c.TimerTick = 10 * time.Millisecond
	})
	c := dial(t, s)
	r := bufio.NewReader(c)
	if got := roundTrip(t, c, r, "one\n"); got != "one\n" {
		t.Fatal(got)
	}
	<-p.wrote // the send completion (progress, re-arms the timer) was seen
	// 4.9 s of loop time: no timeout yet; the connection still answers.
	// kick wakes the loop without calling into the Conn (a Wake would
	// call Resume, which counts as progress and re-arms the timer).
	kick := s.workers[0].kick
	now.Store(int64(4900 * time.Millisecond))
	kick()
	if got := roundTrip(t, c, r, "two\n"); got != "two\n" {
		t.Fatal(got)
	}
	<-p.wrote
	// Progress re-armed the timer at 4.9 s; 10.0 s is past it.
	now.Store(int64(10 * time.Second))
	kick()
	if _, err := r.ReadString('\n'); err != io.EOF {
		t.Fatalf("read after timeout: %v", err)
	}
	p.mu.Lock()
	lc := p.conns[0]
	p.mu.Unlock()
	if lc.timeouts.Load() != 1 {
		t.Fatalf("Timeout called %d times", lc.timeouts.Load())
	}
}

func TestWakeFromGoroutine(t *testing.T) {
	p := &lineProto{}
	s := start(t, p, nil)
	c := dial(t, s)
	r := bufio.NewReader(c)
	for range 50 {
		if got := roundTrip(t, c, r, "HOLD\n"); got != "RESUMED\n" {
			t.Fatalf("got %q", got)
		}
	}
}

func TestPauseRead(t *testing.T) {
	p := &lineProto{}
	wakers := make(chan transport.Waker, 1)
	p.onNew = func(c *lineConn) { wakers <- c.info.Waker }
	s := start(t, p, func(c *Config) { c.MaxInput = 4096 })
	c := dial(t, s)
	r := bufio.NewReader(c)
	// PAUSE, then lines that must wait until Resume; enough bytes to make
	// the loop cancel its recv (MaxInput/4).
	var more bytes.Buffer
	for i := range 100 {
		fmt.Fprintf(&more, "p%d\n", i)
	}
	wk := <-wakers
	io.WriteString(c, "PAUSE\n")
	io.WriteString(c, more.String())
	wk.Wake() // Resume unpauses (whether or not the loop has seen PAUSE yet)
	got := make([]byte, more.Len())
	if _, err := io.ReadFull(r, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, more.Bytes()) {
		t.Fatalf("after pause got %q", got)
	}
}

func TestStaleCompletionIgnored(t *testing.T) {
	p := &lineProto{}
	var srv atomic.Pointer[Server]
	var first struct {
		gen, slot uint32
		set       bool
	}
	p.onNew = func(c *lineConn) {
		_, gen, slot := unpack(c.info.Waker.(*waker).key)
		if !first.set {
			first.gen, first.slot, first.set = gen, slot, true
			return
		}
		if slot != first.slot || gen == first.gen {
			panic(fmt.Sprintf("BUG: slot %d gen %d not reused from %+v", slot, gen, first))
		}
		// On the loop: forge completions of the first connection. A recv
		// with result 0 would read as EOF, a send as Written(0) → close.
		w := srv.Load().workers[0]
		w.sqe().PrepNop(pack(opRecv, first.gen, first.slot))
		w.sqe().PrepNop(pack(opSend, first.gen, first.slot))
	}
	// No lingering close: the first slot must be free once c1 sees EOF.
	s := start(t, p, func(cfg *Config) { cfg.Linger = -1 })
	srv.Store(s)
	c1 := dial(t, s)
	r1 := bufio.NewReader(c1)
	io.WriteString(c1, "QUIT\n")
	if _, err := r1.ReadString('\n'); err != io.EOF {
		t.Fatal(err)
	}
	c2 := dial(t, s)
	r2 := bufio.NewReader(c2)
	for range 3 {
		if got := roundTrip(t, c2, r2, "still here\n"); got != "still here\n" {
			t.Fatalf("second conn: %q", got)
		}
	}
}

func TestDrain(t *testing.T) {
	p := &lineProto{partial: make(chan struct{}, 1)}
	s := start(t, p, nil)
	idle := dial(t, s)
	busy := dial(t, s)
	rIdle, rBusy := bufio.NewReader(idle), bufio.NewReader(busy)
	roundTrip(t, idle, rIdle, "x\n")
	roundTrip(t, busy, rBusy, "y\n")
	io.WriteString(busy, "half a li") // a request in progress
	<-p.partial                       // the loop has the partial line
	done := make(chan error)
	go func() { done <- s.Drain(time.Now().Add(time.Minute)) }()
	if _, err := rIdle.ReadString('\n'); err != io.EOF {
		t.Fatalf("idle conn: %v", err)
	}
	if _, err := net.Dial("tcp", s.Addrs()[0].String()); err == nil {
		// The listener may still be closing; a refused dial is the normal case.
		t.Log("dial after drain succeeded")
	}
	io.WriteString(busy, "ne\n")
	if got, err := rBusy.ReadString('\n'); err != nil || got != "half a line\n" {
		t.Fatalf("busy conn got %q %v", got, err)
	}
	if _, err := rBusy.ReadString('\n'); err != io.EOF {
		t.Fatalf("busy conn after its request: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := s.Stats().Forced; n != 0 {
		t.Fatalf("Stats.Forced %d after a drain within its deadline", n)
	}
}

func TestDrainDeadline(t *testing.T) {
	p := &lineProto{partial: make(chan struct{}, 1)}
	s := start(t, p, nil)
	busy := dial(t, s)
	r := bufio.NewReader(busy)
	roundTrip(t, busy, r, "y\n")
	io.WriteString(busy, "never finished")
	<-p.partial
	// The connection ignores Drain while its line is incomplete; the past
	// deadline closes it.
	if err := s.Drain(time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if n := s.Stats().Forced; n != 1 {
		t.Fatalf("Stats.Forced %d, want 1", n)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.conns[0].closeErr; err != ErrDrainTimeout {
		t.Fatalf("close err %v, want ErrDrainTimeout", err)
	}
	if _, err := r.ReadString('\n'); err != io.EOF {
		t.Fatalf("client read: %v", err)
	}
}

func TestManyIdleConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	p := &lineProto{}
	s := start(t, p, func(c *Config) { c.Workers = 2 })
	const n = 1000
	conns := make([]net.Conn, n)
	for i := range conns {
		conns[i] = dial(t, s)
	}
	// Every connection answers, the first as well as the last.
	for i, c := range conns {
		want := fmt.Sprintf("c%d\n", i)
		if got := roundTrip(t, c, bufio.NewReader(c), want); got != want {
			t.Fatalf("conn %d: %q", i, got)
		}
	}
	if live := s.Stats().Live; live != n {
		t.Fatalf("live %d", live)
	}
}

func TestRun(t *testing.T) {
	if err := uring.Supported(); err != nil {
		t.Skip(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := ln.(*net.TCPListener).File() // a pre-opened fd, as from LISTEN_FDS
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := &lineProto{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- Run(ctx, Config{Workers: 2, Files: []*os.File{f}, Factory: p.factory}) }()
	for i := range 4 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("shared %d\n", i)
		if got := roundTrip(t, c, bufio.NewReader(c), want); got != want {
			t.Fatalf("got %q", got)
		}
		c.Close()
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if made, closed := p.made.Load(), p.closes.Load(); made != closed || made != 4 {
		t.Fatalf("made %d closed %d", made, closed)
	}
}

func TestStartErrors(t *testing.T) {
	if err := uring.Supported(); err != nil {
		t.Skip(err)
	}
	p := &lineProto{}
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no factory", Config{Addrs: []string{"127.0.0.1:0"}}, "no Factory"},
		{"no listeners", Config{Factory: p.factory}, "no listeners"},
		{"bad address", Config{Addrs: []string{"256.1.1.1:80"}, Factory: p.factory}, "listen"},
		{"not a listener", Config{Files: []*os.File{os.Stdin}, Factory: p.factory}, "listener"},
		{"empty Listener", Config{Factory: p.factory, Listeners: []Listener{{}}}, "exactly one of Addr and File"},
		{"Listener without Factory", Config{Listeners: []Listener{{Addr: "127.0.0.1:0"}}}, "no Factory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Start(tt.cfg)
			if err == nil {
				s.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want %q", err, tt.want)
			}
		})
	}
}
