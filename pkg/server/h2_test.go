package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"zeroserve.dev/zeroserve/internal/selfsigned"
	"zeroserve.dev/zeroserve/pkg/archive"
)

// testTransports lists the transports this machine can run.
func testTransports(t *testing.T) []string {
	trs := []string{"netpoll"}
	if err := uringSupported(); err == nil {
		trs = append(trs, "uring")
	} else {
		t.Logf("io_uring not tested: %v", err)
	}
	return trs
}

// serveForTest runs a Server with cfg (Open defaults to a one-file
// archive) until the test ends and returns it once it listens.
func serveForTest(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Open == nil && cfg.Archive == "" {
		b := packedBytes(t, "index")
		cfg.Open = func() (*archive.Reader, error) { return archive.OpenBytes(b) }
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	select {
	case <-s.Ready():
	case err := <-served:
		served <- err
		t.Fatalf("Serve: %v", err)
	}
	return s
}

// h2cPost posts body with HTTP/2 prior knowledge on a connection of its
// own (x/net's client drops a connection whose upload was cut short).
func h2cPost(t *testing.T, url string, body []byte) int {
	t.Helper()
	tr := &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Post(url, "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.ProtoMajor != 2 {
		t.Fatalf("%s: answered over %s", url, res.Proto)
	}
	return res.StatusCode
}

// TestH2MaxBody: --max-body-bytes bounds HTTP/2 request bodies as it does
// HTTP/1.1 ones, above http2's own 64 KiB default.
func TestH2MaxBody(t *testing.T) {
	const limit = 100_000
	for _, tr := range testTransports(t) {
		t.Run(tr, func(t *testing.T) {
			s := serveForTest(t, Config{Addrs: []string{"127.0.0.1:0"}, Workers: 1, Transport: tr, MaxBodyBytes: limit})
			url := s.URLs()[0] + "/"
			tests := []struct {
				size   int
				tooBig bool
			}{
				{1000, false},
				{limit, false}, // above http2's default
				{limit + 1, true},
				{4 * limit, true},
			}
			for _, tt := range tests {
				got := h2cPost(t, url, bytes.Repeat([]byte("b"), tt.size))
				if (got == 413) != tt.tooBig {
					t.Errorf("POST of %d bytes (limit %d): status %d", tt.size, limit, got)
				}
			}
		})
	}
}

// h2Client returns an HTTP/2-only client: over TLS with ALPN "h2" (any
// certificate), or h2c with prior knowledge.
func h2Client(useTLS bool) *http.Client {
	tr := &http2.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	if !useTLS {
		tr.AllowHTTP = true
		tr.DialTLSContext = func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}
	}
	return &http.Client{Transport: tr}
}

// TestH2Endpoint: endpoints answer HTTP/2 streams, over h2c and over TLS
// with ALPN h2: a plain response, the head alone for HEAD, and a stream
// whose events arrive as they are pushed while other requests share the
// connection; a stream the client resets is closed while the others go
// on, no stream pins a generation, and a drain ends the open stream with
// a clean end of body.
func TestH2Endpoint(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "site.crt"), filepath.Join(dir, "site.key")
	if _, err := selfsigned.Write(cert, key, "localhost", time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, tr := range testTransports(t) {
		for _, mode := range []string{"h2c", "tls"} {
			t.Run(tr+"/"+mode, func(t *testing.T) {
				ls := &liveStreams{started: make(chan *fakeStream, 1)}
				b := packedBytes(t, "index")
				cfg := Config{
					Open: func() (*archive.Reader, error) { return archive.OpenBytes(b) },
					Endpoint: func(r *EndpointRequest) Endpoint {
						if string(r.Path) == "/.zeroserve/ping" {
							return Endpoint{Status: 200, Fields: textFields, Body: pongBody}
						}
						return ls.serve(r)
					},
					Addrs:     []string{"127.0.0.1:0"},
					Workers:   1,
					Transport: tr,
					Log:       slog.New(slog.DiscardHandler),
				}
				if mode == "tls" {
					cfg.Addrs, cfg.TLSAddrs = nil, []string{"127.0.0.1:0"}
					cfg.CertFile, cfg.KeyFile = cert, key
				}
				s, err := New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				served := make(chan error, 1)
				go func() { served <- s.Serve(ctx) }()
				select {
				case <-s.Ready():
				case err := <-served:
					t.Fatalf("Serve: %v", err)
				}
				base := s.URLs()[0]
				client := h2Client(mode == "tls")
				do := func(ctx context.Context, method, path string) *http.Response {
					t.Helper()
					req, err := http.NewRequestWithContext(ctx, method, base+path, nil)
					if err != nil {
						t.Fatal(err)
					}
					res, err := client.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					if res.ProtoMajor != 2 {
						t.Fatalf("%s %s answered over %s", method, path, res.Proto)
					}
					return res
				}
				get := func(path string) (*http.Response, string) {
					t.Helper()
					res := do(context.Background(), "GET", path)
					defer res.Body.Close()
					body, err := io.ReadAll(res.Body)
					if err != nil {
						t.Fatalf("GET %s: %v", path, err)
					}
					return res, string(body)
				}

				if res, body := get("/.zeroserve/ping"); res.StatusCode != 200 || body != "pong\n" || res.ContentLength != 5 || res.Header.Get("Content-Type") != "text/plain" {
					t.Fatalf("ping: %d %q length %d %v", res.StatusCode, body, res.ContentLength, res.Header)
				}
				if res, body := get("/.zeroserve/other"); res.StatusCode != 404 {
					t.Fatalf("unclaimed path: %d %q", res.StatusCode, body)
				}
				res := do(context.Background(), "HEAD", "/.zeroserve/events")
				res.Body.Close()
				if hs := <-ls.started; res.StatusCode != 200 || hs.closes() != 1 {
					t.Fatalf("HEAD of a stream: %d, stream closed %d times", res.StatusCode, hs.closes())
				}

				refs := s.Current().Refs()
				res = do(context.Background(), "GET", "/.zeroserve/events")
				if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" || res.ContentLength != -1 {
					t.Fatalf("stream head: %d %v length %d", res.StatusCode, res.Header, res.ContentLength)
				}
				stream := <-ls.started // Start ran before the head was sent
				if got := s.Current().Refs(); got != refs {
					t.Errorf("an open stream pins the generation: refs %d, %d before", got, refs)
				}
				br := bufio.NewReader(res.Body)
				event := func(data string) {
					t.Helper()
					stream.push("data: "+data+"\n\n", false)
					for _, want := range []string{"data: " + data + "\n", "\n"} {
						if line, err := br.ReadString('\n'); err != nil || line != want {
							t.Fatalf("stream line %q, %v; want %q", line, err, want)
						}
					}
				}
				for i := range 3 {
					event(strconv.Itoa(i))
				}
				// Other streams share the connection meanwhile.
				if _, body := get("/"); body != "index" {
					t.Fatalf("GET / beside the stream: %q", body)
				}
				event("beside")

				// A stream the client resets is closed; the first goes on.
				rctx, reset := context.WithCancel(context.Background())
				res2 := do(rctx, "GET", "/.zeroserve/events")
				gone := <-ls.started
				reset()
				res2.Body.Close()
				select {
				case <-gone.closedC:
				case <-time.After(30 * time.Second): // a guard against a hang
					t.Fatal("the reset stream was never closed")
				}
				event("after reset")

				// Drain ends the stream cleanly: END_STREAM, then the
				// connection closes.
				cancel()
				if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
					t.Fatalf("stream after drain: %q, %v", rest, err)
				}
				res.Body.Close()
				if err := <-served; err != nil {
					t.Fatalf("Serve: %v", err)
				}
				if stream.closes() != 1 || gone.closes() != 1 {
					t.Fatalf("streams closed %d and %d times", stream.closes(), gone.closes())
				}
			})
		}
	}
}
