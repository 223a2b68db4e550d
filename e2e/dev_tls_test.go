package e2e

import (
	"bufio"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var fingerprintRE = regexp.MustCompile(`SHA-256 ([0-9A-F:]{95})`)

// TestDevTLS: `zspack dev --tls` serves HTTPS with a throwaway certificate
// whose printed fingerprint is the one the server presents, and an edit is
// served over it.
func TestDevTLS(t *testing.T) {
	dir := devSite(t, false)
	d := startDev(t, dir, "--tls", "--transport", "netpoll")
	if !strings.HasPrefix(d.url, "https://") {
		t.Fatalf("URL %s, want https", d.url)
	}
	m := fingerprintRE.FindStringSubmatch(d.output())
	if m == nil {
		t.Fatalf("no certificate fingerprint in the output:\n%s", d.output())
	}
	// Over HTTP/1.1 and over HTTP/2 (ALPN h2): pages, the event stream
	// and an edit.
	for _, proto := range []int{1, 2} {
		t.Run(fmt.Sprintf("HTTP/%d", proto), func(t *testing.T) {
			tr := &http.Transport{
				TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, // checked by fingerprint below
				ForceAttemptHTTP2: proto == 2,
			}
			if proto == 1 {
				tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
			}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			get := func(path string) (string, *http.Response) {
				t.Helper()
				res, err := client.Get(d.url + path)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, err := io.ReadAll(res.Body)
				if err != nil {
					t.Fatal(err)
				}
				return string(b), res
			}
			body, res := get("/")
			if res.ProtoMajor != proto {
				t.Fatalf("GET / spoke %s, want HTTP/%d", res.Proto, proto)
			}
			sum := sha256.Sum256(res.TLS.PeerCertificates[0].Raw)
			if got := strings.ReplaceAll(m[1], ":", ""); got != strings.ToUpper(hex.EncodeToString(sum[:])) {
				t.Errorf("printed fingerprint %s is not the served certificate's", m[1])
			}
			if !strings.Contains(body, "data-zeroserve-build") {
				t.Errorf("GET / over TLS lacks the reload script: %q", body)
			}
			// The live-reload event stream is served over TLS too.
			res, err := client.Get(d.url + "/.zeroserve/dev/events")
			if err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(res.Body)
			var head []string
			for len(head) < 3 { // "retry: …", then "event: hello"
				line, err := br.ReadString('\n')
				if err != nil {
					break
				}
				head = append(head, line)
			}
			res.Body.Close()
			if res.ProtoMajor != proto || res.Header.Get("Content-Type") != "text/event-stream" || !slices.Contains(head, "event: hello\n") {
				t.Fatalf("event stream over TLS: %s %s %q, first lines %q", res.Proto, res.Status, res.Header.Get("Content-Type"), head)
			}
			page := fmt.Sprintf("<p>v%d</p>", proto+1)
			writeFile(t, filepath.Join(dir, "index.html"), page)
			poll(t, page+" served over TLS", func() bool {
				b, _ := get("/")
				return strings.Contains(b, page)
			})
		})
	}
}
