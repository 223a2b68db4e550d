package server

import (
	"errors"
	"log/slog"

	"zeroserve.dev/zeroserve/pkg/server/uring"
)

// errNoLoop reports that this build has no io_uring event loop to run.
var errNoLoop = errors.New("the io_uring event loop (pkg/server/loop) is not part of this build yet")

// newUring returns the io_uring transport with one loop per worker, or why
// it cannot run here.
func newUring(workers int, log *slog.Logger) (Transport, error) {
	if err := uring.Supported(); err != nil {
		return nil, err
	}
	return nil, errNoLoop
}
