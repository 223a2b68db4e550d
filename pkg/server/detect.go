package server

import (
	"bytes"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/http1"
	"zeroserve.dev/zeroserve/pkg/server/http2"
	"zeroserve.dev/zeroserve/pkg/server/transport"
)

// detectConn is the protocol side of a plain connection until its first
// bytes tell HTTP/2 with prior knowledge (the h2c preface, RFC 9113 §3.3)
// from HTTP/1.1; from then on it delegates every call to the chosen Conn.
type detectConn struct {
	s        *Server
	info     transport.Info
	inner    transport.Conn
	draining bool // Drain before anything arrived: close
	timedOut bool
	partial  bool      // a prefix of the preface arrived
	start    time.Time // when the first bytes arrived
	now      time.Time // clock read at the last Recv
}

// newDetect is the transport.Factory of plain listeners with HTTP/2 on.
func (s *Server) newDetect(info transport.Info) transport.Conn {
	return &detectConn{s: s, info: info}
}

// Recv implements transport.Conn.
func (d *detectConn) Recv(p []byte) int {
	if d.inner == nil {
		if d.draining || d.timedOut {
			return len(p)
		}
		d.now = d.s.cfg.Now()
		if !d.partial {
			d.start = d.now
		}
		switch http2.MatchPreface(p) {
		case 0:
			d.partial = len(p) > 0
			return 0 // a prefix of the preface: wait for more
		case 1:
			d.inner = d.s.newH2(d.info, hostCheck{})
		default:
			switch looksHTTP1(p) {
			case 0:
				d.partial = true
				return 0
			case -1:
				// Neither protocol (h2spec 3.5/2 sends "INVALID
				// CONNECTION PREFACE"): close without an answer.
				d.timedOut = true
				return len(p)
			}
			d.inner = d.s.newConn(d.info)
		}
	}
	return d.inner.Recv(p)
}

// looksHTTP1 tells an HTTP/1.x request from garbage by its first line:
// 1 when it starts with a common method and a space or its first line ends
// with an HTTP version ("... HTTP/1.1") or is over the request line limit,
// -1 when the first line is complete without a version, 0 when more is
// needed.
// Anything judged HTTP/1 gets the HTTP/1.1 parser's verdict (400, 405...).
func looksHTTP1(p []byte) int {
	for _, m := range commonMethods {
		if len(p) > len(m) && string(p[:len(m)]) == m && p[len(m)] == ' ' {
			return 1
		}
	}
	i := bytes.IndexByte(p, '\n')
	if i < 0 {
		if len(p) > http1.DefaultMaxRequestLine {
			return 1 // the HTTP/1.1 parser answers 414
		}
		return 0
	}
	line := bytes.TrimSuffix(p[:i], []byte{'\r'})
	if j := bytes.LastIndexByte(line, ' '); j >= 0 && bytes.HasPrefix(line[j+1:], []byte("HTTP/")) {
		return 1
	}
	return -1
}

var commonMethods = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT"}

// Pending implements transport.Conn.
func (d *detectConn) Pending(iov [][]byte) [][]byte {
	if d.inner == nil {
		return iov
	}
	return d.inner.Pending(iov)
}

// Written implements transport.Conn.
func (d *detectConn) Written(n int) {
	if d.inner != nil {
		d.inner.Written(n)
	}
}

// Status implements transport.Conn: before the first byte the idle
// timeout applies, as on a fresh HTTP/1.1 connection; after part of the
// preface, what is left of the header timeout since the first byte (more
// bytes that still decide nothing do not extend it).
func (d *detectConn) Status() transport.Status {
	if d.inner == nil {
		if d.draining || d.timedOut {
			return transport.Status{Close: true, PauseRead: true}
		}
		if d.partial {
			return transport.Status{Timeout: remaining(d.s.cfg.HeaderTimeout, d.now.Sub(d.start))}
		}
		return transport.Status{Timeout: d.s.cfg.IdleTimeout}
	}
	return d.inner.Status()
}

// Timeout implements transport.Conn.
func (d *detectConn) Timeout() {
	if d.inner == nil {
		d.timedOut = true
		return
	}
	d.inner.Timeout()
}

// Resume implements transport.Conn.
func (d *detectConn) Resume() {
	if d.inner != nil {
		d.inner.Resume()
	}
}

// Drain implements transport.Conn.
func (d *detectConn) Drain() {
	if d.inner == nil {
		d.draining = true
		return
	}
	d.inner.Drain()
}

// Close implements transport.Conn.
func (d *detectConn) Close(err error) {
	if d.inner != nil {
		d.inner.Close(err)
	}
}
