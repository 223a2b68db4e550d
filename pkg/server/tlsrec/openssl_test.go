package tlsrec

import (
	"bufio"
	"crypto/tls"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"zeroserve.dev/zeroserve/internal/testutil"
)

// TestOpenSSLClient runs openssl s_client against the record layer: every
// TLS 1.3 suite (Go's client never picks AES-256 or, on AES hardware,
// ChaCha20), pipelined data after Finished, and KeyUpdate typed as "k"
// (update our keys) and "K" (update and request ours).
func TestOpenSSLClient(t *testing.T) {
	bin := testutil.Tool(t, "openssl", "Debian package openssl")
	for _, tt := range []struct{ suite, input string }{
		{"TLS_AES_128_GCM_SHA256", "one\ntwo\n"},
		{"TLS_AES_256_GCM_SHA384", "one\ntwo\n"},
		{"TLS_CHACHA20_POLY1305_SHA256", "one\ntwo\n"},
		{"TLS_AES_128_GCM_SHA256", "one\nk\ntwo\nK\nthree\n"},
		{"TLS_CHACHA20_POLY1305_SHA256", "one\nK\ntwo\nk\nthree\n"},
	} {
		t.Run(tt.suite+"/"+strings.ReplaceAll(strings.TrimSpace(tt.input), "\n", ","), func(t *testing.T) {
			base, _ := baseConfig(t, tls.VersionTLS12)
			s := newTestServer(t, base)
			cmd := exec.Command(bin, "s_client", "-connect", s.addr(), "-servername", "example.test",
				"-tls1_3", "-ciphersuites", tt.suite, "-alpn", "http/1.1")
			stdin, _ := cmd.StdinPipe()
			// s_client reports KEYUPDATE on stderr: read both in order.
			stdout, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer stdout.Close()
			cmd.Stdout, cmd.Stderr = w, w
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			defer cmd.Process.Kill()
			sv := s.next()
			br := bufio.NewReader(stdout)
			// One line per write: s_client only takes a command letter at
			// the start of what it read; it prints KEYUPDATE for one.
			for _, l := range strings.Split(strings.TrimSpace(tt.input), "\n") {
				io.WriteString(stdin, l+"\n")
				want := "echo: " + l
				if l == "k" || l == "K" {
					want = "KEYUPDATE"
				}
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						t.Fatalf("openssl output ended waiting for %q: %v", want, err)
					}
					if strings.TrimSpace(line) == want {
						break
					}
					if strings.HasPrefix(line, "echo: ") {
						t.Fatalf("got %q, want %q", line, want)
					}
				}
			}
			io.WriteString(stdin, "close\n")
			stdin.Close()
			if err := sv.wait(t); err != nil {
				t.Fatalf("server: %v", err)
			}
			cmd.Wait()
			st := sv.c.ConnectionState()
			if tls.CipherSuiteName(st.CipherSuite) != tt.suite {
				t.Errorf("suite %s", tls.CipherSuiteName(st.CipherSuite))
			}
			nk := strings.Count(tt.input, "k\n") + strings.Count(tt.input, "K\n")
			if sv.c.in.gen != nk {
				t.Errorf("client key generation %d, want %d", sv.c.in.gen, nk)
			}
			if nK := strings.Count(tt.input, "K\n"); sv.c.out.gen != nK {
				t.Errorf("server key generation %d, want %d", sv.c.out.gen, nK)
			}
		})
	}
}
