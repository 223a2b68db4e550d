package loop

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
)

var errInjected = errors.New("injected ring error")

// TestFatalErrorQuiesces injects a fatal io_uring_enter error while a
// sendmsg is in flight (the client reads nothing of a 16 MiB answer). The
// teardown must not call Conn.Close, which releases the memory being sent,
// while the kernel may still read it: either every send's completion has
// been reaped (the ring still works: its requests were cancelled), or the
// ring is closed first (it does not).
func TestFatalErrorQuiesces(t *testing.T) {
	tests := []struct {
		name    string
		lasting bool // every enter fails from the first on, not only one
	}{
		{"ring still usable", false},
		{"ring unusable", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var failing atomic.Bool
			p := &lineProto{wrote: make(chan struct{}, 1)}
			s := start(t, p, func(c *Config) {
				c.fault = func(int) error {
					if tt.lasting && failing.Load() || failing.CompareAndSwap(true, false) {
						return errInjected
					}
					return nil
				}
			})
			w := s.workers[0]
			var atClose string
			p.closed = func(*lineConn) {
				switch open := w.ring.Fd() >= 0; {
				case open && w.sends > 0:
					atClose = fmt.Sprintf("Conn.Close with %d sends in flight on an open ring", w.sends)
				case open == tt.lasting:
					atClose = fmt.Sprintf("ring open %v at Conn.Close", open)
				}
			}
			c := dial(t, s)
			io.WriteString(c, fmt.Sprintf("BIG %d\n", 16<<20))
			<-p.wrote // a partial send completed; the next is queued or in flight
			failing.Store(true)
			w.kick()
			<-s.Done()
			if err := s.Err(); !errors.Is(err, errInjected) {
				t.Fatalf("Err %v", err)
			}
			if p.closes.Load() != 1 {
				t.Fatalf("%d Close calls", p.closes.Load())
			}
			if atClose != "" {
				t.Fatal(atClose)
			}
		})
	}
}

// TestSubmitFailureStopsWorker makes io_uring_enter fail while a worker
// needs room in a full submission queue: the worker must stop with the
// error (closing its connections) instead of retrying forever, and the
// other worker must keep serving.
func TestSubmitFailureStopsWorker(t *testing.T) {
	var (
		srv     atomic.Pointer[Server]
		target  atomic.Int64 // worker that fails, +1 (0: none yet)
		calls   atomic.Int64
		looped  = make(chan struct{})
		closed  = make(chan struct{}, 1)
		victim  atomic.Pointer[lineConn]
		started atomic.Bool
	)
	p := &lineProto{}
	p.onNew = func(c *lineConn) {
		if !started.CompareAndSwap(false, true) {
			return
		}
		victim.Store(c)
		w := srv.Load().workers[c.info.Worker]
		target.Store(int64(c.info.Worker) + 1)
		for range w.ring.SQEntries() + 1 { // the last needs a Submit
			w.sqe().PrepNop(pack(opNop, 0, 0))
		}
	}
	p.closed = func(c *lineConn) {
		if c == victim.Load() {
			notify(closed)
		}
	}
	s := start(t, p, func(c *Config) {
		c.Workers = 2
		c.RingEntries = 8
		c.fault = func(id int) error {
			if int64(id)+1 != target.Load() {
				return nil
			}
			if calls.Add(1) == 100 {
				close(looped) // the buggy loop gives up here
			}
			if calls.Load() >= 100 {
				return nil
			}
			return errInjected
		}
	})
	srv.Store(s)
	dial(t, s)
	select {
	case <-closed:
	case <-looped:
		t.Fatal("a failing Submit was retried 100 times")
	}
	if err := s.Err(); !errors.Is(err, errInjected) {
		t.Fatalf("Err %v", err)
	}
	for i := range 4 {
		c := dial(t, s)
		want := fmt.Sprintf("still serving %d\n", i)
		if got := roundTrip(t, c, bufio.NewReader(c), want); got != want {
			t.Fatalf("got %q", got)
		}
	}
}
