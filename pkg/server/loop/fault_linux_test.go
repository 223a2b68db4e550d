package loop

import (
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
