package loop

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestListenerGroups: one worker accepts on listeners of different kinds
// (an address with Config.Factory, an address and an inherited socket
// with Factories of their own) and hands each connection to its
// listener's Factory, all with the worker's index.
func TestListenerGroups(t *testing.T) {
	for _, workers := range []int{1, 2} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			f, err := ln.(*net.TCPListener).File()
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			plain, other, inherited := &lineProto{}, &lineProto{}, &lineProto{}
			s := start(t, plain, func(c *Config) {
				c.Workers = workers
				c.Listeners = []Listener{
					{Addr: "127.0.0.1:0", Factory: other.factory},
					{File: f, Factory: inherited.factory},
				}
			})
			if s.Workers() != workers {
				t.Fatalf("%d workers, want %d", s.Workers(), workers)
			}
			addrs := s.Addrs()
			if len(addrs) != 3 || addrs[2].String() != ln.Addr().String() {
				t.Fatalf("Addrs %v", addrs)
			}
			protos := []*lineProto{plain, other, inherited}
			const perListener = 6
			for i, a := range addrs {
				for j := range perListener {
					c, err := net.Dial("tcp", a.String())
					if err != nil {
						t.Fatal(err)
					}
					want := fmt.Sprintf("listener %d conn %d\n", i, j)
					if got := roundTrip(t, c, bufio.NewReader(c), want); got != want {
						t.Fatalf("got %q want %q", got, want)
					}
					c.Close()
				}
			}
			for i, p := range protos {
				if n := p.made.Load(); n != perListener {
					t.Errorf("listener %d: its Factory made %d conns, want %d", i, n, perListener)
				}
				p.mu.Lock()
				for _, c := range p.conns {
					if c.info.Worker < 0 || c.info.Worker >= workers {
						t.Errorf("listener %d: worker index %d of %d workers", i, c.info.Worker, workers)
					}
				}
				p.mu.Unlock()
			}
			// One ring per worker for all listeners.
			if rings := countRings(t); rings < workers || rings > workers+1 {
				t.Errorf("%d io_uring fds for %d workers", rings, workers)
			}
		})
	}
}

func countRings(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && l == "anon_inode:[io_uring]" {
			n++
		}
	}
	return n
}

// TestIdleStagingReleased: connections whose lines arrived split (so the
// loop staged the unconsumed part) hold no staging buffer once idle.
func TestIdleStagingReleased(t *testing.T) {
	p := &lineProto{partial: make(chan struct{}, 1)}
	var s *Server
	staged := make(chan int, 1)
	p.resumed = func() { // on the loop: sum what the connections hold
		n := 0
		for _, c := range s.workers[0].conns {
			n += cap(c.in)
		}
		staged <- n
	}
	s = start(t, p, nil)
	const conns = 20
	for i := range conns {
		c := dial(t, s)
		r := bufio.NewReader(c)
		// The first part is left unconsumed (staged) before the rest
		// arrives.
		io.WriteString(c, fmt.Sprintf("split %d", i))
		<-p.partial
		if got := roundTrip(t, c, r, " line\n"); got != fmt.Sprintf("split %d line\n", i) {
			t.Fatalf("got %q", got)
		}
	}
	p.mu.Lock()
	w := p.conns[0].info.Waker
	p.mu.Unlock()
	w.Wake()
	if n := <-staged; n != 0 {
		t.Errorf("%d idle connections hold %d bytes of staging buffers, want 0", conns, n)
	}
}

// TestAddressInUse: an address another socket listens on is refused, also
// when that socket is another loop's SO_REUSEPORT group (a second server
// of the same user would otherwise join it and take part of its
// connections), and the failed Start leaves the first one serving.
func TestAddressInUse(t *testing.T) {
	first := start(t, &lineProto{}, func(c *Config) { c.Workers = 2 })
	plain, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	for _, addr := range []string{first.Addrs()[0].String(), plain.Addr().String()} {
		s, err := Start(Config{Workers: 2, Addrs: []string{addr}, Factory: (&lineProto{}).factory})
		if err == nil {
			s.Drain(time.Now())
			t.Fatalf("Start on %s, which is in use: no error", addr)
		}
		if !errors.Is(err, unix.EADDRINUSE) {
			t.Errorf("Start on %s: %v, want EADDRINUSE", addr, err)
		}
	}
	c, err := net.Dial("tcp", first.Addrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := roundTrip(t, c, bufio.NewReader(c), "still here\n"); got != "still here\n" {
		t.Fatalf("first server after the refused start: %q", got)
	}
}
