package http1

import (
	"strconv"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/httpfield"
)

// ServerName is the value of the Server field on every response.
const ServerName = "zeroserve"

// ConnField chooses the Connection field a response carries.
type ConnField uint8

const (
	ConnDefault   ConnField = iota // nothing: HTTP/1.1 persistent connection
	ConnClose                      // "Connection: close": the connection ends after this response
	ConnKeepAlive                  // "Connection: keep-alive": HTTP/1.0 persistent connection
)

// ResponseConn returns the Connection field for the response to r, given
// whether the server is going to close the connection anyway (error,
// draining). It also says whether the connection stays open.
func (r *Request) ResponseConn(closing bool) (f ConnField, keepAlive bool) {
	switch {
	case closing || !r.KeepAlive:
		return ConnClose, false
	case r.Minor == 0:
		return ConnKeepAlive, true
	}
	return ConnDefault, true
}

// AppendResponseHead appends the status line and the connection-level fields
// Date (date is a DateCache value), Server and Connection to dst. The caller
// then appends its own field lines (each "Name: value\r\n", e.g. with
// AppendField) and EndHead. The status line always says HTTP/1.1
// (RFC 9110 §6.2).
func AppendResponseHead(dst []byte, status int, date []byte, conn ConnField) []byte {
	dst = AppendStatusLine(dst, status)
	if len(date) > 0 {
		dst = append(dst, "Date: "...)
		dst = append(dst, date...)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "Server: "+ServerName+"\r\n"...)
	switch conn {
	case ConnClose:
		dst = append(dst, "Connection: close\r\n"...)
	case ConnKeepAlive:
		dst = append(dst, "Connection: keep-alive\r\n"...)
	}
	return dst
}

// AppendStatusLine appends "HTTP/1.1 <status> <reason>\r\n".
func AppendStatusLine(dst []byte, status int) []byte {
	if status >= 0 && status < len(statusLines) && statusLines[status] != "" {
		return append(dst, statusLines[status]...)
	}
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	return append(dst, " \r\n"...)
}

// AppendField appends one field line "name: value\r\n". The caller
// guarantees that value holds no CR or LF.
func AppendField(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// EndHead appends the empty line that ends a response head.
func EndHead(dst []byte) []byte { return append(dst, "\r\n"...) }

// AppendError appends a complete response for a request the parser refused:
// the status with a short text body and "Connection: close". Close the
// connection after sending it.
func AppendError(dst []byte, status int, date []byte) []byte {
	body := StatusText(status)
	dst = AppendResponseHead(dst, status, date, ConnClose)
	dst = append(dst, "Content-Type: text/plain; charset=utf-8\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)+1), 10)
	dst = append(dst, "\r\n\r\n"...)
	dst = append(dst, body...)
	return append(dst, '\n')
}

// AppendErrorHead is AppendError for a HEAD request: the same head, no body.
func AppendErrorHead(dst []byte, status int, date []byte) []byte {
	dst = AppendError(dst, status, date)
	return dst[:len(dst)-len(StatusText(status))-1]
}

// StatusText returns the reason phrase of status, or "" when unknown.
func StatusText(status int) string {
	if status < 0 || status >= len(statusLines) || statusLines[status] == "" {
		return ""
	}
	s := statusLines[status]
	return s[len("HTTP/1.1 200 ") : len(s)-2]
}

var statusLines = func() (t [600]string) {
	for code, text := range map[int]string{
		// RFC 9110 §15, plus 429 and 451 (RFC 6585, RFC 7725).
		100: "Continue", 101: "Switching Protocols",
		200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information",
		204: "No Content", 205: "Reset Content", 206: "Partial Content",
		300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other",
		304: "Not Modified", 305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect",
		400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
		404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
		407: "Proxy Authentication Required", 408: "Request Timeout", 409: "Conflict",
		410: "Gone", 411: "Length Required", 412: "Precondition Failed",
		413: "Content Too Large", 414: "URI Too Long", 415: "Unsupported Media Type",
		416: "Range Not Satisfiable", 417: "Expectation Failed", 421: "Misdirected Request",
		422: "Unprocessable Content", 426: "Upgrade Required", 428: "Precondition Required",
		429: "Too Many Requests", 431: "Request Header Fields Too Large",
		451: "Unavailable For Legal Reasons",
		500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
		503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported",
	} {
		t[code] = "HTTP/1.1 " + strconv.Itoa(code) + " " + text + "\r\n"
	}
	return t
}()

// DateCache holds the value of the Date field (RFC 9110 §6.6.1), an
// IMF-fixdate reformatted only when the second changes. It belongs to one
// loop (no locking); the clock is the caller's.
type DateCache struct {
	sec int64
	buf [29]byte
	ok  bool
}

// Value returns the Date value for now. The returned slice is overwritten by
// a later call with another second.
func (d *DateCache) Value(now time.Time) []byte {
	if s := now.Unix(); !d.ok || s != d.sec {
		d.sec, d.ok = s, true
		httpfield.AppendDate(d.buf[:0], s)
	}
	return d.buf[:]
}
