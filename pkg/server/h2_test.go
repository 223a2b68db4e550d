package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"

	"golang.org/x/net/http2"
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
