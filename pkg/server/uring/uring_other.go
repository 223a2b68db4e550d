//go:build !linux

package uring

import (
	"fmt"
	"runtime"
)

// Supported reports why io_uring cannot be used: this is not Linux.
func Supported() error {
	return fmt.Errorf("%w: %s is not Linux", ErrNotSupported, runtime.GOOS)
}

// Ring is unavailable on this platform.
type Ring struct{}

// New returns ErrNotSupported.
func New(Options) (*Ring, error) { return nil, Supported() }

// Close does nothing.
func (r *Ring) Close() error { return nil }
