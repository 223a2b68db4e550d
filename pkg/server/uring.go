package server

import (
	"errors"
	"fmt"
	"net"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/loop"
)

const uringName = loop.Name

// uringSupported says why the io_uring loop cannot run here, or nil.
func uringSupported() error { return loop.Supported() }

// uringRun adapts loop.Server to running.
type uringRun struct{ srv *loop.Server }

// startUring runs every group's listeners on one set of loops: each
// worker accepts on all of them.
func (s *Server) startUring(groups []listenGroup) (running, error) {
	log := s.cfg.Log
	var lns []loop.Listener
	for _, g := range groups {
		for _, a := range g.ls.addrs {
			lns = append(lns, loop.Listener{Addr: a, Factory: g.factory})
		}
		for _, f := range g.ls.files {
			lns = append(lns, loop.Listener{File: f, Factory: g.factory})
		}
	}
	srv, err := loop.Start(loop.Config{
		Workers:      s.cfg.Workers,
		Listeners:    lns,
		MaxInput:     max(1<<20, 2*s.opts.lim.MaxHead()),
		DrainTimeout: s.cfg.DrainTimeout,
		Logf:         func(format string, args ...any) { log.Warn("io_uring: " + fmt.Sprintf(format, args...)) },
	})
	if err != nil {
		return nil, err
	}
	return uringRun{srv}, nil
}

func (r uringRun) addrs() []net.Addr       { return r.srv.Addrs() }
func (r uringRun) failed() <-chan struct{} { return r.srv.Done() }
func (r uringRun) shutdown(dl time.Time) error {
	if err := r.srv.Drain(dl); err != nil {
		return err
	}
	if r.srv.Stats().Forced > 0 {
		return errors.New("drain deadline passed; closed the remaining connections")
	}
	return nil
}
