package server

import (
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/internal/selfsigned"
	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/server/transport"
)

// writeTestCert writes a self-signed certificate for 127.0.0.1 and
// localhost and its key; it returns their paths.
func writeTestCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if _, err := selfsigned.Write(certFile, keyFile, "localhost", time.Now()); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func countRings(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && l == "anon_inode:[io_uring]" {
			n++
		}
	}
	return n
}

// TestOneTransportForAllListeners: plain and TLS listeners run on one
// transport with Workers workers (one ring each on io_uring), and every
// connection, plain or TLS, gets a worker index below Workers (script
// runner slots are per index).
func TestOneTransportForAllListeners(t *testing.T) {
	certFile, keyFile := writeTestCert(t)
	const workers = 2
	for _, tr := range testTransports(t) {
		t.Run(tr, func(t *testing.T) {
			b := packedBytes(t, "index")
			s, err := New(Config{
				Open:      func() (*archive.Reader, error) { return archive.OpenBytes(b) },
				Addrs:     []string{"127.0.0.1:0"},
				TLSAddrs:  []string{"127.0.0.1:0"},
				CertFile:  certFile,
				KeyFile:   keyFile,
				Workers:   workers,
				Transport: tr,
				Log:       slog.New(slog.DiscardHandler),
			})
			if err != nil {
				t.Fatal(err)
			}
			defer s.cur.Store(nil)
			if s.slots != workers {
				t.Errorf("%d script runner slots for %d workers", s.slots, workers)
			}
			groups, err := s.listenGroups()
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			seen := map[bool][]int{} // TLS → worker indexes
			for i := range groups {
				f, isTLS := groups[i].factory, groups[i].tls
				groups[i].factory = func(info transport.Info) transport.Conn {
					mu.Lock()
					seen[isTLS] = append(seen[isTLS], info.Worker)
					mu.Unlock()
					return f(info)
				}
			}
			rings := countRings(t)
			run, err := s.start(groups)
			for _, g := range groups {
				g.ls.close()
			}
			if err != nil {
				t.Fatal(err)
			}
			if tr == "uring" {
				if n := countRings(t) - rings; n != workers {
					t.Errorf("%d rings for %d workers and two listener groups", n, workers)
				}
			}
			addrs := run.addrs()
			if len(addrs) != 2 {
				t.Fatalf("addrs %v", addrs)
			}
			client := &http.Client{Transport: &http.Transport{
				TLSClientConfig:   &tls.Config{InsecureSkipVerify: true},
				DisableKeepAlives: true,
			}}
			for i, url := range []string{"http://" + addrs[0].String(), "https://" + addrs[1].String()} {
				for range 8 {
					res, err := client.Get(url + "/")
					if err != nil {
						t.Fatal(err)
					}
					body, _ := io.ReadAll(res.Body)
					res.Body.Close()
					if res.StatusCode != 200 || string(body) != "index" || (i == 1) != (res.TLS != nil) {
						t.Fatalf("%s: %d %q tls %v", url, res.StatusCode, body, res.TLS != nil)
					}
				}
			}
			if err := run.shutdown(time.Now().Add(10 * time.Second)); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			for isTLS, idx := range seen {
				for _, w := range idx {
					if w < 0 || w >= workers {
						t.Errorf("tls=%v: worker index %d of %d workers", isTLS, w, workers)
					}
				}
			}
			if len(seen[false]) != 8 || len(seen[true]) != 8 {
				t.Errorf("connections: %d plain, %d TLS", len(seen[false]), len(seen[true]))
			}
		})
	}
}
