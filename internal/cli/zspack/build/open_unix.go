//go:build unix

package build

import "syscall"

// openFlags open a site file for reading without following a symlink
// swapped in after the walk checked it (O_NOFOLLOW), and without blocking
// on a FIFO swapped in (O_NONBLOCK; it does not change reads of a regular
// file, and anything else is refused after the open).
const openFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK
