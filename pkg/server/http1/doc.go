// Package http1 is zeroserve's HTTP/1.1 codec. It is sans-I/O: it turns bytes
// into parsed requests and responses into bytes, and never touches a socket,
// a clock or the heap on the request path. The connection state machine that
// feeds it lives in pkg/server.
//
// # Requests
//
// [Parse] is a pure function over a byte slice. It either reports
// [ErrNeedMore] (every strict prefix of a valid request head does), or returns
// the number of bytes of the request head and fills a [Request] whose slices
// point into the input, or returns an [*Error] carrying the status to answer
// (400, 413, 414, 431, 501, 505). Every Error means "answer with Status and
// close the connection": after a framing error the byte stream can no longer
// be trusted.
//
// The parser is strict wherever leniency has enabled request smuggling
// (RFC 9112 §6.3, §11.2):
//
//   - Content-Length together with Transfer-Encoding: 400.
//   - Content-Length repeated, even with identical values, or not a plain
//     decimal number (no sign, space, comma list or more than 18 digits): 400.
//   - Transfer-Encoding: only exactly "chunked" is accepted. A syntactically
//     valid list naming any other coding gets 501; "chunked" twice or not last,
//     an empty or malformed list, a repeated Transfer-Encoding field or
//     Transfer-Encoding on HTTP/1.0 get 400.
//   - obs-fold (a line starting with SP or HTAB, including whitespace before
//     the first field), whitespace before the colon, bytes outside tchar in
//     names and outside field-vchar/SP/HTAB in values: 400.
//   - Line endings must be CRLF. A bare LF (RFC 9112 §2.2 allows, but does not
//     require, accepting it) and a bare CR are both rejected with 400: a
//     front end that treats them differently is exactly the desync we refuse.
//   - HTTP/1.1 without exactly one Host field, or any request with more than
//     one, is 400. For absolute-form targets the authority of the target
//     replaces Host (RFC 9112 §3.2.3).
//   - HTTP/1.2 to HTTP/1.9 are read as HTTP/1.1 (RFC 9110 §6.2); other
//     major versions get 505; anything that is not "HTTP/" DIGIT "." DIGIT
//     gets 400.
//
// Field names may contain any tchar, '_' included; "Content_Length" is just
// another field and is never mapped to "Content-Length".
// Leading empty lines before the request line are skipped (RFC 9112 §2.2).
// An Expect value other than 100-continue is ignored.
//
// Limits ([Limits]): request line 8 KiB (414), header section 16 KiB and 100
// fields (431), body 1 MiB by default (413). The limits are enforced on
// incomplete input too, so a connection buffer never needs to hold more than
// [Limits.MaxHead] bytes.
//
// A head is validated once its terminating blank line is buffered. Before
// that, Parse answers [ErrNeedMore] after one IndexByte per line, refusing
// only what reading on cannot repair: the limits, a bare LF, obs-fold and an
// invalid method in an unfinished request line. Other errors in a partial
// head (a NUL in a field, CL with TE, ...) are reported when it is complete.
// So a head sent one byte per segment does not cost a full parse per byte.
//
// # Bodies
//
// [Body] accounts for a Content-Length body or decodes a chunked one
// incrementally, returning data as sub-slices of its input (no copy). Chunk
// sizes are at most 16 hex digits without sign or space, chunk extensions and
// trailers are bounded and discarded, and the ratio of framing to data is
// limited. For Expect: 100-continue, write [Continue100] before reading the
// body only when the body is actually wanted and none of it has arrived.
//
// # Responses
//
// [AppendResponseHead] appends the status line and the connection-level
// fields (Date, Server, Connection) to a caller buffer; the caller appends its
// own fields (for static files: static.Response.AppendFields) and [EndHead].
// [DateCache] holds the Date value and reformats it at most once per second
// of the clock the caller passes in. [AppendError] renders a complete short
// error response for an [*Error].
//
// Pipelining is the connection's job: parse the next request from the bytes
// after the current one, and queue responses in request order.
package http1
