package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Audit tests for issue 3's HTTP/1.1 framing, limits and process
// behaviours through the real binary on both transports: request bodies
// (Content-Length and chunked) on a kept-alive connection, Expect:
// 100-continue, the 414/431/413/408 limits, SIGINT, --addr fd:N, systemd
// LISTEN_FDS, several listeners, --workers and the io_uring instances in
// /proc/PID/fd.

// auditConn is one connection for pipelined exchanges. Its deadline only
// turns a hang into a failure.
type auditConn struct {
	c net.Conn
	r *bufio.Reader
}

func auditDial(t *testing.T, addr string) *auditConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(15 * time.Second))
	return &auditConn{c: c, r: bufio.NewReader(c)}
}

func (a *auditConn) send(t *testing.T, s string) {
	t.Helper()
	if _, err := io.WriteString(a.c, s); err != nil {
		t.Fatal(err)
	}
}

// closed checks that the server closed the connection after what was read.
func (a *auditConn) closed(t *testing.T) {
	t.Helper()
	if b, err := a.r.ReadByte(); err == nil {
		rest, _ := io.ReadAll(a.r)
		t.Fatalf("more after the response: %q", append([]byte{b}, rest...))
	}
}

func TestAuditBodies(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		s := startServer(t, tr, siteTar, "--max-body-bytes", "1024", "--body-timeout", "30s")
		t.Run("content-length and chunked bodies keep the connection", func(t *testing.T) {
			a := auditDial(t, s.addr)
			// A body split across writes, chunk extensions and trailers:
			// the request after each body is parsed from the right byte.
			a.send(t, "POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nGET /versi")
			a.send(t, "GET /version.txt HTTP/1.1\r\nHost: x\r\n\r\n")
			a.send(t, "POST /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"+
				"5;ext=1\r\nGET /\r\n18\r\nversion.txt HTTP/1.1\r\n\r\n\r\n0\r\nX-Trailer: t\r\n\r\n")
			a.send(t, "GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			rs := readResponses(t, a.r, "POST", "GET", "POST", "GET")
			want := []int{405, 200, 405, 200}
			for i, r := range rs {
				if r.StatusCode != want[i] {
					t.Fatalf("response %d: %d, want %d", i, r.StatusCode, want[i])
				}
			}
			if bodyOf(rs[1]) != "v0\n" || bodyOf(rs[3]) != hello174 {
				t.Fatal("the body bytes were taken for requests")
			}
			a.closed(t)
		})
		t.Run("expect 100-continue answered without the body", func(t *testing.T) {
			a := auditDial(t, s.addr)
			// The client holds its body back; the final response must come
			// now (the body timeout is 30 s, the guard 15 s).
			a.send(t, "POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n")
			r := readResponses(t, a.r, "POST")[0]
			if r.StatusCode != 405 || !r.Close {
				t.Fatalf("status %d close %v, want 405 and close", r.StatusCode, r.Close)
			}
			a.closed(t)
			// curl waits for 100 Continue or the final response.
			out := curl(t, "--expect100-timeout", "30", "-H", "Expect: 100-continue", "--data-binary", strings.Repeat("x", 100), s.url+"/hello.txt")
			if !strings.HasPrefix(out, "HTTP/1.1 405 ") {
				t.Fatalf("curl with Expect:\n%s", out)
			}
		})
		t.Run("413 content-length", func(t *testing.T) {
			out := rawExchange(t, s.addr, "POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1025\r\n\r\n"+strings.Repeat("x", 1025))
			if !strings.HasPrefix(out, "HTTP/1.1 413 ") || !strings.Contains(out, "Connection: close\r\n") {
				t.Fatalf("%q", out)
			}
			out = rawExchange(t, s.addr, "POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\nConnection: close\r\n\r\n"+strings.Repeat("x", 1024))
			if !strings.HasPrefix(out, "HTTP/1.1 405 ") {
				t.Fatalf("body at the limit: %q", out)
			}
		})
		t.Run("413 chunked", func(t *testing.T) {
			out := rawExchange(t, s.addr, "POST /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"+
				"200\r\n"+strings.Repeat("x", 512)+"\r\n201\r\n"+strings.Repeat("x", 513)+"\r\n0\r\n\r\n")
			if !strings.HasPrefix(out, "HTTP/1.1 413 ") || !strings.Contains(out, "Connection: close\r\n") {
				t.Fatalf("%q", out)
			}
		})
		t.Run("curl 413", func(t *testing.T) {
			out := curl(t, "--data-binary", strings.Repeat("x", 2000), s.url+"/hello.txt")
			if !strings.HasPrefix(out, "HTTP/1.1 413 ") {
				t.Fatalf("curl:\n%s", out)
			}
		})
	})
}

func TestAuditHeadLimits(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		s := startServer(t, tr, siteTar)
		fields := func(n int) string {
			var b strings.Builder
			for i := range n {
				fmt.Fprintf(&b, "X-F%d: v\r\n", i)
			}
			return b.String()
		}
		tests := []struct {
			name, req, status string
		}{
			{"request line 8 KiB", "GET /" + strings.Repeat("a", 8192) + " HTTP/1.1\r\nHost: x\r\n\r\n", "414"},
			{"request line just under", "GET /" + strings.Repeat("a", 8000) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "404"},
			{"header block over 16 KiB", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", 16*1024) + "\r\n\r\n", "431"},
			{"header block under 16 KiB", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", 15*1024) + "\r\nConnection: close\r\n\r\n", "200"},
			{"101 fields", "GET / HTTP/1.1\r\nHost: x\r\n" + fields(100) + "\r\n", "431"},
			{"100 fields", "GET /hello.txt HTTP/1.1\r\nHost: x\r\n" + fields(98) + "Connection: close\r\n\r\n", "200"},
			{"invalid name byte", "GET / HTTP/1.1\r\nHost: x\r\nX(A): 1\r\n\r\n", "400"},
			{"invalid value byte", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n", "400"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				out := rawExchange(t, s.addr, tt.req)
				if !strings.HasPrefix(out, "HTTP/1.1 "+tt.status+" ") {
					t.Fatalf("want %s: %.300q", tt.status, out)
				}
				if tt.status >= "400" && tt.status != "404" && !strings.Contains(out, "Connection: close\r\n") {
					t.Fatalf("no Connection: close: %.300q", out)
				}
			})
		}
		t.Run("curl", func(t *testing.T) {
			out := curl(t, s.url+"/"+strings.Repeat("a", 9000))
			if !strings.HasPrefix(out, "HTTP/1.1 414 ") {
				t.Fatalf("curl long URL:\n%.300s", out)
			}
			out = curl(t, "-H", "X-Big: "+strings.Repeat("b", 17*1024), s.url+"/hello.txt")
			if !strings.HasPrefix(out, "HTTP/1.1 431 ") {
				t.Fatalf("curl big header:\n%.300s", out)
			}
		})
	})
}

// TestAuditBodyTimeout: a stalled request body gets 408 and a close, while
// other clients are served.
func TestAuditBodyTimeout(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		s := startServer(t, tr, siteTar, "--body-timeout", "500ms")
		a := auditDial(t, s.addr)
		a.send(t, "POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
		out := rawExchange(t, s.addr, "GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if !strings.HasPrefix(out, "HTTP/1.1 200 OK") {
			t.Fatalf("other client: %q", out)
		}
		got, _ := io.ReadAll(a.r)
		if !strings.HasPrefix(string(got), "HTTP/1.1 408 ") || !strings.Contains(string(got), "Connection: close\r\n") {
			t.Fatalf("stalled body got %q", got)
		}
	})
}

// TestAuditSIGINT: SIGINT drains and exits 0 like SIGTERM.
func TestAuditSIGINT(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		s := startServer(t, tr, siteTar)
		if out := rawExchange(t, s.addr, "GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); !strings.HasPrefix(out, "HTTP/1.1 200 ") {
			t.Fatalf("%q", out)
		}
		s.signal(syscall.SIGINT)
		for range s.lines {
		}
		<-s.done
		if s.waitErr != nil {
			t.Fatalf("exit after SIGINT: %v\n%s", s.waitErr, s.log())
		}
		if !strings.Contains(s.log(), "drained") {
			t.Fatalf("no drain:\n%s", s.log())
		}
	})
}

// listenerFile opens a loopback listener and returns it as a file for a
// child process, and its address.
func listenerFile(t *testing.T) (*os.File, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	f, err := l.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, l.Addr().String()
}

func TestAuditInheritedListeners(t *testing.T) {
	bin := filepath.Join(binDir, "zeroserve")
	forEachTransport(t, func(t *testing.T, tr string) {
		get := func(t *testing.T, addr string) {
			t.Helper()
			out := rawExchange(t, addr, "GET /version.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			if !strings.HasPrefix(out, "HTTP/1.1 200 ") || !strings.HasSuffix(out, "v0\n") {
				t.Fatalf("GET on %s: %q", addr, out)
			}
		}
		t.Run("addr fd:N", func(t *testing.T) {
			f, addr := listenerFile(t)
			cmd := exec.Command(bin, "--addr", "fd:3", "--transport", tr, "--workers", "2", "--access-log", "off", siteTar)
			cmd.ExtraFiles = []*os.File{f}
			s := startCmd(t, cmd, tr)
			if s.addr != addr {
				t.Fatalf("startup line names %s, the inherited socket is %s", s.addr, addr)
			}
			get(t, addr)
			if err := s.stop(); err != nil {
				t.Fatalf("exit: %v", err)
			}
		})
		t.Run("systemd LISTEN_FDS", func(t *testing.T) {
			f1, addr1 := listenerFile(t)
			f2, addr2 := listenerFile(t)
			// LISTEN_PID must name the server: sh sets it to its own pid
			// and execs, as systemd does.
			cmd := exec.Command("sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=2 exec "$0" "$@"`,
				bin, "--transport", tr, "--workers", "2", "--access-log", "off", siteTar)
			cmd.ExtraFiles = []*os.File{f1, f2}
			s := startCmd(t, cmd, tr)
			second := s.waitLog("listening on ")
			for _, a := range []string{addr1, addr2} {
				if !strings.Contains(s.addr+" "+second, a) {
					t.Fatalf("startup lines name %s and %q, not %s", s.addr, second, a)
				}
				get(t, a)
			}
			if err := s.stop(); err != nil {
				t.Fatalf("exit: %v", err)
			}
		})
		t.Run("LISTEN_PID of another process", func(t *testing.T) {
			f, _ := listenerFile(t)
			cmd := exec.Command(bin, "--transport", tr, "--addr", "127.0.0.1:0", "--access-log", "off", siteTar)
			cmd.Env = append(os.Environ(), "LISTEN_FDS=1", "LISTEN_PID=1")
			cmd.ExtraFiles = []*os.File{f}
			s := startCmd(t, cmd, tr)
			get(t, s.addr)
			if err := s.stop(); err != nil {
				t.Fatalf("exit: %v", err)
			}
			if n := strings.Count(s.log(), "listening on "); n != 1 {
				t.Fatalf("%d listeners, want only --addr's:\n%s", n, s.log())
			}
		})
		t.Run("two addrs", func(t *testing.T) {
			s := startServer(t, tr, siteTar, "--addr", "127.0.0.1:0")
			second := listeningRE.FindStringSubmatch(s.waitLog("listening on "))
			if second == nil || second[1] == s.addr {
				t.Fatalf("second listener: %v", second)
			}
			get(t, s.addr)
			get(t, second[1])
		})
	})
}

// TestAuditWorkersAndRings: --workers sets the number of loops, and with
// io_uring each has its own ring, visible in /proc/PID/fd.
func TestAuditWorkersAndRings(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		args := []string{"--addr", "127.0.0.1:0", "--workers", "3", "--transport", tr, "--access-log", "off", siteTar}
		s := startCmd(t, exec.Command(filepath.Join(binDir, "zeroserve"), args...), tr)
		line := listeningRE.FindStringSubmatch(s.waitLogged("listening on "))
		if line == nil || line[2] != "3" {
			t.Fatalf("startup line %v, want 3 workers", line)
		}
		// Every worker is up once each answers; connections are spread by
		// SO_REUSEPORT, so the count of rings is what is checked.
		out := rawExchange(t, s.addr, "GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if !strings.HasPrefix(out, "HTTP/1.1 200 ") {
			t.Fatalf("%q", out)
		}
		fdDir := fmt.Sprintf("/proc/%d/fd", s.cmd.Process.Pid)
		ents, err := os.ReadDir(fdDir)
		if err != nil {
			t.Fatal(err)
		}
		rings := 0
		for _, e := range ents {
			if target, err := os.Readlink(filepath.Join(fdDir, e.Name())); err == nil && target == "anon_inode:[io_uring]" {
				rings++
			}
		}
		want := map[string]int{"uring": 3, "netpoll": 0}[tr]
		if rings != want {
			t.Fatalf("%s: %d io_uring fds in %s, want %d", tr, rings, fdDir, want)
		}
	})
}

// waitLogged returns the startup line already consumed by startCmd: it is
// in the log, not in the line channel any more.
func (s *server) waitLogged(substr string) string {
	for _, l := range strings.Split(s.log(), "\n") {
		if strings.Contains(l, substr) {
			return l
		}
	}
	return ""
}
