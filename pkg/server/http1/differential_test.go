package http1

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httputil"
	"slices"
	"testing"
)

// FuzzParseDifferential compares Parse with net/http's request reader on
// what matters for request smuggling: when both accept a head, they agree on
// the method, the target and how the body is delimited (RFC 9112 §6.3).
func FuzzParseDifferential(f *testing.F) {
	f.Add([]byte(browserRequest))
	f.Add([]byte("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"))
	f.Add([]byte("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n"))
	f.Add([]byte("POST / HTTP/1.0\r\nContent-Length: 0012\r\n\r\n"))
	f.Add([]byte("PUT /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var req Request
		n, err := Parse(in, &req, Limits{})
		if err != nil {
			return
		}
		g, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(in[:n])))
		if err != nil {
			return // net/http is stricter here; only disagreement matters
		}
		if g.Method != string(req.Method) || g.RequestURI != string(req.Target) {
			t.Fatalf("%q: net/http %s %s, Parse %s %s", in[:n], g.Method, g.RequestURI, req.Method, req.Target)
		}
		chunked := slices.Contains(g.TransferEncoding, "chunked")
		switch req.Framing {
		case BodyChunked:
			if !chunked {
				t.Fatalf("%q: Parse chunked, net/http TE %v CL %d", in[:n], g.TransferEncoding, g.ContentLength)
			}
		case BodyLength:
			if chunked || g.ContentLength != req.ContentLength {
				t.Fatalf("%q: Parse length %d, net/http TE %v CL %d", in[:n], req.ContentLength, g.TransferEncoding, g.ContentLength)
			}
		case BodyNone:
			if chunked || g.ContentLength > 0 {
				t.Fatalf("%q: Parse no body, net/http TE %v CL %d", in[:n], g.TransferEncoding, g.ContentLength)
			}
		}
	})
}

// FuzzChunkedDifferential compares the chunked decoder with net/http's:
// a body both accept decodes to the same bytes.
func FuzzChunkedDifferential(f *testing.F) {
	f.Add([]byte("5;a=b\r\nhello\r\n0\r\nX: y\r\n\r\n"))
	f.Add([]byte("3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"))
	f.Add([]byte("0003 ;x\r\nabc\r\n0\r\n\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		body, _, err := decodeAll(in, len(in)+1, 1<<16)
		if err != nil {
			return
		}
		g, gerr := io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(in)))
		if gerr != nil {
			return
		}
		if !bytes.Equal(body, g) {
			t.Fatalf("%q: decoded %q, net/http %q", in, body, g)
		}
	})
}
