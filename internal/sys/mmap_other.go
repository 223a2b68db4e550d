//go:build !unix

package sys

import (
	"fmt"
	"io"
	"os"
)

// MapFile reads the whole of f into memory: this platform has no mmap
// binding here. The result behaves like a read-only mapping.
func MapFile(f *os.File) ([]byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat: %w", err)
	}
	b := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	return b, nil
}

// Unmap releases a buffer returned by MapFile (a no-op: the GC frees it).
func Unmap(b []byte) error { return nil }

// Mapped reports whether MapFile uses a real memory mapping on this platform.
const Mapped = false
