//go:build !linux

package loop

import (
	"net"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/uring"
)

// Supported reports why the io_uring transport cannot run here.
func Supported() error { return uring.Supported() }

// Server is unavailable on this platform.
type Server struct{ cfg Config }

// Start returns uring.ErrNotSupported (wrapped).
func Start(cfg Config) (*Server, error) { return nil, uring.Supported() }

// Addrs returns nothing.
func (s *Server) Addrs() []net.Addr { return nil }

// Drain does nothing.
func (s *Server) Drain(time.Time) error { return nil }

// Close does nothing.
func (s *Server) Close() error { return nil }

// Done returns a closed channel.
func (s *Server) Done() <-chan struct{} { c := make(chan struct{}); close(c); return c }

// Stats returns zeros.
func (s *Server) Stats() Stats { return Stats{} }
