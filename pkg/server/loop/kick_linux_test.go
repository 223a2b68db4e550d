package loop

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestKickAfterTeardown: a Waker or Drain that reaches a worker after it
// tore down must not write to its old eventfd number, which by then may
// be any other descriptor of the process (here: a pipe put in its place).
func TestKickAfterTeardown(t *testing.T) {
	p := &lineProto{}
	s := start(t, p, nil)
	w := s.workers[0]
	w.wakeMu.Lock()
	old := w.efd
	w.wakeMu.Unlock()
	if err := s.Drain(time.Now()); err != nil {
		t.Fatal(err)
	}
	var pfd [2]int
	if err := unix.Pipe2(pfd[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pfd[0])
	defer unix.Close(pfd[1])
	if err := unix.Dup3(pfd[1], old, unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(old)
	(&waker{w: w, key: pack(opWake, 1, 0)}).Wake()
	w.requestDrain(time.Now())
	var buf [16]byte
	if n, err := unix.Read(pfd[0], buf[:]); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("a kick after teardown wrote %d bytes (%v) to the descriptor that took the eventfd's number", n, err)
	}
}
