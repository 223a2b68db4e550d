package server

import (
	"errors"
	"fmt"
	"net"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/loop"
	"zeroserve.dev/zeroserve/pkg/server/transport"
)

const uringName = loop.Name

// uringSupported says why the io_uring loop cannot run here, or nil.
func uringSupported() error { return loop.Supported() }

// uringRun adapts loop.Server to running.
type uringRun struct{ srv *loop.Server }

func (s *Server) startUring(ls listenSpec, f transport.Factory) (running, error) {
	log := s.cfg.Log
	srv, err := loop.Start(loop.Config{
		Workers:      s.cfg.Workers,
		Addrs:        ls.addrs,
		Files:        ls.files,
		Factory:      f,
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
	err := r.srv.Drain(dl)
	if errors.Is(err, loop.ErrDrainTimeout) {
		return errors.New("drain deadline passed; closed the remaining connections")
	}
	return err
}
