package tlsrec

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/transport"
)

func baseConfig(t testing.TB, minVersion uint16) (*tls.Config, *x509.CertPool) {
	cert, pool := testCert(t, "example.test")
	cfg := BaseConfig(minVersion, []string{"h2", "http/1.1"}, func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		return &cert, nil
	})
	return cfg, pool
}

func clientConfig(pool *x509.CertPool) *tls.Config {
	return &tls.Config{RootCAs: pool, ServerName: "example.test", NextProtos: []string{"http/1.1"}}
}

// roundTrip sends lines and checks the echoes.
func roundTrip(t *testing.T, tc *tls.Conn, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if _, err := io.WriteString(tc, l+"\n"); err != nil {
			t.Fatal(err)
		}
		got, err := readLine(tc)
		if err != nil {
			t.Fatalf("read echo of %q: %v", l, err)
		}
		if got != "echo: "+l {
			t.Fatalf("got %q, want %q", got, "echo: "+l)
		}
	}
}

// closeOrderly asks the inner conn to close and checks close_notify (EOF).
func closeOrderly(t *testing.T, tc *tls.Conn, sv *served) {
	t.Helper()
	io.WriteString(tc, "close\n")
	if got, _ := readLine(tc); got != "bye" {
		t.Fatalf("got %q, want bye", got)
	}
	if _, err := tc.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("after close: %v, want io.EOF (close_notify)", err)
	}
	if err := sv.wait(t); err != nil {
		t.Fatalf("server: %v", err)
	}
}

func TestTLS13Echo(t *testing.T) {
	base, pool := baseConfig(t, tls.VersionTLS12)
	s := newTestServer(t, base)
	tc, err := tls.Dial("tcp", s.addr(), clientConfig(pool))
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	sv := s.next()
	roundTrip(t, tc, "hello", "world", strings.Repeat("a", 20000))
	st := sv.c.ConnectionState()
	if st.Version != tls.VersionTLS13 || st.NegotiatedProtocol != "http/1.1" || st.ServerName != "example.test" {
		t.Errorf("state: version %#x alpn %q sni %q", st.Version, st.NegotiatedProtocol, st.ServerName)
	}
	if sv.c.phase != phTLS13 {
		t.Errorf("phase %d, want TLS 1.3 record layer", sv.c.phase)
	}
	// A large response spans several records, coalesced per flush.
	io.WriteString(tc, "big 100000\n")
	got, err := readLine(tc)
	if err != nil || len(got) != 100000 {
		t.Fatalf("big: %d bytes, %v", len(got), err)
	}
	closeOrderly(t, tc, sv)
	if sv.inner.err != nil || !sv.inner.closed {
		t.Errorf("inner closed %v err %v", sv.inner.closed, sv.inner.err)
	}
}

// TestCryptoTLSBehaviour pins what the record layer relies on in
// crypto/tls; if a Go upgrade changes any of it, this fails loudly.
func TestCryptoTLSBehaviour(t *testing.T) {
	for _, tt := range []struct {
		name    string
		cache   bool
		tickets int
	}{
		{"with-session-cache", true, 1},
		{"no-session-cache", false, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			base, pool := baseConfig(t, tls.VersionTLS12)
			s := newTestServer(t, base)
			cc := clientConfig(pool)
			if tt.cache {
				cc.ClientSessionCache = tls.NewLRUClientSessionCache(4)
			}
			tc, err := tls.Dial("tcp", s.addr(), cc)
			if err != nil {
				t.Fatal(err)
			}
			defer tc.Close()
			sv := s.next()
			roundTrip(t, tc, "ping")
			// Exactly one NewSessionTicket per connection, counted through
			// WrapSession; our write sequence starts after it.
			if sv.c.tickets != tt.tickets {
				t.Errorf("crypto/tls sent %d session tickets, want %d", sv.c.tickets, tt.tickets)
			}
			if sv.c.out.seq != uint64(tt.tickets)+1 {
				t.Errorf("server write seq %d after one record, want %d", sv.c.out.seq, tt.tickets+1)
			}
			// Client records start at sequence 0: one record read.
			if sv.c.in.seq != 1 {
				t.Errorf("client read seq %d after one record, want 1", sv.c.in.seq)
			}
			want := []string{"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
				"CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"}
			if !slices.Equal(sv.c.kl.labels, want) {
				t.Errorf("key log labels %q, want %q", sv.c.kl.labels, want)
			}
			closeOrderly(t, tc, sv)
		})
	}
}

func TestResumption(t *testing.T) {
	for _, v := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			base, pool := baseConfig(t, tls.VersionTLS12)
			s := newTestServer(t, base)
			cc := clientConfig(pool)
			cc.MaxVersion = v
			cc.ClientSessionCache = tls.NewLRUClientSessionCache(4)
			for i, wantResume := range []bool{false, true} {
				tc, err := tls.Dial("tcp", s.addr(), cc)
				if err != nil {
					t.Fatal(err)
				}
				sv := s.next()
				roundTrip(t, tc, "ping") // the TLS 1.3 ticket is read here
				if got := tc.ConnectionState().DidResume; got != wantResume {
					t.Errorf("connection %d: client DidResume %v, want %v", i, got, wantResume)
				}
				if got := sv.c.ConnectionState().DidResume; got != wantResume {
					t.Errorf("connection %d: server DidResume %v, want %v", i, got, wantResume)
				}
				if got := sv.c.ConnectionState().Version; got != v {
					t.Errorf("version %#x, want %#x", got, v)
				}
				closeOrderly(t, tc, sv)
				tc.Close()
			}
		})
	}
}

func TestTLS12(t *testing.T) {
	base, pool := baseConfig(t, tls.VersionTLS12)
	s := newTestServer(t, base)
	cc := clientConfig(pool)
	cc.MaxVersion = tls.VersionTLS12
	tc, err := tls.Dial("tcp", s.addr(), cc)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	sv := s.next()
	roundTrip(t, tc, "hello", strings.Repeat("b", 40000))
	if sv.c.phase != phTLS12 {
		t.Fatalf("phase %d, want the TLS 1.2 path", sv.c.phase)
	}
	st := sv.c.ConnectionState()
	if st.Version != tls.VersionTLS12 || !isECDHEAEAD(st.CipherSuite) {
		t.Errorf("version %#x suite %s", st.Version, tls.CipherSuiteName(st.CipherSuite))
	}
	io.WriteString(tc, "big 70000\n")
	if got, err := readLine(tc); err != nil || len(got) != 70000 {
		t.Fatalf("big: %d bytes, %v", len(got), err)
	}
	closeOrderly(t, tc, sv)
}

func TestMinVersion13RefusesTLS12(t *testing.T) {
	base, pool := baseConfig(t, tls.VersionTLS13)
	s := newTestServer(t, base)
	cc := clientConfig(pool)
	cc.MaxVersion = tls.VersionTLS12
	_, err := tls.Dial("tcp", s.addr(), cc)
	if err == nil {
		t.Fatal("TLS 1.2 client accepted with MinVersion 1.3")
	}
	sv := s.next()
	if err := sv.wait(t); err == nil || !strings.Contains(err.Error(), "handshake") {
		t.Errorf("server error %v, want a handshake error", err)
	}
}

func TestTLS12NonAEADRefused(t *testing.T) {
	base, pool := baseConfig(t, tls.VersionTLS12)
	s := newTestServer(t, base)
	cc := clientConfig(pool)
	cc.MaxVersion = tls.VersionTLS12
	cc.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}
	if _, err := tls.Dial("tcp", s.addr(), cc); err == nil {
		t.Fatal("CBC suite accepted")
	}
	s.next().wait(t)
}

// TestKeyUpdateGoClient: we send KeyUpdate(update_requested); Go's client
// updates its read key and answers with its own KeyUpdate, so both
// directions change keys.
func TestKeyUpdateGoClient(t *testing.T) {
	base, pool := baseConfig(t, tls.VersionTLS12)
	s := newTestServer(t, base)
	tc, err := tls.Dial("tcp", s.addr(), clientConfig(pool))
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	sv := s.next()
	roundTrip(t, tc, "before")
	errc := make(chan error, 1)
	sv.ctl <- func(c *Conn) { errc <- c.RequestKeyUpdate(true) }
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	roundTrip(t, tc, "after", "again")
	gens := make(chan [2]int, 1)
	sv.ctl <- func(c *Conn) { gens <- [2]int{c.in.gen, c.out.gen} }
	if g := <-gens; g != [2]int{1, 1} {
		t.Errorf("key generations in/out %v, want [1 1]", g)
	}
	closeOrderly(t, tc, sv)
}

func TestHandshakeTimeout(t *testing.T) {
	base, _ := baseConfig(t, tls.VersionTLS12)
	s := newTestServer(t, base)
	nc, err := net.Dial("tcp", s.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Write([]byte{22, 3, 1, 0, 200}) // the start of a ClientHello, never finished
	sv := s.next()
	sv.ctl <- func(c *Conn) { c.Timeout() }
	if err := sv.wait(t); err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("got %v, want handshake timeout", err)
	}
}

// TestHandshakeTimeoutFromFirstByte: the handshake timeout runs from the
// first byte; a client trickling ClientHello bytes does not extend it.
func TestHandshakeTimeoutFromFirstByte(t *testing.T) {
	base, _ := baseConfig(t, tls.VersionTLS12)
	now := time.Unix(1_700_000_000, 0)
	cfg, err := NewConfig(base, Options{HandshakeTimeout: 10 * time.Second, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	c := NewConn(cfg, transport.Info{Waker: &waker{ch: make(chan struct{}, 1)}}, nil)
	defer c.Close(nil)
	hello := []byte{22, 3, 1, 0, 200, 1, 0, 0, 196, 3, 3} // a ClientHello, never finished
	for _, step := range []struct {
		advance time.Duration
		feed    []byte
		want    time.Duration
	}{
		{0, nil, 10 * time.Second}, // before the first byte
		{time.Hour, hello[:2], 10 * time.Second},
		{4 * time.Second, hello[2:5], 6 * time.Second},
		{3 * time.Second, hello[5:8], 3 * time.Second},
		{2 * time.Second, hello[8:], time.Second},
		{5 * time.Second, nil, time.Nanosecond}, // overdue: expire now
	} {
		now = now.Add(step.advance)
		if len(step.feed) > 0 && c.Recv(step.feed) != len(step.feed) {
			t.Fatal("handshake bytes not consumed")
		}
		if st := c.Status(); st.Timeout != step.want || st.Close {
			t.Fatalf("after %d more bytes at +%v: status %+v, want timeout %v", len(step.feed), step.advance, st, step.want)
		}
	}
	c.Timeout()
	if st := c.Status(); !st.Close || c.Err() == nil {
		t.Fatalf("after Timeout: status %+v, err %v", st, c.Err())
	}
}

func TestNewConfigRefuses(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  *tls.Config
	}{
		{"nil", nil},
		{"tls11", &tls.Config{MinVersion: tls.VersionTLS11}},
		{"cbc", &tls.Config{MinVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}}},
		{"config-for-client", &tls.Config{MinVersion: tls.VersionTLS12, GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) { return nil, nil }}},
	} {
		if _, err := NewConfig(tt.cfg, Options{}); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
}

var _ = errors.New

// TestEarlyDataRefused pins that crypto/tls refuses a ClientHello offering
// 0-RTT early data on TCP: our record layer reads the client's records
// from sequence 0 under CLIENT_TRAFFIC_SECRET_0 and never handles early
// data. If a Go upgrade starts accepting it, this fails.
func TestEarlyDataRefused(t *testing.T) {
	// Go's client never sends early_data on TCP: take its ClientHello and
	// append the extension (type 42, empty), fixing the lengths.
	cc, sc := net.Pipe()
	go tls.Client(cc, &tls.Config{ServerName: "example.test", MinVersion: tls.VersionTLS13}).Handshake()
	hdr := make([]byte, headerLen)
	if _, err := io.ReadFull(sc, hdr); err != nil {
		t.Fatal(err)
	}
	hello := make([]byte, int(hdr[3])<<8|int(hdr[4]))
	if _, err := io.ReadFull(sc, hello); err != nil {
		t.Fatal(err)
	}
	sc.Close()
	cc.Close()
	p := 4 + 2 + 32 // handshake header, legacy_version, random
	p += 1 + int(hello[p])
	p += 2 + (int(hello[p])<<8 | int(hello[p+1]))
	p += 1 + int(hello[p])
	extLen := int(hello[p])<<8 | int(hello[p+1])
	if p+2+extLen != len(hello) {
		t.Fatalf("ClientHello layout: extensions end at %d of %d", p+2+extLen, len(hello))
	}
	hello = append(hello, 0, 42, 0, 0)
	put16 := func(b []byte, n int) { b[0], b[1] = byte(n>>8), byte(n) }
	put16(hello[p:], extLen+4)
	hello[1], hello[2], hello[3] = byte((len(hello)-4)>>16), byte((len(hello)-4)>>8), byte(len(hello)-4)
	put16(hdr[3:], len(hello))

	base, _ := baseConfig(t, tls.VersionTLS12)
	s := newTestServer(t, base)
	nc, err := net.Dial("tcp", s.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Write(append(hdr, hello...))
	sv := s.next()
	if err := sv.wait(t); err == nil || !strings.Contains(err.Error(), "early data") {
		t.Fatalf("server error %v, want the early data refused", err)
	}
	got, _ := io.ReadAll(nc)
	if want := []byte{21, 3, 3, 0, 2, 2, 110}; string(got) != string(want) { // unsupported_extension
		t.Errorf("server sent %x, want the alert %x", got, want)
	}
}
