package loop

import (
	"fmt"
	"net"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"
	"zeroserve.dev/zeroserve/pkg/server/uring"
)

// Supported reports whether the io_uring transport can run here, and why not.
func Supported() error { return uring.Supported() }

// Server is a set of running workers.
type Server struct {
	cfg     Config
	workers []*worker
	addrs   []net.Addr
	shared  []int // duplicated Config.Files fds, closed when all workers exit
	done    chan struct{}
	once    sync.Once
	mu      sync.Mutex
	err     error
}

// Start opens the listeners, sets up one ring per worker on the worker's own
// locked OS thread and starts serving. On error nothing is left open.
func Start(cfg Config) (*Server, error) {
	specs, err := cfg.listeners()
	if err != nil {
		return nil, err
	}
	if err := Supported(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg.withDefaults(), done: make(chan struct{})}
	lns, err := s.openListeners(specs)
	if err != nil {
		s.closeFds(lns)
		return nil, err
	}
	errs := make(chan error, s.cfg.Workers)
	var wg sync.WaitGroup
	for i := range s.cfg.Workers {
		w := newWorker(s, i, lns[i])
		s.workers = append(s.workers, w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.main(errs)
		}()
	}
	var first error
	for range s.cfg.Workers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	go func() {
		wg.Wait()
		for _, fd := range s.shared {
			unix.Close(fd)
		}
		close(s.done)
	}()
	if first != nil {
		s.Drain(time.Now())
		return nil, first
	}
	return s, nil
}

// openListeners returns, per worker, the listening fds it accepts on (one
// per spec, in order), whether it owns them and their Factory.
func (s *Server) openListeners(specs []Listener) ([][]listener, error) {
	lns := make([][]listener, s.cfg.Workers)
	for _, l := range specs {
		if l.File != nil {
			fd, err := dupListener(l.File)
			if err != nil {
				return lns, err
			}
			s.shared = append(s.shared, fd)
			s.addrs = append(s.addrs, net.TCPAddrFromAddrPort(localAddr(fd)))
			for i := range lns {
				lns[i] = append(lns[i], listener{fd: fd, factory: l.Factory})
			}
			continue
		}
		ta, err := net.ResolveTCPAddr("tcp", l.Addr)
		if err != nil {
			return lns, fmt.Errorf("listen %s: %w", l.Addr, err)
		}
		if ta.Port != 0 {
			if err := checkFree(ta); err != nil {
				return lns, fmt.Errorf("listen %s: %w", l.Addr, err)
			}
		}
		port := 0
		for i := range lns {
			fd, err := listenReusePort(ta, port, s.cfg.Backlog)
			if err != nil {
				return lns, fmt.Errorf("listen %s: %w", l.Addr, err)
			}
			lns[i] = append(lns[i], listener{fd: fd, own: true, factory: l.Factory})
			if i == 0 {
				ap := localAddr(fd)
				port = int(ap.Port())
				s.addrs = append(s.addrs, net.TCPAddrFromAddrPort(ap))
			}
		}
	}
	return lns, nil
}

func (s *Server) closeFds(lns [][]listener) {
	for _, l := range lns {
		for _, ln := range l {
			if ln.own {
				unix.Close(ln.fd)
			}
		}
	}
	for _, fd := range s.shared {
		unix.Close(fd)
	}
	s.shared = nil
}

// Addrs returns the bound address of each listener (with the port chosen
// for port 0): Config.Addrs in order, then Config.Files, then
// Config.Listeners.
func (s *Server) Addrs() []net.Addr { return s.addrs }

// Workers returns the number of workers.
func (s *Server) Workers() int { return len(s.workers) }

// Done is closed when every worker has exited (after Drain, or after a
// fatal ring error; see Err).
func (s *Server) Done() <-chan struct{} { return s.done }

// Err returns the first fatal worker error once Done is closed.
func (s *Server) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *Server) fail(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
}

// Drain stops accepting, calls Conn.Drain on every connection and waits until
// all connections are closed or deadline passes; connections still open then
// are closed with ErrDrainTimeout (counted in Stats.Forced). It returns when
// every worker has released its ring, sockets and buffers, with the first
// fatal worker error if any.
// Calling it again (or concurrently) waits for the same shutdown; a later
// call may shorten the deadline.
func (s *Server) Drain(deadline time.Time) error {
	for _, w := range s.workers {
		w.requestDrain(deadline)
	}
	<-s.done
	return s.Err()
}

// Close is Drain with a deadline of now: connections are closed at once
// (those with a send in flight once it is cancelled).
func (s *Server) Close() error { return s.Drain(time.Now()) }

// Stats sums the workers' counters.
func (s *Server) Stats() Stats {
	var t Stats
	for _, w := range s.workers {
		st := &w.stats
		t.Accepted += st.accepted.Load()
		t.Rejected += st.rejected.Load()
		t.Closed += st.closed.Load()
		t.Timeouts += st.timeouts.Load()
		t.ENOBUFS += st.enobufs.Load()
		t.PartialSends += st.partial.Load()
		t.Sends += st.sends.Load()
		t.Forced += st.forced.Load()
	}
	t.Live = int64(t.Accepted) - int64(t.Closed)
	return t
}

// lockThread pins the calling goroutine to its OS thread for the ring's
// life (SINGLE_ISSUER and DEFER_TASKRUN rings only accept io_uring_enter from
// the thread that created them).
func lockThread() { runtime.LockOSThread() }
