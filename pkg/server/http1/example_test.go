package http1_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/server/http1"
	"zeroserve.dev/zeroserve/pkg/server/static"
)

// conn is the shape of the HTTP/1 side of a transport.Conn: parse every
// complete request in the input (pipelining), answer each in order.
type conn struct {
	req   http1.Request
	sreq  static.Request
	resp  static.Response
	dates http1.DateCache
	out   []byte
	lim   http1.Limits
	h     *static.Handler
	now   time.Time
}

// serve consumes as many requests from in as are complete and appends their
// responses to c.out. It reports the bytes consumed and whether to close.
func (c *conn) serve(in []byte) (consumed int, closing bool) {
	for {
		n, err := http1.Parse(in[consumed:], &c.req, c.lim)
		if err == http1.ErrNeedMore {
			return consumed, false
		}
		date := c.dates.Value(c.now)
		if err != nil {
			c.out = http1.AppendError(c.out, http1.StatusOf(err), date)
			return consumed, true
		}
		r := &c.req
		if r.Framing != http1.BodyNone {
			// Static files take no body: refuse rather than read and
			// discard it (a real Conn may drain it with http1.Body).
			c.out = http1.AppendError(c.out, 413, date)
			return consumed, true
		}
		consumed += n
		c.sreq = static.Request{
			Method: r.Method, Path: r.Path, Query: r.Query,
			AcceptEncoding:    r.Header(http1.HdrAcceptEncoding),
			IfMatch:           r.Header(http1.HdrIfMatch),
			IfNoneMatch:       r.Header(http1.HdrIfNoneMatch),
			IfModifiedSince:   r.Header(http1.HdrIfModifiedSince),
			IfUnmodifiedSince: r.Header(http1.HdrIfUnmodifiedSince),
			Range:             r.Header(http1.HdrRange),
			IfRange:           r.Header(http1.HdrIfRange),
		}
		if r.Path == nil { // asterisk- or authority-form
			c.sreq.Path = r.Target
		}
		c.h.Serve(&c.sreq, &c.resp)
		cf, keep := r.ResponseConn(false)
		c.out = http1.AppendResponseHead(c.out, c.resp.Status, date, cf)
		c.out = c.resp.AppendFields(c.out)
		c.out = http1.EndHead(c.out)
		for _, p := range c.resp.Body { // a real Conn hands these slices to the kernel
			c.out = append(c.out, p...)
		}
		if !keep {
			return consumed, true
		}
	}
}

// site is a one-file Site; real code passes an *archive.Reader.
type site struct {
	e    archive.Entry
	data []byte
}

func (s *site) Lookup(p string) (archive.Entry, bool) { return s.e, p == s.e.Path }
func (s *site) Content(archive.Entry) []byte          { return s.data }
func (s *site) VariantContent(archive.Variant) []byte { return nil }

func newConn() *conn {
	return &conn{h: static.New(&site{archive.Entry{Path: "hello.txt", ContentType: "text/plain", ETag: `"hello.txt"`, Size: 6}, []byte("hello\n")}, static.Config{}), now: time.Unix(1e9, 0)}
}

func Example() {
	c := newConn()
	in := []byte("GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\nHEAD /hello.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
	n, closing := c.serve(in)
	fmt.Println(n == len(in), closing)
	fmt.Print(string(bytes.ReplaceAll(c.out, []byte("\r\n"), []byte("\n"))))
	// Output:
	// true true
	// HTTP/1.1 200 OK
	// Date: Sun, 09 Sep 2001 01:46:40 GMT
	// Server: zeroserve
	// Content-Type: text/plain
	// Content-Length: 6
	// ETag: "hello.txt"
	// Cache-Control: public, max-age=3600
	// Accept-Ranges: bytes
	//
	// hello
	// HTTP/1.1 200 OK
	// Date: Sun, 09 Sep 2001 01:46:40 GMT
	// Server: zeroserve
	// Connection: close
	// Content-Type: text/plain
	// Content-Length: 6
	// ETag: "hello.txt"
	// Cache-Control: public, max-age=3600
	// Accept-Ranges: bytes
}

// TestPipelineWithNetHTTP checks the responses of pipelined requests with
// net/http's response reader, feeding the input one byte at a time.
func TestPipelineWithNetHTTP(t *testing.T) {
	c := newConn()
	in := []byte("GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n" +
		"GET /missing HTTP/1.1\r\nHost: a\r\n\r\n" +
		"GET /hello.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=1-2\r\n\r\n" +
		"POST /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n" +
		"GET /hello.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
	var buf []byte
	closed := false
	for i := 0; i < len(in) && !closed; i++ {
		buf = append(buf, in[i])
		n, cl := c.serve(buf)
		buf = buf[n:]
		closed = cl
	}
	if !closed {
		t.Fatal("smuggling attempt did not close the connection")
	}
	br := bufio.NewReader(bytes.NewReader(c.out))
	for _, want := range []struct {
		status int
		body   string
	}{{200, "hello\n"}, {404, "404 Not Found\n"}, {206, "el"}, {405, "405 Method Not Allowed\n"}, {400, "Bad Request\n"}} {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want.status || string(body) != want.body {
			t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, want.status, want.body)
		}
	}
	if rest, _ := io.ReadAll(br); len(rest) != 0 {
		t.Errorf("trailing output %q", rest)
	}
}

// TestRequestPathAllocs measures the whole request path (parse, serve,
// render the head) for a typical browser GET: no allocation.
func TestRequestPathAllocs(t *testing.T) {
	c := newConn()
	in := []byte("GET /hello.txt HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0\r\nAccept: */*\r\n" +
		"Accept-Encoding: gzip, deflate, br, zstd\r\nAccept-Language: en-US,en;q=0.5\r\nConnection: keep-alive\r\n\r\n")
	c.out = make([]byte, 0, 4096)
	c.serve(in)
	if a := testing.AllocsPerRun(100, func() {
		c.out = c.out[:0]
		if n, cl := c.serve(in); n != len(in) || cl {
			t.Fatal(n, cl)
		}
	}); a != 0 {
		t.Errorf("%v allocs per request", a)
	}
}

func BenchmarkRequestPath(b *testing.B) {
	c := newConn()
	in := []byte("GET /hello.txt HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0\r\nAccept: */*\r\n" +
		"Accept-Encoding: gzip, deflate, br, zstd\r\nAccept-Language: en-US,en;q=0.5\r\nConnection: keep-alive\r\n\r\n")
	c.out = make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		c.out = c.out[:0]
		c.serve(in)
	}
}
