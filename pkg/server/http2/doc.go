// Package http2 is the server side of HTTP/2 (RFC 9113), sans-I/O: a
// frame codec and a connection/stream state machine that turn received
// bytes into requests for a Handler and responses into output bytes. It
// implements transport.Conn, so the io_uring loop and netpoll drive it
// like the HTTP/1.1 connection; TLS (ALPN "h2") or h2c with prior
// knowledge (see MatchPreface) decide when to create one with NewConn.
// Header compression is golang.org/x/net/http2/hpack's decoder; response
// field blocks are encoded here without the dynamic table.
//
// # Frames
//
// ParseFrame parses one frame from a byte slice without copying its
// payload and checks every size, flag and stream-id rule of RFC 9113 §4
// and §6, returning a *ConnectionError or a *StreamError; an incomplete
// frame is ErrNeedMore. The Append* functions write frames.
//
// # Requests and responses
//
// A request is dispatched once complete (END_STREAM, after any trailers):
// the Handler gets a Request view (pseudo-headers, fields, buffered body;
// valid only during the call) and fills a Response: status, fields, and a
// body as slices that are referenced, not copied (Response.Body), or
// copied (Response.Write). Response.Hold is released once the referenced
// slices are no longer needed, so a generation pinning an archive mapping
// stays mapped until its DATA was written. The writer adds date and
// server fields and drops connection-specific ones. A Handler whose work
// pauses (a script using up its slice) calls Response.Suspend and
// implements Resumer: the Conn wakes its loop through the Waker given to
// NewConn and calls ResumeHTTP2 from Conn.Resume until the response is
// ready; a stream reset meanwhile releases Response.Hold instead.
// Response.Abort resets the stream. A Response with a Stream (BodyStream)
// has a body that goes on after the Handler returned (Server-Sent Events):
// the Conn asks it for more from every Resume, until it ends, the
// connection drains, or the stream is reset (which releases Hold).
//
// # Output
//
// Everything the connection sends goes into one output queue: control
// frames, HEADERS and DATA frame headers are appended to one buffer, and
// body slices longer than 512 octets become iovecs of their own, so the
// frames of many streams leave in as few writes (and TLS records) as
// possible. DATA is scheduled round robin over streams within the
// client's connection and stream windows and its MAX_FRAME_SIZE.
//
// # Limits
//
//   - Rapid Reset (CVE-2023-44487) and MadeYouReset (CVE-2025-8671): client
//     RST_STREAMs, the resets the server sends because of client errors,
//     and refused streams share one budget per time window
//     (Config.MaxResets); beyond it, GOAWAY(ENHANCE_YOUR_CALM).
//   - CONTINUATION floods (CVE-2023-45288): the encoded octets of a field
//     block and its CONTINUATION count are capped; fragments are decoded
//     as they arrive, never buffered.
//   - HPACK bombs: decoded field sizes are summed as they are emitted; past
//     MaxHeaderListSize decoding continues only to keep the table in sync
//     (no strings materialised) and the request gets 431.
//   - Buffered request bodies: at most MaxRequestBody per stream and
//     MaxBufferedBody per connection; the stream that would go over the
//     connection's budget is refused (REFUSED_STREAM, counted as a reset).
//   - Control-frame floods: PING, SETTINGS, PRIORITY, unknown and empty
//     frames per window are capped; unsent output above MaxPendingOutput
//     stops reading, bounding queued acknowledgements.
//   - Zero-window stalls: a response blocked by a stream window for
//     StallTimeout is reset; a connection window stuck at zero that long
//     ends the connection.
//   - Streams left open: a request that received nothing for BodyTimeout
//     is answered 408 and reset, so PINGs cannot keep MaxConcurrentStreams
//     field blocks and bodies held.
//   - A client that does not acknowledge our SETTINGS within
//     SettingsTimeout gets GOAWAY(SETTINGS_TIMEOUT) (RFC 9113 §6.5.3).
package http2
