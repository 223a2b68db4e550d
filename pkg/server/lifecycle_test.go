package server

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/pkg/archive"
)

// Connection lifecycle on the real transports: a client that half-closes
// (shutdown of its write side) after its requests still gets every
// response, then EOF.

// serveSlow runs a Server on transport tr with the 30-slow script (its
// /slow yields many times before it answers), a plain and, with tlsToo, a
// TLS listener; it returns the plain and TLS addresses.
func serveSlow(t *testing.T, tr string, tlsToo bool) (plain, secure string) {
	t.Helper()
	b, _, err := archive.PackBytes(testFiles, []archive.Script{scriptObject(t, "30-slow")}, archive.Options{MinCompressSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Open:        func() (*archive.Reader, error) { return archive.OpenBytes(b) },
		Addrs:       []string{"127.0.0.1:0"},
		Transport:   tr,
		Workers:     1,
		ScriptSlice: 1000,
	}
	if tlsToo {
		cfg.TLSAddrs = []string{"127.0.0.1:0"}
		cfg.CertFile, cfg.KeyFile = writeTestCert(t)
	}
	s := serveForTest(t, cfg)
	addrs := s.Addrs()
	plain = addrs[0].String()
	if tlsToo {
		secure = addrs[1].String()
	}
	return plain, secure
}

// readAllResponses reads HTTP/1.1 responses from r until EOF and returns
// "status body" for each; any error other than a clean EOF between
// responses fails the test.
func readAllResponses(t *testing.T, r *bufio.Reader) []string {
	t.Helper()
	var out []string
	for {
		if _, err := r.Peek(1); err == io.EOF {
			return out
		} else if err != nil {
			t.Fatalf("after %d responses: %v", len(out), err)
		}
		res, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("response %d: %v", len(out)+1, err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatalf("response %d body: %v", len(out)+1, err)
		}
		out = append(out, res.Status+" "+string(body))
	}
}

func dialRaw(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// A guard against a hang, not a synchronisation.
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return c.(*net.TCPConn)
}

// TestHalfCloseWhileScriptYields: requests followed at once by a
// half-close are all answered, the first one by a chain that yields many
// times, and then the server closes (EOF), on both transports, plain and
// over TLS (the TCP half-close comes without a close_notify).
func TestHalfCloseWhileScriptYields(t *testing.T) {
	const slow = "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
	const hello = "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
	slowRes := "200 OK slow done\n"
	helloRes := "200 OK " + string(testFiles[1].Data)
	for _, tr := range testTransports(t) {
		t.Run(tr, func(t *testing.T) {
			plain, secure := serveSlow(t, tr, true)
			for _, tt := range []struct {
				name, in string
				want     []string
			}{
				{"one", slow, []string{slowRes}},
				{"pipelined", slow + hello + slow, []string{slowRes, helloRes, slowRes}},
			} {
				t.Run(tt.name, func(t *testing.T) {
					c := dialRaw(t, plain)
					io.WriteString(c, tt.in)
					if err := c.CloseWrite(); err != nil {
						t.Fatal(err)
					}
					got := readAllResponses(t, bufio.NewReader(c))
					if strings.Join(got, "|") != strings.Join(tt.want, "|") {
						t.Fatalf("got %q\nwant %q", got, tt.want)
					}
				})
				t.Run(tt.name+"/tls", func(t *testing.T) {
					c := dialRaw(t, secure)
					tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
					if err := tc.Handshake(); err != nil {
						t.Fatal(err)
					}
					io.WriteString(tc, tt.in)
					if err := c.CloseWrite(); err != nil { // TCP FIN, no close_notify
						t.Fatal(err)
					}
					got := readAllResponses(t, bufio.NewReader(tc))
					if strings.Join(got, "|") != strings.Join(tt.want, "|") {
						t.Fatalf("got %q\nwant %q", got, tt.want)
					}
				})
			}
		})
	}
}

// TestLingeringClose: a client whose request is refused and who keeps
// sending (the rest of a refused body, more pipelined data) gets the whole
// error response and then EOF, not a reset caused by the server closing a
// socket with unread input; on both transports. The client sends 32 KiB
// more once it has the response, when a server without a lingering close
// has closed its socket already.
func TestLingeringClose(t *testing.T) {
	extra := strings.Repeat("x", 32<<10)
	for _, tr := range testTransports(t) {
		t.Run(tr, func(t *testing.T) {
			s := serveForTest(t, Config{Addrs: []string{"127.0.0.1:0"}, Transport: tr, Workers: 1, MaxBodyBytes: 1024})
			addr := s.Addrs()[0].String()
			for _, tt := range []struct {
				name, in, want string
			}{
				{"bad request", "GET / HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n", "400 Bad Request"},
				{"body too large", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 40000\r\n\r\n" + extra[:1000], "413 Content Too Large"},
			} {
				t.Run(tt.name, func(t *testing.T) {
					c := dialRaw(t, addr)
					if _, err := io.WriteString(c, tt.in); err != nil {
						t.Fatal(err)
					}
					r := bufio.NewReader(c)
					res, err := http.ReadResponse(r, nil)
					if err != nil {
						t.Fatal(err)
					}
					if _, err := io.Copy(io.Discard, res.Body); err != nil {
						t.Fatalf("body: %v", err)
					}
					if res.Status != tt.want {
						t.Fatalf("status %q, want %q", res.Status, tt.want)
					}
					if _, err := io.WriteString(c, extra); err != nil {
						t.Fatalf("sending more after the response: %v", err)
					}
					if n, err := r.Read(make([]byte, 1)); n != 0 || err != io.EOF {
						t.Fatalf("after the response: %d bytes, %v; want EOF", n, err)
					}
				})
			}
		})
	}
}
