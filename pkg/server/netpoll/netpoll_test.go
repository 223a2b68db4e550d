package netpoll

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/transport"
)

// lineConn is a toy protocol: each "\n"-terminated line is answered with
// "> line\n". "wait\n" pauses until Resume (answered "resumed\n"), "quit\n"
// answers "bye\n" and closes. Drain answers "drain\n" and closes. "hang\n"
// pauses reading for good, without a timer, and ignores Drain. "nap\n"
// pauses until Resume, which answers nothing.
type lineConn struct {
	out     []byte
	sent    int
	st      transport.Status
	waiting bool
	napping bool
	hung    bool
	info    transport.Info
	events  chan<- string
}

func (c *lineConn) Recv(p []byte) int {
	used := 0
	for !c.waiting && !c.napping && !c.st.Close {
		i := bytes.IndexByte(p[used:], '\n')
		if i < 0 {
			break
		}
		line := string(p[used : used+i])
		used += i + 1
		switch line {
		case "wait":
			c.waiting = true
			c.st.PauseRead = true
			go c.info.Waker.Wake()
		case "nap":
			c.napping = true
			c.st.PauseRead = true
			go c.info.Waker.Wake()
		case "hang":
			c.hung = true
			c.st.PauseRead = true
			c.st.Timeout = 0
			c.out = append(c.out, "hung\n"...)
		case "quit":
			c.out = append(c.out, "bye\n"...)
			c.st.Close = true
		default:
			c.out = append(c.out, "> "+line+"\n"...)
		}
	}
	return used
}

func (c *lineConn) Pending(iov [][]byte) [][]byte {
	if c.sent < len(c.out) {
		iov = append(iov, c.out[c.sent:])
	}
	return iov
}

func (c *lineConn) Written(n int) { c.sent += n }

func (c *lineConn) Status() transport.Status { return c.st }

func (c *lineConn) Timeout() {
	c.events <- "timeout"
	c.out = append(c.out, "timeout\n"...)
	c.st.Close = true
}

func (c *lineConn) Resume() {
	if c.napping {
		c.napping = false
		c.st.PauseRead = false
	}
	if c.waiting {
		c.waiting = false
		c.st.PauseRead = false
		c.out = append(c.out, "resumed\n"...)
	}
}

func (c *lineConn) Drain() {
	if c.hung {
		return
	}
	c.out = append(c.out, "drain\n"...)
	c.st.Close = true
}

func (c *lineConn) Close(err error) {
	if err != nil {
		c.events <- "close: " + err.Error()
	} else {
		c.events <- "close"
	}
}

type harness struct {
	tr     *Transport
	addr   string
	events chan string
	served chan error
	mu     sync.Mutex
	infos  []transport.Info
}

func start(t *testing.T, timeout time.Duration) *harness {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{
		tr:     New(Options{Workers: 2, ReadBuffer: 64, MaxReadBuffer: 256}),
		addr:   ln.Addr().String(),
		events: make(chan string, 100),
		served: make(chan error, 1),
	}
	f := func(info transport.Info) transport.Conn {
		h.mu.Lock()
		h.infos = append(h.infos, info)
		h.mu.Unlock()
		return &lineConn{info: info, events: h.events, st: transport.Status{Timeout: timeout}}
	}
	go func() { h.served <- h.tr.Serve(ln, f) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		h.tr.Shutdown(ctx)
		if err := <-h.served; !errors.Is(err, ErrClosed) {
			t.Errorf("Serve returned %v, want ErrClosed", err)
		}
	})
	return h
}

func (h *harness) dial(t *testing.T) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

func expectLines(t *testing.T, r *bufio.Reader, want ...string) {
	t.Helper()
	for _, w := range want {
		got, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading %q: %v", w, err)
		}
		if got != w+"\n" {
			t.Fatalf("got %q, want %q", got, w)
		}
	}
}

func TestPipelinedLines(t *testing.T) {
	h := start(t, 0)
	c, r := h.dial(t)
	// Several lines in one write, one split across writes.
	io.WriteString(c, "a\nb\nc\npar")
	expectLines(t, r, "> a", "> b", "> c")
	io.WriteString(c, "tial\n")
	expectLines(t, r, "> partial")
	io.WriteString(c, "quit\nignored\n")
	expectLines(t, r, "bye")
	if _, err := r.ReadByte(); err != io.EOF {
		t.Fatalf("after quit: %v, want EOF", err)
	}
	if ev := <-h.events; ev != "close" {
		t.Fatalf("event %q, want close", ev)
	}
	if h.infos[0].Remote.Port() == 0 || !h.infos[0].Local.Addr().IsLoopback() {
		t.Fatalf("info %+v", h.infos[0])
	}
}

func TestLongLineGrowsBuffer(t *testing.T) {
	h := start(t, 0)
	c, r := h.dial(t)
	line := strings.Repeat("x", 200) // > ReadBuffer 64, < MaxReadBuffer 256
	io.WriteString(c, line+"\n")
	expectLines(t, r, "> "+line)
	io.WriteString(c, strings.Repeat("y", 300)) // never ends: too large
	if _, err := r.ReadByte(); err != io.EOF {
		t.Fatalf("oversized input: %v, want EOF", err)
	}
	if ev := <-h.events; !strings.Contains(ev, ErrInputTooLarge.Error()) {
		t.Fatalf("event %q", ev)
	}
}

func TestWakeResumes(t *testing.T) {
	h := start(t, 0)
	c, r := h.dial(t)
	io.WriteString(c, "wait\nafter\n")
	expectLines(t, r, "resumed", "> after")
}

func TestTimeout(t *testing.T) {
	h := start(t, 20*time.Millisecond)
	c, r := h.dial(t)
	io.WriteString(c, "x\n")
	expectLines(t, r, "> x", "timeout")
	if ev := <-h.events; ev != "timeout" {
		t.Fatalf("event %q", ev)
	}
}

func TestShutdownDrains(t *testing.T) {
	h := start(t, 0)
	c, r := h.dial(t)
	io.WriteString(c, "x\n")
	expectLines(t, r, "> x")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.tr.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	expectLines(t, r, "drain")
	if h.tr.Active() != 0 {
		t.Fatalf("%d connections left", h.tr.Active())
	}
	if _, err := net.Dial("tcp", h.addr); err == nil {
		t.Fatal("listener still accepts after Shutdown")
	}
}

// TestShutdownDeadline: a connection that never finishes draining is
// closed when the context ends.
func TestShutdownDeadline(t *testing.T) {
	h := start(t, 0)
	c, r := h.dial(t)
	io.WriteString(c, "wait\n")
	expectLines(t, r, "resumed")
	// Make the conn ignore Drain by pausing it forever.
	io.WriteString(c, "x\n")
	expectLines(t, r, "> x")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.tr.Shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown: %v", err)
	}
	if h.tr.Active() != 0 {
		t.Fatalf("%d connections left", h.tr.Active())
	}
}

// TestShutdownDeadlineStuckConn: a connection that pauses reading with no
// timer and ignores Drain (a chain waiting for a wake that never comes) is
// still closed when the context ends: Shutdown must not wait for it.
func TestShutdownDeadlineStuckConn(t *testing.T) {
	h := start(t, 0)
	c, r := h.dial(t)
	io.WriteString(c, "hang\n")
	expectLines(t, r, "hung")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.tr.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown: %v, want context.Canceled", err)
	}
	if ev := <-h.events; !strings.HasPrefix(ev, "close: ") {
		t.Fatalf("event %q, want close with an error", ev)
	}
	if h.tr.Active() != 0 {
		t.Fatalf("%d connections left", h.tr.Active())
	}
}

// TestResumeWithoutOutputDeliversBuffered: input that arrived while the
// Conn paused reading is offered again when a Resume lifts the pause, even
// if the Resume produced nothing to send (the io_uring loop does the
// same); it must not wait for more bytes from a client that has sent
// everything.
func TestResumeWithoutOutputDeliversBuffered(t *testing.T) {
	h := start(t, 5*time.Second) // the bug shows as a timeout instead of "> x"
	c, r := h.dial(t)
	io.WriteString(c, "nap\nx\n")
	expectLines(t, r, "> x")
}
