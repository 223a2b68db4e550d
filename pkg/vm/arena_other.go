//go:build !linux

package vm

// mapArena allocates n bytes on the Go heap (portable fallback).
func mapArena(n int) ([]byte, func() error, error) {
	return make([]byte, n), func() error { return nil }, nil
}
