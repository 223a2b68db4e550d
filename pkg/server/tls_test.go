package server

import (
	"path/filepath"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/internal/selfsigned"
)

func TestHostName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"example.com", "example.com"},
		{"example.com:443", "example.com"},
		{"Example.COM.", "Example.COM"},
		{"example.com.:8443", "example.com"},
		{"[::1]:8443", "::1"},
		{"[::1]", "::1"},
		{"127.0.0.1:80", "127.0.0.1"},
		{"", ""},
	} {
		if got := string(hostName([]byte(tt.in))); got != tt.want {
			t.Errorf("hostName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMisdirectedSNI(t *testing.T) {
	for _, tt := range []struct {
		name string
		hc   hostCheck
		host string
		want bool
	}{
		{"plain is never checked", hostCheck{sni: "a.test"}, "b.test", false},
		{"same name", hostCheck{tls: true, sni: "a.test"}, "a.test", false},
		{"case and port", hostCheck{tls: true, sni: "A.Test"}, "a.TEST:8443", false},
		{"trailing dots", hostCheck{tls: true, sni: "a.test."}, "a.test.", false},
		{"other name", hostCheck{tls: true, sni: "a.test"}, "b.test", true},
		{"prefix", hostCheck{tls: true, sni: "a.test"}, "a.tes", true},
		{"no sni", hostCheck{tls: true}, "b.test", false},
		{"no host", hostCheck{tls: true, sni: "a.test"}, "", false},
	} {
		if got := tt.hc.misdirected([]byte(tt.host)); got != tt.want {
			t.Errorf("%s: misdirected(%q) = %v, want %v", tt.name, tt.host, got, tt.want)
		}
	}
}

func TestMisdirectedAllocs(t *testing.T) {
	hc := hostCheck{tls: true, sni: "example.com"}
	host := []byte("Example.com:443")
	if n := testing.AllocsPerRun(100, func() { hc.misdirected(host) }); n != 0 {
		t.Fatalf("%v allocations per SNI check", n)
	}
}

func TestLooksHTTP1(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
	}{
		{"GET / HTTP/1.1\r\n", 1},
		{"GET ", 1},
		{"GE", 0},
		{"BREW /pot HTTP/1.1\r\n", 1},
		{"BREW /pot", 0},
		{"bare LF / HTTP/1.0\n", 1},
		{"INVALID CONNECTION PREFACE\r\n\r\n", -1},
		{"\r\n", -1},
		{string(make([]byte, 9000)), 1}, // over the request line limit: 414 from HTTP/1.1
	} {
		if got := looksHTTP1([]byte(tt.in)); got != tt.want {
			t.Errorf("looksHTTP1(%.20q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// TestTLSLoadNeedsAValidCertificate: certificates that no handshake could
// use (all expired, or not valid yet) are refused at startup and, on
// reload, leave the previous ones serving, as a broken file would.
func TestTLSLoadNeedsAValidCertificate(t *testing.T) {
	for _, tt := range []struct {
		name string
		age  time.Duration // issued this long from now (valid 1 h before to 7 days after)
		ok   bool
	}{
		{"valid", 0, true},
		{"expired", -30 * 24 * time.Hour, false},
		{"not-yet-valid", 2 * time.Hour, false},
	} {
		dir := t.TempDir()
		cert, key := filepath.Join(dir, "site.crt"), filepath.Join(dir, "site.key")
		if _, err := selfsigned.Write(cert, key, "localhost", time.Now().Add(tt.age)); err != nil {
			t.Fatal(err)
		}
		for _, st := range []*tlsState{{certFile: cert, keyFile: key}, {certDir: dir}} {
			store, err := st.load()
			if (err == nil) != tt.ok || (err == nil && store == nil) {
				t.Errorf("%s (dir %q): load: %v, want ok %v", tt.name, st.certDir, err, tt.ok)
			}
		}
	}
}
