// Package transport defines the contract between a transport (the io_uring
// event loop in pkg/server/loop, or the portable pkg/server/netpoll) and the
// sans-I/O protocol code of one connection (HTTP/1.1 now; TLS and HTTP/2 later).
//
// A transport owns sockets, buffers and timers. For each accepted connection it
// asks a Factory for a Conn and then drives it from a single goroutine (the
// worker's loop): bytes in through Recv, bytes out through Pending/Written.
// Conn methods are never called concurrently and never block.
package transport

import (
	"net/netip"
	"time"
)

// Conn is the protocol side of one connection.
type Conn interface {
	// Recv hands over bytes received from the peer and returns how many were
	// consumed. Unconsumed bytes are presented again, followed by newer data,
	// on the next call. The slice is only valid during the call.
	Recv(p []byte) (consumed int)
	// Pending appends the output waiting to be sent to iov and returns it.
	// The slices may point into an archive mapping; they stay valid and
	// unchanged until Written reports them sent.
	Pending(iov [][]byte) [][]byte
	// Written reports that the first n bytes of the pending output were sent.
	Written(n int)
	// Status tells the transport what to do next; it is read after every
	// call into the Conn.
	Status() Status
	// Timeout reports that the deadline from Status passed without progress.
	Timeout()
	// Resume is called on the loop after Waker.Wake, for work that finished
	// off the loop (a TLS handshake, a script's pending helper).
	Resume()
	// Drain asks the connection to finish in-flight requests and then close
	// (graceful shutdown, reload of the transport).
	Drain()
	// Close releases the Conn; it is called exactly once, after which no other
	// method is called. err is nil for an orderly close.
	Close(err error)
}

// Status is what a Conn wants from its transport.
type Status struct {
	// Close: close the socket once Pending is empty.
	Close bool
	// PauseRead: stop delivering input (back-pressure) until the next Status
	// says otherwise.
	PauseRead bool
	// Timeout is the time allowed for the next progress (input when waiting
	// for a request, output when sending); zero means no timer.
	Timeout time.Duration
}

// Info describes an accepted connection.
type Info struct {
	Local, Remote netip.AddrPort
	Worker        int   // index of the worker that owns the connection
	Waker         Waker // wakes this connection on its loop from any goroutine
}

// Waker schedules Conn.Resume on the connection's loop. It is safe to call
// from any goroutine, any number of times; wakes may be coalesced.
type Waker interface {
	Wake()
}

// Factory creates the protocol side of a new connection.
type Factory func(Info) Conn
