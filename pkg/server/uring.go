package server

import (
	"errors"
	"fmt"

	"zeroserve.dev/zeroserve/pkg/server/transport"
	"zeroserve.dev/zeroserve/pkg/server/uring"
)

const uringName = "io_uring"

// errNoLoop reports that this build has no io_uring event loop to run.
var errNoLoop = errors.New("the io_uring event loop (pkg/server/loop) is not part of this build yet")

// uringSupported says why the io_uring loop cannot run here, or nil.
func uringSupported() error {
	if err := uring.Supported(); err != nil {
		return err
	}
	return errNoLoop
}

func (s *Server) startUring(ls listenSpec, f transport.Factory) (running, error) {
	return nil, fmt.Errorf("start io_uring: %w", errNoLoop)
}
