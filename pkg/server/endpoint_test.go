package server

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/server/static"
	"zeroserve.dev/zeroserve/pkg/server/transport"
)

// fakeStream is a Stream the test feeds by hand.
type fakeStream struct {
	mu      sync.Mutex
	w       transport.Waker
	pending []byte
	end     bool
	closed  int
	closedC chan struct{} // closed by Close when set
}

func (s *fakeStream) Start(w transport.Waker) {
	s.mu.Lock()
	s.w = w
	s.mu.Unlock()
}

func (s *fakeStream) Next(dst []byte) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dst = append(dst, s.pending...)
	s.pending = s.pending[:0]
	return dst, s.end
}

func (s *fakeStream) Close() {
	s.mu.Lock()
	s.closed++
	s.mu.Unlock()
	if s.closedC != nil {
		close(s.closedC)
	}
}

// push queues data and wakes the connection, as a stream owner does.
func (s *fakeStream) push(data string, end bool) {
	s.mu.Lock()
	s.pending = append(s.pending, data...)
	s.end = s.end || end
	w := s.w
	s.mu.Unlock()
	if w != nil {
		w.Wake()
	}
}

func (s *fakeStream) closes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

var (
	textFields  = []static.Field{{Name: "Content-Type", Value: "text/plain"}}
	eventFields = []static.Field{{Name: "Content-Type", Value: "text/event-stream"}, {Name: "Cache-Control", Value: "no-cache"}}
	pongBody    = []byte("pong\n")
)

// testEndpoints answers /.zeroserve/ping with a response and
// /.zeroserve/events with a stream taken from streams.
type testEndpoints struct {
	streams []*fakeStream
}

func (te *testEndpoints) serve(r *EndpointRequest) Endpoint {
	switch string(r.Path) {
	case "/.zeroserve/ping":
		return Endpoint{Status: 200, Fields: textFields, Body: pongBody}
	case "/.zeroserve/events":
		s := &fakeStream{}
		te.streams = append(te.streams, s)
		return Endpoint{Status: 200, Fields: eventFields, Body: []byte(": hello\n\n"), Stream: s}
	case "/.zeroserve/unclaimed-stream":
		s := &fakeStream{}
		te.streams = append(te.streams, s)
		return Endpoint{Stream: s} // Status 0: not answered, but closed
	}
	return Endpoint{}
}

// nopWaker counts wakes.
type nopWaker struct{ n int }

func (w *nopWaker) Wake() { w.n++ }

func (h *connHarness) endpointConn(fn func(*EndpointRequest) Endpoint, w transport.Waker) transport.Conn {
	c := newConn(&h.opts, transport.Info{Remote: netip.MustParseAddrPort("127.0.0.1:40000"), Waker: w})
	s := &Server{cfg: Config{Endpoint: fn}}
	return s.withEndpoint(c)
}

func TestEndpointResponses(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		want      []string // substrings of each response, in order
		notWant   []string
		wantClose bool
	}{
		{"response", "GET /.zeroserve/ping HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"HTTP/1.1 200 OK\r\n|Content-Type: text/plain\r\n|Content-Length: 5\r\n|\r\n\r\npong\n"}, []string{"Connection:"}, false},
		{"keep-alive then static", "GET /.zeroserve/ping HTTP/1.1\r\nHost: x\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"200 OK|pong", "200 OK|Content-Length: 174"}, nil, false},
		{"head", "HEAD /.zeroserve/ping HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"200 OK|Content-Length: 5\r\n"}, []string{"pong"}, false},
		{"unclaimed path", "GET /.zeroserve/index HTTP/1.1\r\nHost: x\r\n\r\n", []string{"404 Not Found"}, nil, false},
		{"unclaimed stream", "GET /.zeroserve/unclaimed-stream HTTP/1.1\r\nHost: x\r\n\r\n", []string{"404 Not Found"}, nil, false},
		{"prefix only", "GET /.zeroserve HTTP/1.1\r\nHost: x\r\n\r\n", []string{"404 Not Found"}, nil, false},
		{"outside the prefix", "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", []string{"200 OK|hello world"}, []string{"pong"}, false},
		{"body closes", "POST /.zeroserve/ping HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\n\r\n",
			[]string{"200 OK|Connection: close\r\n|pong"}, nil, true},
		{"http/1.0", "GET /.zeroserve/ping HTTP/1.0\r\n\r\n", []string{"200 OK|Connection: close\r\n|pong"}, nil, true},
		{"head of a stream", "HEAD /.zeroserve/events HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n\r\n",
			[]string{"200 OK|Content-Type: text/event-stream\r\n|Connection: close\r\n"}, []string{"hello", "Content-Length"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, testFiles)
			te := &testEndpoints{}
			c := h.endpointConn(te.serve, &nopWaker{})
			in := []byte(tt.in)
			if n := c.Recv(in); n != len(in) {
				t.Fatalf("Recv consumed %d of %d", n, len(in))
			}
			out := flush(c, 0)
			checkResponses(t, out, tt.want, tt.notWant)
			if got := c.Status().Close; got != tt.wantClose {
				t.Errorf("Close = %v, want %v", got, tt.wantClose)
			}
			c.Close(nil)
			for i, s := range te.streams {
				if s.closes() != 1 || s.w != nil {
					t.Errorf("stream %d: started %v, closed %d times; want never started, closed once", i, s.w != nil, s.closes())
				}
			}
			if refs := h.cur.Load().Refs(); refs != 1 {
				t.Errorf("generation refs %d after Close", refs)
			}
		})
	}
}

// TestEndpointStream follows a stream through a connection: the head, the
// bytes its owner pushes, no deadline while idle, a write deadline while
// the client does not read, and its end by drain, by the owner, by a
// stalled client and by the client leaving.
func TestEndpointStream(t *testing.T) {
	const req = "GET /.zeroserve/events HTTP/1.1\r\nHost: x\r\n\r\n"
	start := func(t *testing.T) (*connHarness, transport.Conn, *fakeStream, *nopWaker) {
		t.Helper()
		h := newHarness(t, testFiles)
		te := &testEndpoints{}
		w := &nopWaker{}
		c := h.endpointConn(te.serve, w)
		// A request pipelined behind the stream's is never answered.
		in := []byte(req + "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
		if n := c.Recv(in); n != len(in) {
			t.Fatalf("Recv consumed %d of %d", n, len(in))
		}
		out := flush(c, 0)
		for _, sub := range []string{"HTTP/1.1 200 OK\r\n", "Content-Type: text/event-stream\r\n", "Cache-Control: no-cache\r\n", "Connection: close\r\n", "\r\n\r\n: hello\n\n"} {
			if !strings.Contains(out, sub) {
				t.Errorf("stream head lacks %q:\n%s", sub, out)
			}
		}
		if strings.Contains(out, "Content-Length") || strings.Contains(out, "hello world") {
			t.Errorf("stream head has a length or the pipelined response:\n%s", out)
		}
		if len(te.streams) != 1 || te.streams[0].w == nil {
			t.Fatal("stream not started")
		}
		if st := c.Status(); st.Close || st.PauseRead || st.Timeout != 0 {
			t.Fatalf("idle stream Status = %+v, want open, reading, no deadline", st)
		}
		return h, c, te.streams[0], w
	}

	t.Run("push and drain", func(t *testing.T) {
		h, c, s, w := start(t)
		s.push("data: 1\n\n", false)
		if w.n != 1 {
			t.Fatalf("%d wakes, want 1", w.n)
		}
		c.Resume()
		if out := flush(c, 0); out != "data: 1\n\n" {
			t.Fatalf("after a push: %q", out)
		}
		s.push("data: 2\n\n", false)
		s.push("data: 3\n\n", false) // coalesced into one Resume
		c.Resume()
		if out := flush(c, 0); out != "data: 2\n\ndata: 3\n\n" {
			t.Fatalf("after two pushes: %q", out)
		}
		// Input is read and discarded, so a client that leaves is seen.
		if n := c.Recv([]byte("GET / HTTP/1.1\r\n\r\n")); n != 18 || flush(c, 0) != "" {
			t.Fatalf("input during a stream: consumed %d", n)
		}
		c.Drain()
		if st := c.Status(); !st.Close {
			t.Fatalf("Status after Drain = %+v, want close", st)
		}
		c.Close(nil)
		if s.closes() != 1 {
			t.Fatalf("stream closed %d times", s.closes())
		}
		if refs := h.cur.Load().Refs(); refs != 1 {
			t.Errorf("generation refs %d after Close", refs)
		}
	})

	t.Run("owner ends it", func(t *testing.T) {
		_, c, s, _ := start(t)
		s.push("data: bye\n\n", true)
		c.Resume()
		if st := c.Status(); !st.Close || st.Timeout == 0 {
			t.Fatalf("Status with the last bytes pending = %+v, want close after a bounded write", st)
		}
		if out := flush(c, 0); out != "data: bye\n\n" {
			t.Fatalf("last bytes %q", out)
		}
		c.Close(nil)
		if s.closes() != 1 {
			t.Fatalf("stream closed %d times", s.closes())
		}
	})

	t.Run("client stops reading", func(t *testing.T) {
		h, c, s, _ := start(t)
		s.push("data: 1\n\n", false)
		c.Resume()
		st := c.Status()
		if st.Close || st.Timeout != h.opts.write {
			t.Fatalf("Status with bytes pending = %+v, want the write timeout %v", st, h.opts.write)
		}
		// Progress restarts the deadline.
		h.clock.t = h.clock.t.Add(h.opts.write / 2)
		c.Written(3)
		if st := c.Status(); st.Timeout != h.opts.write {
			t.Fatalf("Timeout after progress = %v, want %v", st.Timeout, h.opts.write)
		}
		h.clock.t = h.clock.t.Add(h.opts.write)
		c.Timeout()
		if st := c.Status(); !st.Close {
			t.Fatalf("Status after a write timeout = %+v, want close", st)
		}
		if iov := c.Pending(nil); len(iov) != 0 {
			t.Fatalf("output kept after a write timeout: %q", iov)
		}
		c.Close(nil)
		if s.closes() != 1 {
			t.Fatalf("stream closed %d times", s.closes())
		}
	})

	t.Run("client leaves", func(t *testing.T) {
		_, c, s, _ := start(t)
		s.push("data: 1\n\n", false) // never sent
		c.Resume()
		c.Close(io.ErrUnexpectedEOF)
		if s.closes() != 1 {
			t.Fatalf("stream closed %d times", s.closes())
		}
	})
}

// TestEndpointNoAlloc: with endpoints configured, requests outside the
// prefix and endpoint responses do not allocate.
func TestEndpointNoAlloc(t *testing.T) {
	h := newHarness(t, testFiles)
	te := &testEndpoints{}
	c := h.endpointConn(te.serve, &nopWaker{})
	in := []byte("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /.zeroserve/ping HTTP/1.1\r\nHost: x\r\n\r\n")
	if n := requestAllocs(t, c, in); n != 0 {
		t.Fatalf("%v allocations per static request and endpoint response", n)
	}
}

func packedBytes(t *testing.T, body string) []byte {
	t.Helper()
	b, _, err := archive.PackBytes([]archive.File{{Path: "index.html", Data: []byte(body)}}, nil, archive.Options{MinCompressSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// liveStreams hands out fakeStreams from a running server's loops.
type liveStreams struct {
	mu      sync.Mutex
	streams []*fakeStream
	started chan *fakeStream
}

func (l *liveStreams) serve(r *EndpointRequest) Endpoint {
	if string(r.Path) != "/.zeroserve/events" {
		return Endpoint{}
	}
	s := &fakeStream{closedC: make(chan struct{})}
	l.mu.Lock()
	l.streams = append(l.streams, s)
	l.mu.Unlock()
	l.started <- s
	return Endpoint{Status: 200, Fields: eventFields, Stream: s}
}

// TestServerSwapEndpointAddrs runs a server from memory on each transport:
// Config.Open for the first archive, Ready and Addrs for where it listens,
// a stream fed from outside, Swap of good and bad archives (the stream and
// a keep-alive connection survive both), and the drain that ends the
// stream.
func TestServerSwapEndpointAddrs(t *testing.T) {
	transports := []string{"netpoll"}
	if uringSupported() == nil {
		transports = append(transports, "uring")
	} else {
		t.Logf("io_uring not tested: %v", uringSupported())
	}
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ls := &liveStreams{started: make(chan *fakeStream, 1)}
			var logs bytes.Buffer
			var logMu sync.Mutex
			s, err := New(Config{
				Open:      func() (*archive.Reader, error) { return archive.OpenBytes(packedBytes(t, "one")) },
				Endpoint:  ls.serve,
				Addrs:     []string{"127.0.0.1:0"},
				Workers:   1,
				Transport: tr,
				Log:       slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, nil)),
			})
			if err != nil {
				t.Fatal(err)
			}
			if s.Addrs() != nil {
				t.Fatal("Addrs before Serve")
			}
			ctx, cancel := context.WithCancel(context.Background())
			served := make(chan error, 1)
			go func() { served <- s.Serve(ctx) }()
			select {
			case <-s.Ready():
			case err := <-served:
				t.Fatalf("Serve: %v", err)
			}
			addrs := s.Addrs()
			if len(addrs) != 1 || !strings.HasPrefix(addrs[0].String(), "127.0.0.1:") || strings.HasSuffix(addrs[0].String(), ":0") {
				t.Fatalf("Addrs = %v", addrs)
			}
			if u := s.URLs(); len(u) != 1 || u[0] != "http://"+addrs[0].String() {
				t.Fatalf("URLs = %v", u)
			}

			keep := dialTest(t, addrs[0].String())
			if got := keep.get(t, "/"); got != "one" {
				t.Fatalf("GET / = %q", got)
			}
			ev := dialTest(t, addrs[0].String())
			io.WriteString(ev.c, "GET /.zeroserve/events HTTP/1.1\r\nHost: x\r\n\r\n")
			res, err := http.ReadResponse(ev.r, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" || res.ContentLength != -1 || !res.Close {
				t.Fatalf("stream response %d %v length %d close %v", res.StatusCode, res.Header, res.ContentLength, res.Close)
			}
			stream := <-ls.started
			readLine := func(want string) {
				t.Helper()
				line, err := ev.r.ReadString('\n')
				if err != nil || line != want {
					t.Fatalf("stream line %q, %v; want %q", line, err, want)
				}
			}
			stream.push("data: a\n", false)
			readLine("data: a\n")

			steps := []struct {
				archive []byte
				wantErr bool
				want    string
			}{
				{packedBytes(t, "two"), false, "two"},
				{[]byte("not an archive"), true, "two"},
				{packedBytes(t, "three"), false, "three"},
			}
			for i, st := range steps {
				r, err := archive.OpenBytes(st.archive)
				if err == nil {
					err = s.Swap(r)
				}
				if (err != nil) != st.wantErr {
					t.Fatalf("step %d: swap error %v, want error %v", i, err, st.wantErr)
				}
				if got := keep.get(t, "/"); got != st.want {
					t.Errorf("step %d: GET / on the same connection = %q, want %q", i, got, st.want)
				}
				stream.push("data: swapped\n", false)
				readLine("data: swapped\n")
			}
			// A generation whose scripts do not load keeps the old one.
			bad, _, err := archive.PackBytes(testFiles, []archive.Script{{Name: "10-bad", Object: []byte("not ELF")}}, archive.Options{})
			if err != nil {
				t.Fatal(err)
			}
			r, err := archive.OpenBytes(bad)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Swap(r); err == nil {
				t.Fatal("Swap of an archive with a broken script succeeded")
			}
			if got := keep.get(t, "/"); got != "three" {
				t.Errorf("GET / after a failed swap = %q", got)
			}
			logMu.Lock()
			if !strings.Contains(logs.String(), "swap failed") {
				t.Errorf("log does not report the failed swap:\n%s", logs.String())
			}
			logMu.Unlock()

			// A client that leaves is noticed (the connection keeps reading)
			// and its stream closed.
			gone := dialTest(t, addrs[0].String())
			io.WriteString(gone.c, "GET /.zeroserve/events HTTP/1.1\r\nHost: x\r\n\r\n")
			if _, err := http.ReadResponse(gone.r, nil); err != nil {
				t.Fatal(err)
			}
			goneStream := <-ls.started
			gone.c.Close()
			select {
			case <-goneStream.closedC:
			case <-time.After(30 * time.Second): // a guard against a hang
				t.Fatal("stream of a client that left never closed")
			}

			// Drain ends the stream: the client sees the end of the body.
			cancel()
			if err := <-served; err != nil {
				t.Fatalf("Serve: %v", err)
			}
			ev.c.SetDeadline(time.Now().Add(10 * time.Second))
			if rest, err := io.ReadAll(ev.r); err != nil || len(rest) != 0 {
				t.Fatalf("stream after drain: %q, %v", rest, err)
			}
			if stream.closes() != 1 {
				t.Fatalf("stream closed %d times", stream.closes())
			}
		})
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

type testClient struct {
	c net.Conn
	r *bufio.Reader
}

func dialTest(t *testing.T, addr string) *testClient {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// A guard against a hang, not a synchronisation.
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return &testClient{c: c, r: bufio.NewReader(c)}
}

func (tc *testClient) get(t *testing.T, path string) string {
	t.Helper()
	io.WriteString(tc.c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
	res, err := http.ReadResponse(tc.r, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}
