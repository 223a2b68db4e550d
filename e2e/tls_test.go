package e2e

// HTTPS against the real zeroserve binary with real clients: curl, Go's
// net/http (resumption, TLS 1.2), openssl s_client (SNI selection,
// -reconnect, KeyUpdate), wrk; certificate reloads and 421.

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/internal/testutil"
)

// testCA is a throwaway certificate authority for one test.
type testCA struct {
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
	pemBuf []byte
	file   string // ca.pem, for curl --cacert
	pool   *x509.CertPool
}

func newCA(t *testing.T, dir string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "zeroserve e2e CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ca := &testCA{cert: cert, key: key, pemBuf: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		file: filepath.Join(dir, "ca.pem"), pool: x509.NewCertPool()}
	ca.pool.AddCert(cert)
	if err := os.WriteFile(ca.file, ca.pemBuf, 0o644); err != nil {
		t.Fatal(err)
	}
	return ca
}

var serial int64 = 100

// issue writes certFile and keyFile: an ECDSA P-256 leaf for names (the
// first is the CommonName) signed by ca. An IP address name becomes an IP
// SAN.
func (ca *testCA) issue(t *testing.T, certFile, keyFile string, names ...string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: names[0]},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(12 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeFileAtomic(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	writeFileAtomic(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}))
}

// writeFileAtomic replaces path atomically (a reload never reads half a file).
func writeFileAtomic(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

var tlsListeningRE = regexp.MustCompile(`listening on https://([0-9.:\[\]a-f]+) \((\d+) workers, ([a-z_]+); ([a-z0-9/., ]+)\)`)

// tlsServer is zeroserve with a plain and a TLS listener.
type tlsServer struct {
	*server
	tlsAddr string
	port    string
	protos  string
}

// startTLS runs zeroserve on transport with a plain listener (the one
// startServer expects) and a TLS one, with flags naming the certificates.
func startTLS(t *testing.T, transport string, flags ...string) *tlsServer {
	t.Helper()
	return startTLSArchive(t, transport, siteTar, flags...)
}

// startTLSArchive is startTLS serving another archive.
func startTLSArchive(t *testing.T, transport, archive string, flags ...string) *tlsServer {
	t.Helper()
	s := startServer(t, transport, archive, append([]string{"--tls-addr", "127.0.0.1:0"}, flags...)...)
	line := s.waitLog("listening on https://")
	m := tlsListeningRE.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("TLS startup line %q does not match %v", line, tlsListeningRE)
	}
	_, port, _ := net.SplitHostPort(m[1])
	return &tlsServer{server: s, tlsAddr: m[1], port: port, protos: m[4]}
}

// url is https://NAME:PORT/path; resolve maps NAME to loopback for curl.
func (s *tlsServer) url(name, path string) string { return "https://" + name + ":" + s.port + path }
func (s *tlsServer) resolve(name string) string   { return name + ":" + s.port + ":127.0.0.1" }

// pairFlags writes one identity for localhost and 127.0.0.1.
func pairFlags(t *testing.T, dir string, ca *testCA) []string {
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca.issue(t, cert, key, "localhost", "127.0.0.1")
	return []string{"--cert", cert, "--key", key}
}

func TestTLSCurl(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		dir := t.TempDir()
		ca := newCA(t, dir)
		s := startTLS(t, tr, pairFlags(t, dir, ca)...)
		if s.protos != "h2, http/1.1" {
			t.Errorf("startup line protocols %q", s.protos)
		}
		for _, tt := range []struct{ flag, version string }{
			{"--http1.1", "1.1"},
			{"--http2", "2"},
		} {
			out := curl(t, tt.flag, "--cacert", ca.file, "--resolve", s.resolve("localhost"),
				"-w", "\nversion=%{http_version}", s.url("localhost", "/hello.txt"))
			if !strings.Contains(out, hello174+"\nversion="+tt.version) {
				t.Errorf("curl %s: %q", tt.flag, out)
			}
			if !strings.Contains(strings.ToLower(out), "content-length: 174") {
				t.Errorf("curl %s: no content-length 174:\n%s", tt.flag, out)
			}
			// A 404 and a HEAD go through the same pipeline.
			out = curl(t, tt.flag, "--cacert", ca.file, "--resolve", s.resolve("localhost"),
				s.url("localhost", "/missing"))
			if !strings.Contains(out, " 404") {
				t.Errorf("curl %s /missing: %q", tt.flag, out)
			}
			out = curl(t, tt.flag, "--cacert", ca.file, "--resolve", s.resolve("localhost"), "-I",
				s.url("localhost", "/style.css"))
			if !strings.Contains(out, " 200") || !strings.Contains(strings.ToLower(out), "content-type: text/css") {
				t.Errorf("curl %s -I: %q", tt.flag, out)
			}
		}
		// Several URLs over one HTTP/2 connection (multiplexed).
		out := curl(t, "--http2", "--cacert", ca.file, "--resolve", s.resolve("localhost"),
			s.url("localhost", "/hello.txt"), s.url("localhost", "/version.txt"), s.url("localhost", "/big.bin"),
			"-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{num_connects}\n")
		if out != "200 174 1\n200 3 0\n200 262144 0\n" {
			t.Errorf("three URLs on one connection: %q", out)
		}
	})
}

// goClient returns a net/http client trusting ca, with a session cache and
// no connection reuse, so that every request is a new handshake.
func goClient(ca *testCA, maxVersion uint16, h2 bool) *http.Client {
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: ca.pool, ClientSessionCache: tls.NewLRUClientSessionCache(4),
			MaxVersion: maxVersion},
		DisableKeepAlives: true,
		ForceAttemptHTTP2: h2,
	}
	if !h2 {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func TestTLSGoClientResumption(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		dir := t.TempDir()
		ca := newCA(t, dir)
		s := startTLS(t, tr, pairFlags(t, dir, ca)...)
		for _, tt := range []struct {
			name    string
			max     uint16
			h2      bool
			version uint16
			proto   int
		}{
			{"tls13-h2", tls.VersionTLS13, true, tls.VersionTLS13, 2},
			{"tls13-h1", tls.VersionTLS13, false, tls.VersionTLS13, 1},
			{"tls12-h2", tls.VersionTLS12, true, tls.VersionTLS12, 2},
			{"tls12-h1", tls.VersionTLS12, false, tls.VersionTLS12, 1},
		} {
			t.Run(tt.name, func(t *testing.T) {
				c := goClient(ca, tt.max, tt.h2)
				for i := range 3 {
					resp, err := c.Get(s.url("localhost", "/hello.txt"))
					if err != nil {
						t.Fatal(err)
					}
					body := bodyOf(resp)
					resp.Body.Close()
					if resp.StatusCode != 200 || body != hello174 || resp.ProtoMajor != tt.proto ||
						resp.TLS.Version != tt.version {
						t.Fatalf("request %d: %s %s %x %q", i, resp.Status, resp.Proto, resp.TLS.Version, body)
					}
					if resumed := resp.TLS.DidResume; resumed != (i > 0) {
						t.Fatalf("request %d: DidResume=%v", i, resumed)
					}
				}
			})
		}
	})
}

func TestTLSMin13RefusesTLS12(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		dir := t.TempDir()
		ca := newCA(t, dir)
		s := startTLS(t, tr, append(pairFlags(t, dir, ca), "--tls-min", "1.3")...)
		if _, err := goClient(ca, tls.VersionTLS12, true).Get(s.url("localhost", "/")); err == nil ||
			!strings.Contains(err.Error(), "protocol version") {
			t.Fatalf("TLS 1.2 client against --tls-min 1.3: %v", err)
		}
		resp, err := goClient(ca, tls.VersionTLS13, true).Get(s.url("localhost", "/hello.txt"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatal(resp.Status)
		}
	})
}

// sniDir writes two identities, a.test (also *.wild.test) and b.test,
// into dir.
func sniDir(t *testing.T, dir string, ca *testCA) string {
	certs := filepath.Join(dir, "certs")
	if err := os.Mkdir(certs, 0o755); err != nil {
		t.Fatal(err)
	}
	ca.issue(t, filepath.Join(certs, "a.pem"), filepath.Join(certs, "a.key"), "a.test", "*.wild.test")
	ca.issue(t, filepath.Join(certs, "b.pem"), filepath.Join(certs, "b.key"), "b.test")
	return certs
}

// sClient runs openssl s_client with args and stdin, returning its output.
func sClient(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("openssl", append([]string{"s_client"}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("openssl s_client %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func TestTLSOpenSSL(t *testing.T) {
	testutil.Tool(t, "openssl", "Debian package openssl")
	forEachTransport(t, func(t *testing.T, tr string) {
		dir := t.TempDir()
		ca := newCA(t, dir)
		s := startTLS(t, tr, "--cert-dir", sniDir(t, dir, ca))
		subject := regexp.MustCompile(`subject=CN ?= ?(\S+)`)
		for _, tt := range []struct{ sni, want string }{
			{"a.test", "a.test"},
			{"b.test", "b.test"},
			{"x.wild.test", "a.test"},
			{"unknown.test", "a.test"}, // the default: first file in name order
		} {
			out := sClient(t, "", "-connect", s.tlsAddr, "-servername", tt.sni, "-CAfile", ca.file)
			m := subject.FindStringSubmatch(out)
			if m == nil || m[1] != tt.want {
				t.Errorf("SNI %s: served %v, want %s", tt.sni, m, tt.want)
			}
			if tt.sni != "unknown.test" && !strings.Contains(out, "Verify return code: 0 (ok)") {
				t.Errorf("SNI %s: certificate not verified:\n%s", tt.sni, out)
			}
		}

		// TLS 1.2 -reconnect: five more connections resuming the first
		// session.
		out := sClient(t, "", "-connect", s.tlsAddr, "-servername", "b.test", "-tls1_2", "-reconnect")
		if n := strings.Count(out, "\nReused, TLSv1.2"); n != 5 {
			t.Errorf("-tls1_2 -reconnect: %d Reused lines, want 5:\n%s", n, out)
		}
		// TLS 1.3: s_client -reconnect drops the connection before the
		// post-handshake NewSessionTicket is read, so it never resumes (with
		// any server). Save the ticket after a request and resume from it.
		sess := filepath.Join(dir, "session.pem")
		req := "GET /version.txt HTTP/1.1\nHost: b.test\nConnection: close\n\n"
		out = sClient(t, req, "-connect", s.tlsAddr, "-servername", "b.test", "-tls1_3", "-crlf", "-ign_eof",
			"-sess_out", sess)
		if !strings.Contains(out, "\nNew, TLSv1.3") || !strings.Contains(out, "\nv0") {
			t.Errorf("-tls1_3 first connection:\n%s", out)
		}
		for range 2 {
			out = sClient(t, req, "-connect", s.tlsAddr, "-servername", "b.test", "-tls1_3", "-crlf", "-ign_eof",
				"-sess_in", sess)
			if !strings.Contains(out, "\nReused, TLSv1.3") || !strings.Contains(out, "\nv0") {
				t.Errorf("-tls1_3 -sess_in: not resumed:\n%s", out)
			}
		}

		// KeyUpdate typed as k (ours) and K (both), between requests on
		// one HTTP/1.1 connection.
		keyUpdates(t, s.tlsAddr)
	})
}

// keyUpdates drives s_client interactively: a request, k, a request, K, a
// request; each response must arrive under the updated keys.
func keyUpdates(t *testing.T, addr string) {
	t.Helper()
	// No -ign_eof: it turns the command letters off.
	cmd := exec.Command("openssl", "s_client", "-connect", addr, "-servername", "a.test", "-tls1_3",
		"-alpn", "http/1.1", "-crlf")
	stdin, _ := cmd.StdinPipe()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd.Stdout, cmd.Stderr = w, w // KEYUPDATE goes to stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	br := bufio.NewReader(r)
	expect := func(want string) {
		t.Helper()
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("s_client output ended waiting for %q: %v", want, err)
			}
			if strings.HasPrefix(strings.TrimSpace(line), want) {
				return
			}
		}
	}
	request := "GET /version.txt HTTP/1.1\nHost: a.test\n\n"
	for _, step := range []string{request, "k\n", request, "K\n", request} {
		io.WriteString(stdin, step)
		if step == request {
			expect("HTTP/1.1 200 OK")
			expect("v0")
		} else {
			expect("KEYUPDATE")
		}
	}
}

// servedSerial returns the serial number of the certificate served for sni.
func servedSerial(t *testing.T, addr, sni string, ca *testCA) string {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{ServerName: sni, RootCAs: ca.pool})
	if err != nil {
		t.Fatalf("dial %s: %v", sni, err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].SerialNumber.String()
}

func TestTLSReload(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		dir := t.TempDir()
		ca := newCA(t, dir)
		flags := pairFlags(t, dir, ca)
		certFile, keyFile := flags[1], flags[3]
		s := startTLS(t, tr, flags...)
		first := servedSerial(t, s.tlsAddr, "localhost", ca)

		// A new certificate is served after SIGHUP.
		ca.issue(t, certFile, keyFile, "localhost", "127.0.0.1")
		s.signal(syscall.SIGHUP)
		s.waitLog("reloaded")
		second := servedSerial(t, s.tlsAddr, "localhost", ca)
		if second == first {
			t.Fatalf("still serving serial %s after the reload", first)
		}

		// A broken certificate keeps the one before.
		writeFileAtomic(t, certFile, []byte("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"))
		s.signal(syscall.SIGHUP)
		s.waitLog("reload failed")
		if got := servedSerial(t, s.tlsAddr, "localhost", ca); got != second {
			t.Fatalf("serial %s after a failed reload, want %s", got, second)
		}
		// A key that does not match its certificate too.
		ca.issue(t, certFile, filepath.Join(dir, "other.key"), "localhost")
		s.signal(syscall.SIGHUP)
		s.waitLog("reload failed")
		if got := servedSerial(t, s.tlsAddr, "localhost", ca); got != second {
			t.Fatalf("serial %s after a mismatched key, want %s", got, second)
		}
		out := curl(t, "--http2", "--cacert", ca.file, "--resolve", s.resolve("localhost"), s.url("localhost", "/version.txt"))
		if !strings.Contains(out, "\nv0\n") {
			t.Fatalf("after failed reloads: %q", out)
		}
	})
}

func TestTLSMisdirected(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		dir := t.TempDir()
		ca := newCA(t, dir)
		certs := sniDir(t, dir, ca)
		for _, validate := range []bool{false, true} {
			flags := []string{"--cert-dir", certs}
			if validate {
				flags = append(flags, "--validate-hostnames")
			}
			s := startTLS(t, tr, flags...)
			for _, tt := range []struct {
				name      string
				sni, host string // sni "" connects to 127.0.0.1 (no SNI)
				status    string
				validated string // the status with --validate-hostnames
			}{
				{"sni matches", "a.test", "a.test", "200", "200"},
				{"sni matches with port", "b.test", "b.test:" + s.port, "200", "200"},
				{"sni and host differ", "a.test", "b.test", "421", "421"},
				{"wildcard", "x.wild.test", "x.wild.test", "200", "200"},
				{"no sni, known host", "", "b.test", "200", "200"},
				{"no sni, unknown host", "", "unknown.test", "200", "421"},
				{"no sni, too deep for the wildcard", "", "a.b.wild.test", "200", "421"},
			} {
				for _, proto := range []string{"--http1.1", "--http2"} {
					args := []string{proto, "--cacert", ca.file, "-k", "-o", "/dev/null", "-w", "%{http_code}",
						"-H", "Host: " + tt.host}
					if tt.sni != "" {
						args = append(args, "--resolve", s.resolve(tt.sni), s.url(tt.sni, "/hello.txt"))
					} else {
						args = append(args, "https://"+s.tlsAddr+"/hello.txt")
					}
					out, err := exec.Command("curl", append([]string{"-sS", "--max-time", "10"}, args...)...).CombinedOutput()
					if err != nil {
						t.Fatalf("validate=%v %s %s: curl: %v\n%s", validate, tt.name, proto, err, out)
					}
					want := tt.status
					if validate {
						want = tt.validated
					}
					if string(out) != want {
						t.Errorf("validate=%v %s %s: status %s, want %s", validate, tt.name, proto, out, want)
					}
				}
			}
			// The plain listener is not checked.
			if out := curl(t, "-H", "Host: unknown.test", s.server.url+"/hello.txt"); !strings.HasPrefix(out, "HTTP/1.1 200") {
				t.Errorf("plain listener: %q", out)
			}
		}
	})
}

func TestTLSWrk(t *testing.T) {
	testutil.Tool(t, "wrk", "Debian package wrk")
	forEachTransport(t, func(t *testing.T, tr string) {
		dir := t.TempDir()
		ca := newCA(t, dir)
		s := startTLS(t, tr, pairFlags(t, dir, ca)...)
		out, err := exec.Command("wrk", "-t1", "-c8", "-d1s", "https://"+s.tlsAddr+"/hello.txt").CombinedOutput()
		if err != nil {
			t.Fatalf("wrk: %v\n%s", err, out)
		}
		m := wrkRequestsRE.FindSubmatch(out)
		if m == nil || string(m[1]) == "0" {
			t.Fatalf("wrk made no requests:\n%s", out)
		}
		if strings.Contains(string(out), "Non-2xx") || strings.Contains(string(out), "Socket errors") {
			t.Fatalf("wrk saw errors:\n%s", out)
		}
		t.Logf("wrk: %s requests over HTTPS", m[1])
	})
}

var wrkRequestsRE = regexp.MustCompile(`(\d+) requests in`)
