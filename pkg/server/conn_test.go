package server

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/server/transport"
)

var testFiles = []archive.File{
	{Path: "index.html", ModTime: 1700000000, Data: []byte("<!doctype html><title>hi</title>\n")},
	{Path: "hello.txt", ModTime: 1700000000, Data: []byte(strings.Repeat("hello world\n", 14) + "123456")}, // 174 bytes
	{Path: "docs/index.html", ModTime: 1700000000, Data: []byte("<p>docs</p>\n")},
	{Path: "about.html", ModTime: 1700000000, Data: []byte("<p>about</p>\n")},
}

// fakeClock is an injected clock the tests move by hand.
type fakeClock struct{ t time.Time }

func (f *fakeClock) now() time.Time { return f.t }

type connHarness struct {
	cur   current
	clock *fakeClock
	opts  connOptions
	r     *archive.Reader
}

func packSite(t testing.TB, files []archive.File) *archive.Reader {
	t.Helper()
	b, _, err := archive.PackBytes(files, nil, archive.Options{MinCompressSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := archive.OpenBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func newHarness(t testing.TB, files []archive.File) *connHarness {
	t.Helper()
	h := &connHarness{clock: &fakeClock{time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}}
	h.r = packSite(t, files)
	cfg := Config{TryHTML: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: h.clock.now}.withDefaults()
	h.opts = newConnOptions(&cfg)
	h.opts.cur = &h.cur
	h.cur.Store(newGeneration(1, "test", newSite(h.r, h.opts.site), nil))
	return h
}

func (h *connHarness) conn() *conn {
	return newConn(&h.opts, transport.Info{Remote: netip.MustParseAddrPort("127.0.0.1:40000")})
}

// flush takes all pending output from c, writing at most chunk bytes per
// Written call (0: everything at once).
func flush(c transport.Conn, chunk int) string {
	var out bytes.Buffer
	var iov [][]byte
	for {
		iov = c.Pending(iov[:0])
		if len(iov) == 0 {
			return out.String()
		}
		n := 0
		for _, b := range iov {
			if chunk > 0 && n+len(b) > chunk {
				b = b[:chunk-n]
			}
			out.Write(b)
			n += len(b)
			if chunk > 0 && n == chunk {
				break
			}
		}
		c.Written(n)
	}
}

// checkResponses checks that out holds exactly len(want) responses, that
// response i contains every "|"-separated part of want[i], and that out
// contains none of notWant.
func checkResponses(t *testing.T, out string, want, notWant []string) {
	t.Helper()
	rs := responses(out)
	if len(rs) != len(want) {
		t.Fatalf("got %d responses, want %d:\n%s", len(rs), len(want), out)
	}
	for i, w := range want {
		for _, sub := range strings.Split(w, "|") {
			if !strings.Contains(rs[i], sub) {
				t.Errorf("response %d lacks %q:\n%s", i, sub, rs[i])
			}
		}
	}
	checkAbsent(t, out, notWant)
}

// checkInOrder checks that out contains want in order and none of notWant.
func checkInOrder(t *testing.T, out string, want, notWant []string) {
	t.Helper()
	rest := out
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("output lacks %q (in order):\n%s", w, out)
		}
		rest = rest[i+len(w):]
	}
	checkAbsent(t, out, notWant)
}

func checkAbsent(t *testing.T, out string, notWant []string) {
	t.Helper()
	for _, nw := range notWant {
		if strings.Contains(out, nw) {
			t.Errorf("output has %q:\n%s", nw, out)
		}
	}
}

// responses splits raw output into responses by status line.
func responses(out string) []string {
	var rs []string
	for out != "" {
		i := strings.Index(out[1:], "HTTP/1.1 ")
		if i < 0 {
			rs = append(rs, out)
			break
		}
		rs = append(rs, out[:i+1])
		out = out[i+1:]
	}
	return rs
}

func TestConnResponses(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		want      []string // substrings of each response, in order
		notWant   []string // substrings of the whole output
		wantClose bool
	}{
		{"get", "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"HTTP/1.1 200 OK\r\n|Content-Length: 174\r\n|ETag: \"|Last-Modified: Tue, 14 Nov 2023 22:13:20 GMT\r\n|Server: zeroserve\r\n|Date: Thu, 26 Nov 2026 12:00:00 GMT\r\n|\r\n\r\nhello world\n"},
			[]string{"Connection:"}, false},
		{"head", "HEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"HTTP/1.1 200 OK\r\n|Content-Length: 174\r\n"}, []string{"hello world"}, false},
		{"index", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", []string{"200 OK|<title>hi</title>"}, nil, false},
		{"dir index", "GET /docs/ HTTP/1.1\r\nHost: x\r\n\r\n", []string{"200 OK|<p>docs</p>"}, nil, false},
		{"try html", "GET /about HTTP/1.1\r\nHost: x\r\n\r\n", []string{"200 OK|<p>about</p>"}, nil, false},
		{"404", "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", []string{"404 Not Found|Content-Length: 14\r\n|\r\n\r\n404 Not Found\n"}, nil, false},
		{"hidden", "GET /.zeroserve/index HTTP/1.1\r\nHost: x\r\n\r\n", []string{"404 Not Found"}, nil, false},
		{"405", "DELETE /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", []string{"405 Method Not Allowed|Allow: GET, HEAD, OPTIONS\r\n"}, nil, false},
		{"http/1.0 closes", "GET /hello.txt HTTP/1.0\r\n\r\n", []string{"200 OK|Connection: close\r\n"}, nil, true},
		{"http/1.0 keep-alive", "GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", []string{"200 OK|Connection: keep-alive\r\n"}, nil, false},
		{"connection close", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"200 OK|Connection: close\r\n"}, nil, true},
		{"pipelined in order",
			"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /docs/ HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"200 OK|hello world", "404", "200 OK|text/html", "200 OK|<p>docs</p>"}, nil, false},
		{"body discarded", "POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcdeGET / HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"405", "200 OK|<title>hi</title>"}, nil, false},
		{"chunked body discarded", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"405", "200 OK"}, nil, false},
		{"expect 100 answered and closed", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
			[]string{"405|Connection: close\r\n"}, []string{"100 Continue"}, true},
		{"CL+TE", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
			[]string{"400 Bad Request|Connection: close\r\n"}, nil, true},
		{"double CL", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nabcde",
			[]string{"400 Bad Request|Connection: close\r\n"}, nil, true},
		{"bad TE", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
			[]string{"501 Not Implemented|Connection: close\r\n"}, nil, true},
		{"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  2\r\n\r\n",
			[]string{"400 Bad Request|Connection: close\r\n"}, nil, true},
		{"error after good request", "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"200 OK", "400 Bad Request|Connection: close"}, nil, true},
		{"dir redirect", "GET /docs?x=1 HTTP/1.1\r\nHost: x\r\n\r\n", []string{"308 Permanent Redirect|Location: /docs/?x=1\r\n"}, nil, false},
		{"bad path", "GET /../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", []string{"400 Bad Request"}, nil, false},
		{"range", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-4\r\n\r\n",
			[]string{"206 Partial Content|Content-Range: bytes 0-4/174\r\n|\r\n\r\nhello"}, nil, false},
		{"multirange pipelined",
			"GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1,6-7\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=2-3,8-9\r\n\r\n",
			[]string{"206|multipart/byteranges|Content-Range: bytes 0-1/174\r\n\r\nhe\r\n|Content-Range: bytes 6-7/174\r\n\r\nwo\r\n",
				"206|multipart/byteranges|Content-Range: bytes 2-3/174\r\n\r\nll\r\n|Content-Range: bytes 8-9/174\r\n\r\nrl\r\n"}, nil, false},
		{"body too large", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n",
			[]string{"413"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, testFiles)
			c := h.conn()
			if n := c.Recv([]byte(tt.in)); n != len(tt.in) {
				t.Errorf("consumed %d of %d bytes", n, len(tt.in))
			}
			out := flush(c, 7) // partial writes exercise Written
			checkStream(t, out)
			checkResponses(t, out, tt.want, tt.notWant)
			if got := c.Status().Close; got != tt.wantClose {
				t.Errorf("Status().Close = %v, want %v", got, tt.wantClose)
			}
			c.Close(nil)
			if refs := h.cur.Load().Refs(); refs != 1 {
				t.Errorf("generation refs = %d after close, want 1", refs)
			}
		})
	}
}

func TestConnSplitInput(t *testing.T) {
	h := newHarness(t, testFiles)
	c := h.conn()
	in := []byte("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
	// Deliver one byte at a time, like a slow client, re-presenting the
	// unconsumed rest as a transport must.
	var buf []byte
	for _, b := range in {
		buf = append(buf, b)
		n := c.Recv(buf)
		buf = buf[n:]
	}
	if len(buf) != 0 {
		t.Fatalf("%d bytes left unconsumed", len(buf))
	}
	if rs := responses(flush(c, 0)); len(rs) != 2 {
		t.Fatalf("got %d responses", len(rs))
	}
}

func TestConnBackPressure(t *testing.T) {
	h := newHarness(t, testFiles)
	c := h.conn()
	req := "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
	in := []byte(strings.Repeat(req, maxQueued+8))
	n := c.Recv(in)
	if n != maxQueued*len(req) {
		t.Fatalf("consumed %d requests, want %d", n/len(req), maxQueued)
	}
	if !c.Status().PauseRead {
		t.Fatal("full queue does not pause reading")
	}
	if got := len(responses(flush(c, 0))); got != maxQueued {
		t.Fatalf("%d responses", got)
	}
	if c.Status().PauseRead {
		t.Fatal("still paused after the queue drained")
	}
	if n2 := c.Recv(in[n:]); n2 != len(in)-n {
		t.Fatalf("consumed %d of the rest %d", n2, len(in)-n)
	}
}

func TestConnTimeouts(t *testing.T) {
	h := newHarness(t, testFiles)

	t.Run("idle closes silently", func(t *testing.T) {
		c := h.conn()
		if st := c.Status(); st.Timeout != DefaultIdleTimeout {
			t.Fatalf("idle timeout %v", st.Timeout)
		}
		c.Timeout()
		if out := flush(c, 0); out != "" || !c.Status().Close {
			t.Fatalf("idle timeout: output %q, close %v", out, c.Status().Close)
		}
	})
	t.Run("slow head gets 408", func(t *testing.T) {
		c := h.conn()
		c.Recv([]byte("GET / HTTP/1.1\r\n"))
		h.clock.t = h.clock.t.Add(4 * time.Second)
		c.Recv([]byte("GET / HTTP/1.1\r\nHost")) // progress does not extend the head budget
		if st := c.Status(); st.Timeout != DefaultHeaderTimeout-4*time.Second {
			t.Fatalf("head timeout %v", st.Timeout)
		}
		c.Timeout()
		out := flush(c, 0)
		if !strings.HasPrefix(out, "HTTP/1.1 408 Request Timeout\r\n") || !c.Status().Close {
			t.Fatalf("got %q", out)
		}
	})
	t.Run("stalled body gets 408", func(t *testing.T) {
		c := h.conn()
		c.Recv([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"))
		if st := c.Status(); st.Timeout != DefaultBodyTimeout {
			t.Fatalf("body timeout %v", st.Timeout)
		}
		c.Timeout()
		if out := flush(c, 0); !strings.HasPrefix(out, "HTTP/1.1 408") {
			t.Fatalf("got %q", out)
		}
		c.Close(nil)
		if refs := h.cur.Load().Refs(); refs != 1 {
			t.Fatalf("refs %d", refs)
		}
	})
	t.Run("write timeout abandons output", func(t *testing.T) {
		c := h.conn()
		c.Recv([]byte("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"))
		h.clock.t = h.clock.t.Add(time.Second)
		c.Written(10)
		if st := c.Status(); st.Timeout != DefaultWriteTimeout-time.Second {
			t.Fatalf("write timeout %v (total per response)", st.Timeout)
		}
		c.Timeout()
		if iov := c.Pending(nil); len(iov) != 0 || !c.Status().Close {
			t.Fatalf("pending %d, close %v", len(iov), c.Status().Close)
		}
		c.Close(nil)
		if refs := h.cur.Load().Refs(); refs != 1 {
			t.Fatalf("refs %d", refs)
		}
	})
}

func TestConnDrain(t *testing.T) {
	h := newHarness(t, testFiles)
	idle := h.conn()
	idle.Drain()
	if !idle.Status().Close {
		t.Fatal("idle connection does not close on Drain")
	}
	busy := h.conn()
	busy.Recv([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\na"))
	busy.Drain()
	if busy.Status().Close {
		t.Fatal("draining connection closed with a request in flight")
	}
	busy.Recv([]byte("bc"))
	out := flush(busy, 0)
	if !strings.Contains(out, "405") || !strings.Contains(out, "Connection: close") || !busy.Status().Close {
		t.Fatalf("drained response %q, close %v", out, busy.Status().Close)
	}
}

// TestConnPinsGeneration: a reload while a response is queued keeps the old
// archive open until the response is written.
func TestConnPinsGeneration(t *testing.T) {
	h := newHarness(t, testFiles)
	old := h.cur.Load()
	oldArchive := &fakeArchive{}
	old.closer = oldArchive
	c := h.conn()
	c.Recv([]byte("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"))
	h.cur.Store(newGeneration(2, "test", newSite(packSite(t, testFiles[:1]), h.opts.site), nil))
	if oldArchive.closed.Load() != 0 {
		t.Fatal("archive closed under a queued response")
	}
	c.Written(5)
	if oldArchive.closed.Load() != 0 {
		t.Fatal("archive closed under a partly sent response")
	}
	flush(c, 0)
	<-old.Released()
	c.Recv([]byte("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"))
	if out := flush(c, 0); !strings.Contains(out, "404") {
		t.Fatalf("new generation not used: %q", out)
	}
}

func TestConnAccessLog(t *testing.T) {
	h := newHarness(t, testFiles)
	var buf bytes.Buffer
	h.opts.access = NewAccessLog(&buf, LogText, 16)
	c := h.conn()
	c.Recv([]byte("GET /hello.txt?x=1 HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n\r\n"))
	flush(c, 0)
	h.opts.access.Close()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"GET /hello.txt?x=1 HTTP/1.1" 200 174 `) ||
		!strings.Contains(lines[1], `" 400 0 `) {
		t.Fatalf("access log:\n%s", buf.String())
	}
}

// TestConnNoAlloc drives a warmed-up connection with pipelined requests
// against a real packed archive: the request path allocates nothing.
func TestConnNoAlloc(t *testing.T) {
	h := newHarness(t, testFiles)
	h.opts.access = NewAccessLog(io.Discard, LogText, 1<<16)
	defer h.opts.access.Close()
	c := h.conn()
	in := []byte("GET /hello.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nUser-Agent: test\r\n\r\n" +
		"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n" +
		"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n" +
		"GET /about HTTP/1.1\r\nHost: x\r\n\r\n")
	if n := requestAllocs(t, c, in); n != 0 {
		t.Fatalf("%v allocations per batch of 4 pipelined requests", n)
	}
}

// requestAllocs warms c with in (requests, consumed whole) three times, then
// returns the allocations of one more round: Recv, then Pending and Written
// until the output is empty.
func requestAllocs(t *testing.T, c transport.Conn, in []byte) float64 {
	t.Helper()
	iov := make([][]byte, 0, maxIOV)
	run := func() {
		if n := c.Recv(in); n != len(in) {
			t.Fatalf("consumed %d of %d", n, len(in))
		}
		for {
			iov = c.Pending(iov[:0])
			if len(iov) == 0 {
				break
			}
			n := 0
			for _, b := range iov {
				n += len(b)
			}
			c.Written(n)
			_ = c.Status()
		}
	}
	for range 3 {
		run()
	}
	return testing.AllocsPerRun(200, run)
}

func BenchmarkConnRequest(b *testing.B) {
	h := newHarness(b, testFiles)
	c := h.conn()
	in := []byte("GET /hello.txt HTTP/1.1\r\nHost: x\r\nUser-Agent: wrk\r\n\r\n")
	iov := make([][]byte, 0, maxIOV)
	b.ReportAllocs()
	for b.Loop() {
		c.Recv(in)
		iov = c.Pending(iov[:0])
		n := 0
		for _, x := range iov {
			n += len(x)
		}
		c.Written(n)
		_ = c.Status()
	}
}

// checkStream parses the whole output of a connection as a sequence of
// HTTP/1.1 responses: each head well formed (status line with a code in
// 100..599, token field names, no bare CR or LF), each body delimited by
// Content-Length (RFC 9112 §6.3) unless the status has none (1xx, 204, 304)
// or it answers HEAD, and nothing after a response that says
// "Connection: close" (RFC 9112 §9.6).
func checkStream(t *testing.T, out string) {
	t.Helper()
	all := out
	for out != "" {
		end := strings.Index(out, "\r\n\r\n")
		if end < 0 {
			t.Fatalf("truncated head %q in %q", out, all)
		}
		lines := strings.Split(out[:end], "\r\n")
		out = out[end+4:]
		sl := lines[0]
		if len(sl) < 13 || !strings.HasPrefix(sl, "HTTP/1.1 ") || sl[12] != ' ' {
			t.Fatalf("status line %q in %q", sl, all)
		}
		code, err := strconv.Atoi(sl[9:12])
		if err != nil || code < 100 || code > 599 {
			t.Fatalf("status line %q", sl)
		}
		cl, closing := -1, false
		for _, l := range lines {
			if strings.ContainsAny(l, "\r\n\x00") {
				t.Fatalf("bare CR/LF/NUL in %q", l)
			}
		}
		for _, l := range lines[1:] {
			name, value, ok := strings.Cut(l, ": ")
			if !ok || name == "" || strings.Trim(name, "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
				t.Fatalf("field line %q", l)
			}
			switch strings.ToLower(name) {
			case "content-length":
				if cl >= 0 {
					t.Fatalf("two Content-Length fields in %q", all)
				}
				if cl, err = strconv.Atoi(value); err != nil || cl < 0 {
					t.Fatalf("Content-Length %q", value)
				}
			case "connection":
				closing = strings.EqualFold(value, "close")
			case "transfer-encoding":
				t.Fatalf("unexpected Transfer-Encoding %q", value)
			}
		}
		if code < 200 || code == 204 || code == 304 {
			continue
		}
		if cl < 0 {
			t.Fatalf("%d response without Content-Length in %q", code, all)
		}
		// A HEAD response has the length but no body: take the body only
		// when what follows it is the end or the next response.
		if cl <= len(out) && (cl == len(out) || strings.HasPrefix(out[cl:], "HTTP/1.1 ")) {
			out = out[cl:]
		} else if out != "" && !strings.HasPrefix(out, "HTTP/1.1 ") {
			t.Fatalf("%d-byte body does not end at a response boundary in %q", cl, all)
		}
		if closing && out != "" {
			t.Fatalf("output after Connection: close: %q", out)
		}
	}
}

// FuzzConn feeds arbitrary bytes, split at arbitrary points, to a
// connection: it must never panic, never consume more than it was given,
// write only well-framed responses (checkStream), and release every
// generation pin by the time it is closed.
func FuzzConn(f *testing.F) {
	f.Add([]byte("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1,3-4\r\n\r\n"), uint8(5))
	f.Add([]byte("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nHEAD / HTTP/1.0\r\n\r\n"), uint8(1))
	f.Add([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"), uint8(0))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"), uint8(3))
	h := newHarness(f, testFiles)
	f.Fuzz(func(t *testing.T, in []byte, split uint8) {
		c := h.conn()
		step := int(split) + 1
		var buf []byte
		var out strings.Builder
		for i := 0; i < len(in); i += step {
			buf = append(buf, in[i:min(i+step, len(in))]...)
			n := c.Recv(buf)
			if n < 0 || n > len(buf) {
				t.Fatalf("Recv consumed %d of %d", n, len(buf))
			}
			buf = buf[n:]
			if i%3 == 0 {
				out.WriteString(flush(c, step))
			}
			if c.Status().Close {
				break
			}
		}
		c.Timeout()
		out.WriteString(flush(c, 0))
		checkStream(t, out.String())
		c.Close(nil)
		if refs := h.cur.Load().Refs(); refs != 1 {
			t.Fatalf("generation refs %d after Close", refs)
		}
	})
}

// TestLargeHeaderLimitBothTransports: with --max-header-bytes at its
// largest (1 MiB), a header section over the limit is answered 431 on
// both transports: each must buffer a whole head (http1.Limits.MaxHead),
// not close the connection when its read buffer fills first.
func TestLargeHeaderLimitBothTransports(t *testing.T) {
	for _, tr := range testTransports(t) {
		t.Run(tr, func(t *testing.T) {
			s := serveForTest(t, Config{
				Addrs: []string{"127.0.0.1:0"}, Transport: tr, Workers: 1,
				MaxHeaderBytes: 1 << 20,
			})
			c := dialRaw(t, s.Addrs()[0].String())
			req := "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 1<<20+4096) + "\r\n\r\n"
			go c.Write([]byte(req))
			res, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 431 {
				t.Fatalf("status %d, want 431", res.StatusCode)
			}
		})
	}
}
