package server

import (
	"testing"
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
