//go:build linux

package uring

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// PrepSendmsg prepares sendmsg(fd, msg, flags). msg, its iovecs and the bytes
// they point to must stay alive and unchanged until the completion.
func (s *SQE) PrepSendmsg(fd int, msg *unix.Msghdr, flags uint32, userData uint64) {
	s.Opcode, s.Fd, s.UserData = OpSendmsg, int32(fd), userData
	s.Addr, s.Len, s.OpFlags = uint64(uintptr(unsafe.Pointer(msg))), 1, flags
}

// PrepWritev prepares writev(fd, iov) at the current file position.
func (s *SQE) PrepWritev(fd int, iov []unix.Iovec, userData uint64) {
	s.Opcode, s.Fd, s.UserData = OpWritev, int32(fd), userData
	s.Addr, s.Len, s.Off = uint64(uintptr(unsafe.Pointer(unsafe.SliceData(iov)))), uint32(len(iov)), ^uint64(0)
}

// PrepRead prepares read(fd, buf) at the current file position (for an
// eventfd or a pipe).
func (s *SQE) PrepRead(fd int, buf []byte, userData uint64) {
	s.Opcode, s.Fd, s.UserData = OpRead, int32(fd), userData
	s.Addr, s.Len, s.Off = uint64(uintptr(unsafe.Pointer(unsafe.SliceData(buf)))), uint32(len(buf)), ^uint64(0)
}

// PrepTimeout prepares a timeout that completes with -ETIME after ts, or
// with 0 once count other completions were posted (count 0: time only).
func (s *SQE) PrepTimeout(ts *unix.Timespec, count uint32, userData uint64) {
	s.Opcode, s.Fd, s.UserData = OpTimeout, -1, userData
	s.Addr, s.Len, s.Off = uint64(uintptr(unsafe.Pointer(ts))), 1, uint64(count)
}
