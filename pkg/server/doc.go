// Package server is the zeroserve runtime: it serves a site archive over
// HTTP/1.1 and HTTP/2, plain and TLS, on a transport (the per-core io_uring
// loops of pkg/server/loop or the portable pkg/server/netpoll) and swaps
// archives on reload.
//
// Config describes what to serve and how; Serve runs until its context ends,
// then drains. Reload builds a new Generation from the archive path and swaps
// it in atomically; Swap does the same with an archive already open (an
// in-memory build, archive.OpenBytes). Ready, Addrs and URLs tell where
// Serve listens (port 0 resolved).
//
// # Listeners and protocols
//
// One transport instance serves every listener: Workers loops (worker
// indexes 0..Workers-1), each accepting on the plain and the TLS listeners
// alike, with a transport.Factory per listener group (listeners.go). A
// plain connection starts as a detectConn (detect.go) that tells the h2c
// preface (RFC 9113 §3.3) from HTTP/1.1 by the first bytes, within the
// header timeout of the first byte; with DisableHTTP2 it is an HTTP/1.1
// conn from the start. A TLS connection is a pkg/server/tlsrec Conn: the
// handshake runs in crypto/tls off the loop, then ALPN picks HTTP/2 (h2.go)
// or HTTP/1.1 (tls.go); with ValidateHostnames, or when the client sent
// SNI, a request for another host gets 421.
//
// # HTTP/1.1 connections
//
// Each HTTP/1.1 connection is a conn, the transport.Conn both transports
// drive (inside tlsrec's Conn under TLS). It parses requests with pkg/server/http1 straight from the
// transport's buffer, answers them with pkg/server/static, and queues each
// response as iovecs: the head rendered into a per-connection buffer, the
// body as slices of the archive mapping (never copied). Pipelined requests
// are answered in order; at most 32 responses wait per connection, then
// reading pauses (back-pressure), and the queue drops what was sent as it
// goes, so a client that never lets it empty holds no more than that. Request bodies are read and discarded
// (static serving needs none); Expect: 100-continue is answered with the
// final response and a close. Framing errors get a short text response with
// Connection: close. Timeouts: the whole head within HeaderTimeout of its
// first byte (408), body progress within BodyTimeout (408), IdleTimeout
// between requests (silent close), each response sent within WriteTimeout
// (close). After warm-up the request path does not allocate.
//
// # HTTP/2 connections
//
// An HTTP/2 connection is a pkg/server/http2 Conn with an h2handler
// (h2.go): each stream's request goes through the same exchange as an
// HTTP/1.1 request, its generation pinned by the stream's Hold until the
// response was written or the stream ended. Request bodies are bounded by
// MaxBodyBytes as for HTTP/1.1.
//
// # Scripts
//
// A generation whose archive has request scripts loads them with
// pkg/server/script when it is built (a script that fails to load fails the
// generation: New returns the error, Reload keeps the current one). Each
// request then goes through exchange (pipeline.go), the protocol-neutral
// part of answering: the script chain on the chain's own copy of the
// request, static serving on the request it left, <zs-meta> templates and
// zs.response.header.* fields. Every worker has its own script.Runner per
// generation (created by the worker's first request, closed with the
// generation); under netpoll, where one worker index is shared by several
// connection goroutines, the Runner is used under a mutex. A chain that
// uses up its slice yields: the conn stops reading (pipelined requests wait
// in order), calls its Waker, and continues the chain from Resume on the
// loop's next turn, so the worker's other connections are served in
// between. The request path stays allocation-free for script answers,
// fall-through static requests and templates.
//
// # Generations
//
// A Generation is immutable: the archive mapping and everything derived from
// it when it was opened. The server keeps the current one in an atomic
// pointer. Every request pins the generation it started with (Acquire) and
// releases it when the last byte of its response has been written (the body
// iovecs point into the mapping, so the pin also covers in-flight sends).
// A generation's archive is closed when it is no longer current and no pin is
// left. A failed reload keeps the current generation.
//
// # Endpoints
//
// Config.Endpoint (endpoint.go), when set, is asked about requests under
// EndpointPrefix ("/.zeroserve/", never served from an archive) before
// scripts and static serving, on HTTP/1.1 (plain or TLS) and HTTP/2
// streams (h2c or TLS). It answers with a response or with a Stream whose
// body is whatever the Stream's owner queues, appended on the loop each
// time it wakes the connection, with no idle deadline, until the owner
// ends it, the client leaves (or resets the stream) or the server drains.
// On HTTP/1.1 the head goes out without Content-Length and with
// "Connection: close"; on HTTP/2 the stream is an http2.BodyStream sent
// within the flow-control windows, and it pins no generation.
// `zspack dev` serves its live-reload events this way. With a nil
// Endpoint the connection is not wrapped at all.
//
// # Access log
//
// The event loops hand AccessRecord values (inline arrays, no pointers into
// request buffers) to one writer goroutine through a bounded channel; a full
// channel drops the record and counts it, so logging never blocks a loop.
package server
