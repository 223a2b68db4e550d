package uring

import "errors"

// ErrNotSupported is returned (wrapped, with the reason) when io_uring cannot
// be used: not Linux, disabled by sysctl, blocked by seccomp, or a kernel too
// old for the ops the loop needs.
var ErrNotSupported = errors.New("io_uring not supported")

// Op is an io_uring opcode (enum io_uring_op).
type Op uint8

// Opcodes used by zeroserve (values from linux/io_uring.h).
const (
	OpNop         Op = 0
	OpWritev      Op = 2
	OpPollAdd     Op = 6
	OpSendmsg     Op = 9
	OpTimeout     Op = 11
	OpAccept      Op = 13
	OpAsyncCancel Op = 14
	OpClose       Op = 19
	OpRead        Op = 22
	OpSend        Op = 26
	OpRecv        Op = 27
	OpShutdown    Op = 34
	OpSendZC      Op = 47
)

// Setup flags (IORING_SETUP_*).
const (
	SetupCQSize        uint32 = 1 << 3
	SetupClamp         uint32 = 1 << 4
	SetupSubmitAll     uint32 = 1 << 7
	SetupCoopTaskrun   uint32 = 1 << 8
	SetupTaskrunFlag   uint32 = 1 << 9
	SetupSingleIssuer  uint32 = 1 << 12
	SetupDeferTaskrun  uint32 = 1 << 13
	SetupNoSQArray     uint32 = 1 << 16
	setupKnownFallback        = SetupSubmitAll | SetupCoopTaskrun | SetupSingleIssuer | SetupDeferTaskrun
)

// Feature bits reported by the kernel (IORING_FEAT_*).
const (
	FeatSingleMmap   uint32 = 1 << 0
	FeatNoDrop       uint32 = 1 << 1
	FeatSubmitStable uint32 = 1 << 2
	FeatFastPoll     uint32 = 1 << 5
	FeatExtArg       uint32 = 1 << 8
	FeatNativeWorker uint32 = 1 << 9
	FeatCQESkip      uint32 = 1 << 11
)

// SQE flags (IOSQE_*).
const (
	SQEFixedFile     uint8 = 1 << 0
	SQEIODrain       uint8 = 1 << 1
	SQEIOLink        uint8 = 1 << 2
	SQEAsync         uint8 = 1 << 4
	SQEBufferSelect  uint8 = 1 << 5
	SQECQESkipSucces uint8 = 1 << 6
)

// CQE flags (IORING_CQE_F_*).
const (
	CQEFBuffer       uint32 = 1 << 0
	CQEFMore         uint32 = 1 << 1
	CQEFSockNonempty uint32 = 1 << 2
	CQEFNotif        uint32 = 1 << 3
	cqeBufferShift          = 16
)

// Op-specific flags.
const (
	acceptMultishot        = 1 << 0 // IORING_ACCEPT_MULTISHOT, in ioprio
	recvMultishot          = 1 << 1 // IORING_RECV_MULTISHOT, in ioprio
	CancelAll       uint32 = 1 << 0 // IORING_ASYNC_CANCEL_ALL
	CancelFD        uint32 = 1 << 1 // IORING_ASYNC_CANCEL_FD
	CancelAny       uint32 = 1 << 2 // IORING_ASYNC_CANCEL_ANY
)

// SQE is one submission queue entry (struct io_uring_sqe, 64 bytes). The
// unions of the C struct are flattened to their first member; the Prep
// methods fill the right ones.
//
//	0: opcode u8 | flags u8 | ioprio u16 | fd s32
//	8: off / addr2 u64
//	16: addr u64
//	24: len u32 | op flags u32 (msg_flags, accept_flags, cancel_flags ...)
//	32: user_data u64
//	40: buf_index / buf_group u16 | personality u16 | file_index s32
//	48: addr3 u64 | pad u64
type SQE struct {
	Opcode      Op
	Flags       uint8
	IOPrio      uint16
	Fd          int32
	Off         uint64
	Addr        uint64
	Len         uint32
	OpFlags     uint32
	UserData    uint64
	BufIndex    uint16
	Personality uint16
	FileIndex   int32
	Addr3       uint64
	_           uint64
}

// CQE is one completion (struct io_uring_cqe without the CQE32 tail).
type CQE struct {
	UserData uint64
	Res      int32
	Flags    uint32
}

// More reports IORING_CQE_F_MORE: the multishot request stays armed.
func (c *CQE) More() bool { return c.Flags&CQEFMore != 0 }

// Buffer returns the provided-buffer id of the completion and whether one was
// selected (IORING_CQE_F_BUFFER).
func (c *CQE) Buffer() (bid uint16, ok bool) {
	return uint16(c.Flags >> cqeBufferShift), c.Flags&CQEFBuffer != 0
}

// Options configures New.
type Options struct {
	// Entries is the SQ size (rounded up to a power of two by the kernel).
	Entries uint32
	// CQEntries, if non-zero, sets the CQ size (IORING_SETUP_CQSIZE).
	CQEntries uint32
	// Flags are the IORING_SETUP_* flags wanted. With Fallback, the flags
	// SetupDeferTaskrun, SetupSingleIssuer, SetupCoopTaskrun and
	// SetupSubmitAll are dropped one by one (in that order) while the kernel
	// answers EINVAL; Ring.Flags reports what was granted.
	Flags    uint32
	Fallback bool
}
