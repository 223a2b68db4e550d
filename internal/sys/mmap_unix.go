//go:build unix

package sys

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// MapFile maps the whole of f read-only and returns the mapping. Release it
// with Unmap. An empty file yields an empty, non-nil slice and no mapping.
func MapFile(f *os.File) ([]byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat: %w", err)
	}
	size := fi.Size()
	if size == 0 {
		return []byte{}, nil
	}
	if size < 0 || size != int64(int(size)) {
		return nil, fmt.Errorf("mmap: file too large (%d bytes)", size)
	}
	b, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mmap: %w", err)
	}
	return b, nil
}

// Unmap releases a mapping returned by MapFile.
func Unmap(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if err := unix.Munmap(b); err != nil {
		return fmt.Errorf("munmap: %w", err)
	}
	return nil
}

// Mapped reports whether MapFile uses a real memory mapping on this platform.
const Mapped = true
