package loop

import (
	"bufio"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// TestAcceptEndedByKernel: a multishot accept that the kernel ends with
// ECANCELED while the server is not draining (here a cancel forged on the
// loop) is armed again; the listener must not go deaf.
func TestAcceptEndedByKernel(t *testing.T) {
	p := &lineProto{}
	var srv atomic.Pointer[Server]
	p.onNew = func(c *lineConn) {
		if p.made.Load() == 1 {
			w := srv.Load().workers[0]
			w.sqe().PrepCancel(pack(opAccept, 0, 0), 0, pack(opCancel, 0, 0))
		}
	}
	s := start(t, p, func(c *Config) { c.TimerTick = 10 * time.Millisecond })
	srv.Store(s)
	for i := range 3 {
		c := dial(t, s)
		// A bound so that a deaf listener fails the test instead of
		// hanging it; not a timing assertion.
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		want := fmt.Sprintf("conn %d\n", i)
		if got := roundTrip(t, c, bufio.NewReader(c), want); got != want {
			t.Fatalf("got %q want %q", got, want)
		}
	}
}

// TestDrainClearsAcceptBackoff: an accept backing off (EMFILE) when a
// drain starts is not armed again, so its retry time must not bound the
// loop's waits any more: once it passed, every wait would be 1µs and the
// loop would spin for the whole drain.
func TestDrainClearsAcceptBackoff(t *testing.T) {
	now := 5 * time.Second
	s := &Server{cfg: (&Config{now: func() time.Duration { return now }}).withDefaults()}
	w := newWorker(s, 0, []listener{{fd: -1}})
	w.acceptErr = 4 * time.Second // retry time already passed
	w.startDrain()
	w.deadline.Store(time.Now().Add(time.Hour).UnixNano())
	if d := w.waitTimeout(); d < time.Minute {
		t.Fatalf("wait bounded to %v while draining with nothing due", d)
	}
}
