package uring

// Prep methods fill an SQE obtained from Ring.GetSQE. Each sets the opcode,
// the operands and the user data; callers may add Flags afterwards.

// PrepNop prepares a no-op.
func (s *SQE) PrepNop(userData uint64) {
	s.Opcode, s.Fd, s.UserData = OpNop, -1, userData
}

// PrepMultishotAccept prepares a multishot accept on listening socket fd:
// one completion per accepted connection (Res = new fd) with CQEFMore while
// it stays armed. flags are accept4 flags (SOCK_NONBLOCK, SOCK_CLOEXEC).
func (s *SQE) PrepMultishotAccept(fd int, flags uint32, userData uint64) {
	s.Opcode, s.Fd, s.OpFlags, s.UserData = OpAccept, int32(fd), flags, userData
	s.IOPrio |= acceptMultishot
}

// PrepMultishotRecv prepares a multishot receive on fd whose buffers come
// from buffer group group (SQEBufferSelect); each completion names its buffer.
func (s *SQE) PrepMultishotRecv(fd int, group uint16, userData uint64) {
	s.Opcode, s.Fd, s.UserData = OpRecv, int32(fd), userData
	s.Flags |= SQEBufferSelect
	s.BufIndex = group
	s.IOPrio |= recvMultishot
}

// PrepClose prepares a close of fd.
func (s *SQE) PrepClose(fd int, userData uint64) {
	s.Opcode, s.Fd, s.UserData = OpClose, int32(fd), userData
}

// PrepShutdown prepares shutdown(fd, how).
func (s *SQE) PrepShutdown(fd int, how int, userData uint64) {
	s.Opcode, s.Fd, s.Len, s.UserData = OpShutdown, int32(fd), uint32(how), userData
}

// PrepCancel prepares a cancel of the request with user data target.
func (s *SQE) PrepCancel(target uint64, flags uint32, userData uint64) {
	s.Opcode, s.Fd, s.Addr, s.OpFlags, s.UserData = OpAsyncCancel, -1, target, flags, userData
}

// PrepCancelFD prepares a cancel of every request on fd (CancelFD|CancelAll).
func (s *SQE) PrepCancelFD(fd int, userData uint64) {
	s.Opcode, s.Fd, s.OpFlags, s.UserData = OpAsyncCancel, int32(fd), CancelFD|CancelAll, userData
}
