// Package netpoll is the portable transport: it drives the same sans-I/O
// protocol code as the io_uring loop (pkg/server/loop), over package net.
//
// A Transport accepts on any number of net.Listeners and runs one goroutine
// per connection. That goroutine owns the connection's transport.Conn and
// calls it exactly as the loop does: Recv with the bytes read, Pending and
// Written around a vectored write (net.Buffers → writev), Status after every
// call, Timeout when the deadline from Status passes, Resume after the Waker
// fired, Drain on shutdown (and once after the peer's EOF, when the Conn
// takes no more input and has nothing to send: the responses to what it
// received still go out) and Close once at the end. Timeouts are socket
// deadlines; a Waker sets a flag and interrupts a blocked read by moving the
// read deadline into the past.
//
// It is used where io_uring is missing or forbidden (other operating systems,
// containers whose seccomp profile blocks io_uring, io_uring_disabled=2) and
// with --transport netpoll.
package netpoll
