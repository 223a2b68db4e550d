package e2e

// HTTP/2 against the real zeroserve binary: h2spec over TLS and h2c,
// h2load, curl with prior knowledge, scripts over HTTP/2 (yielding ones
// included), and GOAWAY on drain.

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/internal/testutil"

	"golang.org/x/net/http2"
)

var h2specSummary = regexp.MustCompile(`(\d+) tests, (\d+) passed, (\d+) skipped, (\d+) failed`)

// TestH2Spec runs h2spec v2.2.1 (145 cases) against zeroserve over TLS
// (ALPN h2) and over h2c with prior knowledge. CI installs h2spec
// (tools/deps.sh); elsewhere:
//
//	go install github.com/summerwind/h2spec/cmd/h2spec@v2.2.1+incompatible
func TestH2Spec(t *testing.T) {
	bin := testutil.Tool(t, "h2spec", "go install github.com/summerwind/h2spec/cmd/h2spec@v2.2.1+incompatible")
	forEachTransport(t, func(t *testing.T, tr string) {
		dir := t.TempDir()
		ca := newCA(t, dir)
		s := startTLS(t, tr, pairFlags(t, dir, ca)...)
		_, plainPort, _ := net.SplitHostPort(s.addr)
		for _, run := range []struct {
			name string
			args []string
		}{
			{"tls", []string{"-t", "-k", "-h", "127.0.0.1", "-p", s.port}},
			{"h2c", []string{"-h", "127.0.0.1", "-p", plainPort}},
		} {
			// -P: a path with a non-empty body, so the flow-control cases run.
			out, err := exec.Command(bin, append(run.args, "-P", "/hello.txt", "-o", "5")...).CombinedOutput()
			m := h2specSummary.FindSubmatch(out)
			if m == nil {
				t.Fatalf("h2spec %s: %v\n%s", run.name, err, out)
			}
			t.Logf("h2spec %s (%s): %s", run.name, tr, m[0])
			if string(m[1]) != "145" || string(m[2]) != "145" {
				i := strings.Index(string(out), "Failures:")
				t.Errorf("h2spec %s: %s\n%s", run.name, m[0], out[max(i, 0):])
			}
		}
	})
}

var h2loadDone = regexp.MustCompile(`requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored`)

// h2load runs a short bounded h2load and fails unless every request
// succeeded.
func h2load(t *testing.T, url string, n int) {
	t.Helper()
	out, err := exec.Command("h2load", "-n", strconv.Itoa(n), "-c", "4", "-m", "10", url).CombinedOutput()
	if err != nil {
		t.Fatalf("h2load %s: %v\n%s", url, err, out)
	}
	m := h2loadDone.FindStringSubmatch(string(out))
	if m == nil || m[4] != strconv.Itoa(n) || m[5] != "0" || m[6] != "0" {
		t.Fatalf("h2load %s:\n%s", url, out)
	}
	if !strings.Contains(string(out), "status codes: "+strconv.Itoa(n)+" 2xx") {
		t.Fatalf("h2load %s: not all 2xx:\n%s", url, out)
	}
}

func TestH2Load(t *testing.T) {
	testutil.Tool(t, "h2load", "Debian package nghttp2-client")
	forEachTransport(t, func(t *testing.T, tr string) {
		dir := t.TempDir()
		ca := newCA(t, dir)
		s := startTLS(t, tr, pairFlags(t, dir, ca)...)
		h2load(t, "https://"+s.tlsAddr+"/hello.txt", 2000)
		h2load(t, s.server.url+"/hello.txt", 2000) // h2c, prior knowledge
		h2load(t, "https://"+s.tlsAddr+"/big.bin", 100)
	})
}

func TestH2PriorKnowledge(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		s := startServer(t, tr, siteTar)
		// curl 7.88 cannot reuse a prior-knowledge connection: one URL a call.
		for _, tt := range []struct{ args, want []string }{
			{[]string{"/hello.txt"}, []string{"HTTP/2 200", "content-length: 174", hello174}},
			{[]string{"/missing"}, []string{"HTTP/2 404"}},
			{[]string{"-I", "/style.css"}, []string{"HTTP/2 200", "content-type: text/css"}},
			{[]string{"-H", "Range: bytes=0-4", "/hello.txt"}, []string{"HTTP/2 206", "\nhello"}},
			{[]string{"-H", "Accept-Encoding: gzip", "/big.bin"}, []string{"HTTP/2 200"}},
		} {
			args := append([]string{"--http2-prior-knowledge"}, tt.args[:len(tt.args)-1]...)
			out := curl(t, append(args, s.url+tt.args[len(tt.args)-1])...)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("%v: no %q in\n%s", tt.args, w, out)
				}
			}
		}
		// HTTP/1.1 on the same listener.
		if out := curl(t, "--http1.1", s.url+"/version.txt"); !strings.HasPrefix(out, "HTTP/1.1 200") {
			t.Errorf("HTTP/1.1 beside h2c: %q", out)
		}
		// --h2=false: the preface is an HTTP/1.1 error.
		off := startServer(t, tr, siteTar, "--h2=false")
		if out := rawExchange(t, off.addr, http2.ClientPreface); !strings.HasPrefix(out, "HTTP/1.1 ") {
			t.Errorf("preface with --h2=false: %q", out)
		}
	})
}

// h2Client speaks HTTP/2 over TLS (Go's client) trusting ca.
func h2Client(ca *testCA) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http2.Transport{
		TLSClientConfig: &tls.Config{RootCAs: ca.pool}}}
}

// TestH2Scripts: the script chain, templates and metadata headers over
// HTTP/2 on TLS, with a slice small enough that every script yields.
func TestH2Scripts(t *testing.T) {
	needClang(t)
	forEachTransport(t, func(t *testing.T, tr string) {
		for _, slice := range []string{"65536", "50"} {
			dir := t.TempDir()
			ca := newCA(t, dir)
			c := h2Client(ca)
			get := func(s *tlsServer, method, path string, headers ...string) reply {
				t.Helper()
				req, _ := http.NewRequest(method, s.url("localhost", path), nil)
				req.Host = "localhost"
				for _, h := range headers {
					k, v, _ := strings.Cut(h, ": ")
					req.Header.Add(k, v)
				}
				// Dial 127.0.0.1 whatever the URL's host.
				c.Transport.(*http2.Transport).DialTLSContext = func(ctx context.Context, network, _ string, cfg *tls.Config) (net.Conn, error) {
					d := tls.Dialer{Config: cfg}
					return d.DialContext(ctx, network, s.tlsAddr)
				}
				resp, err := c.Do(req)
				if err != nil {
					t.Fatalf("%s %s: %v", method, path, err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				if resp.ProtoMajor != 2 {
					t.Fatalf("%s %s: %s", method, path, resp.Proto)
				}
				return reply{resp.StatusCode, resp.Header, string(b)}
			}

			flags := append(pairFlags(t, dir, ca), "--script-slice", slice)
			s := startTLSArchive(t, tr, buildSite(t, "../examples/headers"), flags...)
			r := get(s, "GET", "/")
			r.check(t, "index", 200)
			if r.header.Get("X-Frame-Options") != "DENY" || r.header.Get("ETag") == "" {
				t.Fatalf("slice %s: index headers %v", slice, r.header)
			}
			r = get(s, "GET", "/inspect?q=1", "X-Debug-Token: secret")
			r.check(t, "inspect", 200, `"x_forwarded_proto":"https"`, `"x_debug_token":""`,
				`"query":"q=1"`, `"http_version_x10":20`, `"tls":true`)
			newPage := get(s, "GET", "/new/page.html")
			get(s, "GET", "/old/page.html").check(t, "rewritten", 200, newPage.body)

			s2 := startTLSArchive(t, tr, buildSite(t, "../examples/template"), flags...)
			r = get(s2, "GET", "/?name=%3Cb%3EAda%3C/b%3E", "User-Agent: e2e-agent")
			r.check(t, "template", 200, ", &lt;b&gt;Ada&lt;/b&gt;!", "using e2e-agent.")
			head := get(s2, "HEAD", "/?name=%3Cb%3EAda%3C/b%3E", "User-Agent: e2e-agent")
			if head.header.Get("Content-Length") != strconv.Itoa(len(r.body)) || head.body != "" {
				t.Fatalf("HEAD Content-Length %q, GET body %d bytes", head.header.Get("Content-Length"), len(r.body))
			}
		}
	})
}

// TestH2Drain: SIGTERM sends GOAWAY(NO_ERROR) on an open HTTP/2
// connection, which then closes, and the process exits 0.
func TestH2Drain(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		s := startServer(t, tr, siteTar)
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, http2.ClientPreface)
		fr := http2.NewFramer(c, c)
		fr.WriteSettings()
		// The server's SETTINGS (and the ACK of ours) show the connection
		// is up; then ask it to drain.
		f, err := fr.ReadFrame()
		if err != nil || f.Header().Type != http2.FrameSettings {
			t.Fatalf("first frame %v, %v", f, err)
		}
		s.signal(syscall.SIGTERM)
		for {
			f, err := fr.ReadFrame()
			if err != nil {
				t.Fatalf("no GOAWAY before %v", err)
			}
			if g, ok := f.(*http2.GoAwayFrame); ok {
				if g.ErrCode != http2.ErrCodeNo {
					t.Fatalf("GOAWAY %v", g.ErrCode)
				}
				break
			}
		}
		if _, err := io.Copy(io.Discard, c); err != nil {
			t.Fatalf("connection not closed after GOAWAY: %v", err)
		}
		<-s.done
		if s.waitErr != nil {
			t.Fatalf("exit: %v", s.waitErr)
		}
	})
}
