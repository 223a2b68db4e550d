// Package loop is the io_uring transport: one event loop per worker, each a
// goroutine locked to its OS thread that owns one io_uring instance, its
// listening sockets and every connection it accepted.
//
// Start creates the listeners (one SO_REUSEPORT socket per worker and
// address, or pre-opened listener fds shared by all workers; each listener
// with its own transport.Factory, so plain and TLS listeners share the
// same loops), sets up each worker's ring on its own thread and starts
// serving; Drain stops accepting,
// asks every connection to finish (transport.Conn.Drain), waits for them
// until a deadline and then closes what is left; Run wraps both around a
// context.
//
// Per worker: a multishot accept per listener, a multishot recv per
// connection on a provided buffer ring, at most one sendmsg in flight per
// connection with iovecs taken from Conn.Pending, a hashed timer wheel driven
// by the loop itself (no SQE per timer), and an eventfd read that carries
// wakes (transport.Waker) and control messages from other goroutines. Every
// SQE's user_data holds an op, the connection slot and the slot's
// generation, so completions for a slot that was freed and reused are
// ignored. The request path allocates nothing; the loop blocks only in
// io_uring_enter.
//
// A peer's EOF means no more requests: the connection is not closed while
// its Conn pauses reading (a yielded script, a handshake in progress); once
// it takes no more input and has nothing to send it gets one Drain, and it
// closes when its Status says Close (unconsumed input at that point closes
// it with io.ErrUnexpectedEOF).
//
// An orderly close lingers (nginx's lingering_close): the Conn is closed,
// the write side shut down, and input discarded until the peer's EOF,
// Config.LingerBytes or Config.Linger (or a Drain deadline), so that a
// peer still sending gets our last response, not a reset.
//
// Lifetimes: bytes handed to Conn.Recv live in a ring buffer that is given
// back to the kernel when Recv returns (unconsumed bytes are copied to a
// per-connection staging buffer). Slices returned by Conn.Pending are
// referenced by the kernel until the send completes; a connection is not
// closed (Conn.Close is not called) while a send is in flight.
package loop
