// Package uring is zeroserve's own io_uring binding, built on
// golang.org/x/sys/unix. It covers what the event loop in pkg/server/loop
// needs and nothing more:
//
//   - Ring: io_uring_setup with parameters and flag fallbacks, mmap of the SQ
//     and CQ rings and the SQE array, SQE allocation (GetSQE), submission and
//     waiting through io_uring_enter (Submit, SubmitAndWait with an EXT_ARG
//     timeout), and CQE reaping by copy (PeekCQEs).
//   - SQE preparation for the ops the loop uses: NOP, multishot ACCEPT,
//     multishot RECV with buffer select, SENDMSG, WRITEV, READ, CLOSE,
//     SHUTDOWN, ASYNC_CANCEL, TIMEOUT.
//   - BufRing: a provided buffer ring (IORING_REGISTER_PBUF_RING) whose memory
//     lives outside the Go heap.
//   - Probe (IORING_REGISTER_PROBE) and Supported, which explains why io_uring
//     cannot be used here (sysctl kernel.io_uring_disabled, seccomp, old
//     kernel).
//
// Ownership and lifetimes: a Ring is used by one goroutine, and when it was
// set up with SetupSingleIssuer (or DeferTaskrun) by one OS thread — lock the
// goroutine with runtime.LockOSThread before New. Memory that an SQE points
// to (a Msghdr, its iovecs and the bytes they point to, a read buffer, a
// Timespec) must be Go heap or mmap memory that stays reachable and unchanged
// until the op's completion has been reaped; the kernel keeps the address.
//
// All code that imports unsafe is in *_unsafe.go files. On non-Linux systems
// every constructor returns ErrNotSupported.
package uring
