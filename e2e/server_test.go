package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/internal/testutil"
)

// transports lists the transports every e2e test runs on.
var transports = []string{"netpoll", "uring"}

// forEachTransport runs f once per transport; uring is skipped with the
// reason when this kernel or sandbox does not allow it.
func forEachTransport(t *testing.T, f func(t *testing.T, transport string)) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			if tr == "uring" {
				if reason := uringUnavailable(); reason != "" {
					testutil.Missing(t, "io_uring unavailable: "+reason)
				}
			}
			f(t, tr)
		})
	}
}

var uringOnce = sync.OnceValue(func() string {
	cmd := exec.Command(filepath.Join(binDir, "zeroserve"), "--transport", "uring", "--addr", "127.0.0.1:0",
		filepath.Join(os.TempDir(), "zeroserve-e2e-missing.zs.tar"))
	out, _ := cmd.CombinedOutput()
	if s := string(out); strings.Contains(s, "transport uring") {
		return strings.TrimSpace(s)
	}
	return ""
})

func uringUnavailable() string { return uringOnce() }

// rawExchange writes req on a fresh connection and reads until the server
// closes it (or the 10 s guard passes); it returns everything read.
func rawExchange(t *testing.T, addr, req string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("reading response: %v (got %q)", err, b)
	}
	return string(b)
}

// readResponses parses n pipelined responses from r.
func readResponses(t *testing.T, r *bufio.Reader, methods ...string) []*http.Response {
	t.Helper()
	var rs []*http.Response
	for _, m := range methods {
		resp, err := http.ReadResponse(r, &http.Request{Method: m})
		if err != nil {
			t.Fatalf("response %d: %v", len(rs), err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("response %d body: %v", len(rs), err)
		}
		resp.Body = io.NopCloser(strings.NewReader(string(body)))
		rs = append(rs, resp)
	}
	return rs
}

func bodyOf(r *http.Response) string {
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

func curl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("curl", append([]string{"-sS", "-i", "--max-time", "10"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("curl %v: %v\n%s", args, err, out)
	}
	return strings.ReplaceAll(string(out), "\r\n", "\n")
}

func TestBasics(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		s := startServer(t, tr, siteTar, "--try-html")
		tests := []struct {
			name, req string
			status    int
			body      string
			header    string // "Name: value" that must be present
		}{
			{"get", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200, hello174, "Content-Length: 174"},
			{"index", "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200, "<!doctype html><title>site</title><p>home</p>\n", "Content-Type: text/html; charset=utf-8"},
			{"dir index", "GET /docs/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200, "<!doctype html><title>docs</title>\n", ""},
			{"try html", "GET /about HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200, "<!doctype html><title>about</title>\n", ""},
			{"head", "HEAD /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200, "", "Content-Length: 174"},
			{"404", "GET /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, "", ""},
			{"hidden index", "GET /.zeroserve/index HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, "", ""},
			{"405", "DELETE /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 405, "", "Allow: GET, HEAD, OPTIONS"},
			{"http/1.0", "GET /hello.txt HTTP/1.0\r\n\r\n", 200, hello174, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				out := rawExchange(t, s.addr, tt.req)
				method := strings.Fields(tt.req)[0]
				rs := readResponses(t, bufio.NewReader(strings.NewReader(out)), method)
				r := rs[0]
				if r.StatusCode != tt.status {
					t.Fatalf("status %d, want %d:\n%s", r.StatusCode, tt.status, out)
				}
				if tt.body != "" && bodyOf(r) != tt.body {
					t.Fatalf("body %q", out)
				}
				if method == "HEAD" && strings.Contains(out, "hello world") {
					t.Fatalf("HEAD response has a body:\n%s", out)
				}
				if tt.header != "" && !strings.Contains(out, tt.header+"\r\n") {
					t.Fatalf("no %q in\n%s", tt.header, out)
				}
				if r.Header.Get("Server") != "zeroserve" || r.Header.Get("Date") == "" {
					t.Fatalf("missing Server/Date:\n%s", out)
				}
			})
		}
		t.Run("curl", func(t *testing.T) {
			out := curl(t, s.url+"/hello.txt")
			if !strings.HasPrefix(out, "HTTP/1.1 200 OK\n") || !strings.HasSuffix(out, hello174) {
				t.Fatalf("curl:\n%s", out)
			}
			out = curl(t, "-I", s.url+"/big.bin")
			if !strings.Contains(out, "Content-Length: 262144\n") {
				t.Fatalf("curl -I:\n%s", out)
			}
			big, err := exec.Command("curl", "-sS", "--max-time", "10", s.url+"/big.bin").Output()
			if err != nil || string(big) != strings.Repeat("0123456789abcdef", 1<<14) {
				t.Fatalf("big.bin: %v, %d bytes", err, len(big))
			}
		})
		if err := s.stop(); err != nil {
			t.Fatalf("exit: %v", err)
		}
	})
}

// TestConditionalAndRange checks RFC 9110 preconditions and ranges through
// curl and a raw client.
func TestConditionalAndRange(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		s := startServer(t, tr, siteTar)
		head := curl(t, "-I", s.url+"/hello.txt")
		etag := ""
		for _, l := range strings.Split(head, "\n") {
			if v, ok := strings.CutPrefix(l, "ETag: "); ok {
				etag = v
			}
		}
		if etag == "" {
			t.Fatalf("no ETag:\n%s", head)
		}
		tests := []struct {
			name   string
			args   []string
			status string
			want   string
		}{
			{"if-none-match", []string{"-H", "If-None-Match: " + etag}, "304", ""},
			{"if-none-match list", []string{"-H", `If-None-Match: "x", ` + etag}, "304", ""},
			{"if-none-match other", []string{"-H", `If-None-Match: "x"`}, "200", hello174},
			{"if-match fails", []string{"-H", `If-Match: "x"`}, "412", ""},
			{"range", []string{"-H", "Range: bytes=0-4"}, "206", "hello"},
			{"suffix range", []string{"-H", "Range: bytes=-6"}, "206", "123456"},
			{"open range", []string{"-H", "Range: bytes=168-"}, "206", "123456"},
			{"unsatisfiable", []string{"-H", "Range: bytes=500-"}, "416", ""},
			{"if-range mismatch", []string{"-H", "Range: bytes=0-4", "-H", `If-Range: "x"`}, "200", hello174},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				out := curl(t, append(tt.args, s.url+"/hello.txt")...)
				if !strings.HasPrefix(out, "HTTP/1.1 "+tt.status+" ") {
					t.Fatalf("want %s:\n%s", tt.status, out)
				}
				if tt.want != "" && !strings.HasSuffix(out, "\n\n"+tt.want) {
					t.Fatalf("body:\n%s", out)
				}
				if tt.status == "416" && !strings.Contains(out, "Content-Range: bytes */174\n") {
					t.Fatalf("416 without Content-Range:\n%s", out)
				}
			})
		}
		// The same through a raw client, pipelined on one connection.
		out := rawExchange(t, s.addr, "GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: "+etag+"\r\n\r\n"+
			"GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=6-10\r\nConnection: close\r\n\r\n")
		rs := readResponses(t, bufio.NewReader(strings.NewReader(out)), "GET", "GET")
		if rs[0].StatusCode != 304 || rs[1].StatusCode != 206 || bodyOf(rs[1]) != "world" {
			t.Fatalf("raw conditional/range:\n%s", out)
		}
	})
}

func TestPipelining(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		s := startServer(t, tr, siteTar)
		var req strings.Builder
		paths := []string{"/hello.txt", "/missing", "/", "/version.txt", "/big.bin", "/docs/"}
		for _, p := range paths {
			fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", p)
		}
		req.WriteString("HEAD /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		out := rawExchange(t, s.addr, req.String())
		rs := readResponses(t, bufio.NewReader(strings.NewReader(out)), "GET", "GET", "GET", "GET", "GET", "GET", "HEAD")
		want := []int{200, 404, 200, 200, 200, 200, 200}
		for i, r := range rs {
			if r.StatusCode != want[i] {
				t.Fatalf("response %d (%s): %d, want %d", i, paths[min(i, len(paths)-1)], r.StatusCode, want[i])
			}
		}
		if bodyOf(rs[0]) != hello174 || bodyOf(rs[3]) != "v0\n" || len(bodyOf(rs[4])) != 1<<18 {
			t.Fatal("pipelined bodies out of order or wrong")
		}

		// Many small requests in one write: more than the server queues at once.
		req.Reset()
		for range 100 {
			req.WriteString("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
		}
		req.WriteString("GET /version.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		out = rawExchange(t, s.addr, req.String())
		if n := strings.Count(out, "HTTP/1.1 200 OK\r\n"); n != 101 || !strings.HasSuffix(out, "v0\n") {
			t.Fatalf("%d responses to 101 pipelined requests", n)
		}
	})
}

// TestSmuggling: ambiguous framing is refused with 400/501 and the
// connection is closed, so nothing after it is interpreted.
func TestSmuggling(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		s := startServer(t, tr, siteTar)
		smuggled := "GET /version.txt HTTP/1.1\r\nHost: x\r\n\r\n"
		tests := []struct {
			name, req string
			status    string
		}{
			{"CL+TE", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, "400"},
			{"TE+CL", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n" + smuggled, "400"},
			{"double CL", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\n" + smuggled, "400"},
			{"CL list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0, 40\r\n\r\n" + smuggled, "400"},
			{"bad TE", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" + smuggled, "501"},
			{"TE identity", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n" + smuggled, "501"},
			{"TE with space", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n" + smuggled, "400"},
			{"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n" + smuggled, "400"},
			{"bare LF", "GET / HTTP/1.1\nHost: x\n\n" + smuggled, "400"},
			{"no host", "GET / HTTP/1.1\r\n\r\n" + smuggled, "400"},
			{"two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" + smuggled, "400"},
			{"bad chunk", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + smuggled, "400"},
			{"NUL in value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n" + smuggled, "400"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				out := rawExchange(t, s.addr, tt.req)
				if !strings.HasPrefix(out, "HTTP/1.1 "+tt.status+" ") {
					t.Fatalf("want %s:\n%q", tt.status, out)
				}
				if !strings.Contains(out, "Connection: close\r\n") {
					t.Fatalf("no Connection: close:\n%q", out)
				}
				if strings.Count(out, "HTTP/1.1 ") != 1 || strings.Contains(out, "v0") {
					t.Fatalf("the smuggled request was answered:\n%q", out)
				}
			})
		}
	})
}

// TestSlowloris: a client trickling its head gets 408 and is closed, while
// another client is served normally meanwhile.
func TestSlowloris(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		s := startServer(t, tr, siteTar, "--header-timeout", "1s")
		slow, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer slow.Close()
		io.WriteString(slow, "GET /hello.txt HTTP/1.1\r\nHo")
		// Another client, served while the slow head is pending.
		out := rawExchange(t, s.addr, "GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if !strings.HasPrefix(out, "HTTP/1.1 200 OK") {
			t.Fatalf("other client: %q", out)
		}
		// Keep trickling: progress must not extend the head budget.
		done := make(chan struct{})
		go func() {
			defer close(done)
			for _, b := range []byte("st: x\r\nX-Slow: 1") {
				if _, err := slow.Write([]byte{b}); err != nil {
					return
				}
				select {
				case <-time.After(100 * time.Millisecond):
				case <-done:
				}
			}
		}()
		slow.SetReadDeadline(time.Now().Add(10 * time.Second))
		got, _ := io.ReadAll(slow)
		if !strings.HasPrefix(string(got), "HTTP/1.1 408 ") || !strings.Contains(string(got), "Connection: close") {
			t.Fatalf("slow client got %q", got)
		}
		<-done
	})
}

// TestIdleConnections: 1,000 idle keep-alive connections do not stop the
// server from answering.
func TestIdleConnections(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		s := startServer(t, tr, siteTar)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for i := range 1000 {
			c, err := net.Dial("tcp", s.addr)
			if err != nil {
				t.Fatalf("connection %d: %v", i, err)
			}
			conns = append(conns, c)
			if i%100 == 0 {
				// Some of them have made a request and are now idle.
				io.WriteString(c, "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
				if _, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil {
					t.Fatalf("connection %d: %v", i, err)
				}
			}
		}
		for range 20 {
			out := rawExchange(t, s.addr, "GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			if !strings.HasPrefix(out, "HTTP/1.1 200 OK") {
				t.Fatalf("with 1000 idle connections: %q", out)
			}
		}
		// The idle ones still work.
		c := conns[500]
		io.WriteString(c, "GET /version.txt HTTP/1.1\r\nHost: x\r\n\r\n")
		r, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || r.StatusCode != 200 {
			t.Fatalf("idle connection: %v", err)
		}
	})
}

// replaceArchive atomically puts a new archive at path (the running server
// keeps its mapping of the old file).
func replaceArchive(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestReloadUnderLoad: 20 SIGHUP reloads while clients keep requesting;
// no request fails, and each reload's content is served after it.
func TestReloadUnderLoad(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		dir := t.TempDir()
		versions := make([][]byte, 2)
		for i := range versions {
			site := filepath.Join(dir, fmt.Sprintf("site%d", i))
			if err := writeSite(site, fmt.Sprintf("v%d", i)); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, fmt.Sprintf("v%d.zs.tar", i))
			if err := pack(site, out); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			versions[i] = b
		}
		live := filepath.Join(dir, "live.zs.tar")
		replaceArchive(t, live, versions[0])
		s := startServer(t, tr, live)

		var stop atomic.Bool
		var ok, failed atomic.Int64
		var firstErr atomic.Value
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: 10 * time.Second}
				defer client.CloseIdleConnections()
				for !stop.Load() {
					for _, p := range []string{"/hello.txt", "/version.txt", "/big.bin"} {
						resp, err := client.Get(s.url + p)
						if err == nil {
							_, err = io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
							if err == nil && resp.StatusCode != 200 {
								err = fmt.Errorf("GET %s: %s", p, resp.Status)
							}
						}
						if err != nil {
							failed.Add(1)
							firstErr.CompareAndSwap(nil, err)
						} else {
							ok.Add(1)
						}
					}
				}
			}()
		}
		for i := 1; i <= 20; i++ {
			v := i % 2
			replaceArchive(t, live, versions[v])
			s.signal(syscall.SIGHUP)
			s.waitLog(fmt.Sprintf("generation=%d", i+1))
			out := rawExchange(t, s.addr, "GET /version.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			if !strings.HasSuffix(out, fmt.Sprintf("\r\n\r\nv%d\n", v)) {
				t.Fatalf("after reload %d: %q", i, out)
			}
		}
		stop.Store(true)
		wg.Wait()
		if failed.Load() != 0 {
			t.Fatalf("%d of %d requests failed during reloads; first: %v", failed.Load(), ok.Load()+failed.Load(), firstErr.Load())
		}
		if ok.Load() == 0 {
			t.Fatal("no requests made")
		}
		t.Logf("%d requests during 20 reloads, none failed", ok.Load())

		// A bad archive keeps the old one serving.
		replaceArchive(t, live, []byte("this is not an archive"))
		s.signal(syscall.SIGHUP)
		s.waitLog("reload failed")
		out := rawExchange(t, s.addr, "GET /version.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if !strings.HasSuffix(out, "\r\n\r\nv0\n") {
			t.Fatalf("after a failed reload: %q", out)
		}
		os.Remove(live)
		s.signal(syscall.SIGHUP)
		s.waitLog("reload failed")
		if err := s.stop(); err != nil {
			t.Fatalf("exit: %v", err)
		}
	})
}

// TestDrain: SIGTERM closes idle connections, lets a request in flight
// finish, and exits 0 after an orderly drain.
//
// The "draining" line is logged before the connections are told, so a
// request whose body completes right after it may be answered before the
// drain reaches its connection: its response may then say keep-alive, and
// what is guaranteed is that the connection closes after it. The test
// asserts exactly that: a complete response, then EOF.
func TestDrain(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		s := startServer(t, tr, siteTar, "--body-timeout", "30s", "--drain-timeout", "10s")
		idle, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer idle.Close()
		io.WriteString(idle, "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
		idleR := bufio.NewReader(idle)
		resp, err := http.ReadResponse(idleR, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		// A request in flight: its head is in, its body still arriving. The
		// server must have parsed that head before the signal, or the drain
		// rightly closes the connection as idle: a GET pipelined before it
		// in the same write is answered only after the server has parsed
		// both heads (a connection consumes every request one read returns
		// before its answers are sent).
		busy, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer busy.Close()
		io.WriteString(busy, "GET /version.txt HTTP/1.1\r\nHost: x\r\n\r\n"+
			"POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab")
		busy.SetReadDeadline(time.Now().Add(20 * time.Second)) // hang guard, past the drain timeout
		busyR := bufio.NewReader(busy)
		if r := readResponses(t, busyR, "GET")[0]; r.StatusCode != 200 || bodyOf(r) != "v0\n" {
			t.Fatalf("pipelined GET: %d %q", r.StatusCode, bodyOf(r))
		}

		s.signal(syscall.SIGTERM)
		s.waitLog("draining")
		idle.SetReadDeadline(time.Now().Add(20 * time.Second))
		if b, err := idleR.ReadByte(); err == nil {
			t.Fatalf("idle connection got %q, want EOF", b)
		}
		idle.Close() // so the server's lingering close ends now, not at its timeout
		io.WriteString(busy, "cd")
		r := readResponses(t, busyR, "POST")[0]
		if r.StatusCode != 405 {
			t.Fatalf("in-flight request: status %d, want 405", r.StatusCode)
		}
		// With or without Connection: close, nothing follows the response.
		if b, err := busyR.ReadByte(); err == nil {
			t.Fatalf("in-flight connection: %q after the response (Close=%v), want EOF", b, r.Close)
		} else if !errors.Is(err, io.EOF) {
			t.Fatalf("in-flight connection after the response: %v, want EOF", err)
		}
		busy.Close()
		for range s.lines {
		}
		<-s.done
		if s.waitErr != nil {
			t.Fatalf("exit: %v", s.waitErr)
		}
		// Every connection closed by itself, none at the drain deadline.
		if log := s.log(); !strings.Contains(log, "drained") || strings.Contains(log, "drain ended") {
			t.Fatalf("no orderly drain:\n%s", log)
		}
		if _, err := net.Dial("tcp", s.addr); err == nil {
			t.Fatal("still accepting after drain")
		}
	})
}

// TestAccessLog: one line per request on stdout, in text and JSON, with the
// request id; broken requests are logged too.
func TestAccessLog(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			s := startServer(t, "netpoll", siteTar, "--access-log", "on", "--log-format", format)
			rawExchange(t, s.addr, "GET /hello.txt?a=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			rawExchange(t, s.addr, "GET / HTTP/1.1\r\n\r\n") // no Host: 400
			if err := s.stop(); err != nil {
				t.Fatalf("exit: %v", err)
			}
			lines := strings.Split(strings.TrimSpace(s.stdout.String()), "\n")
			if len(lines) != 3 {
				t.Fatalf("%d access log lines:\n%s", len(lines), s.stdout.String())
			}
			want := map[string][]string{
				"text": {`"GET /hello.txt?a=1 HTTP/1.1" 200 174 `, `"GET /missing HTTP/1.1" 404 `, `" 400 `},
				"json": {`"target":"/hello.txt?a=1","proto":"HTTP/1.1","status":200,"bytes":174,`, `"target":"/missing","proto":"HTTP/1.1","status":404`, `"status":400`},
			}[format]
			for i, w := range want {
				if !strings.Contains(lines[i], w) {
					t.Errorf("line %d: %s\nwant %s", i, lines[i], w)
				}
			}
			// The refused request's id is in the error log too.
			id := lines[2][strings.LastIndex(lines[2], "id")+3:]
			id = strings.Trim(id, `":}`)
			if len(id) != 16 || !strings.Contains(s.log(), id) {
				t.Errorf("request id %q not in the error log:\n%s", id, s.log())
			}
		})
	}
}
