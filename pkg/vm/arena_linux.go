package vm

import "syscall"

// mapArena maps n bytes of private anonymous memory outside the Go heap.
func mapArena(n int) ([]byte, func() error, error) {
	m, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil, nil, err
	}
	return m, func() error { return syscall.Munmap(m) }, nil
}
