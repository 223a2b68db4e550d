package tlsrec

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"io"
	"math/big"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/transport"
)

// echo is an HTTP-like inner connection: each complete line is a request;
// "close" answers "bye" and closes, "big N" answers N bytes of 'x' and a
// newline, anything else is echoed as "echo: line". Incomplete lines are
// left unconsumed (like an HTTP parser wanting more).
type echo struct {
	q       [][]byte // responses not yet fully written
	off     int
	closing bool
	written int
	maxQ    int
	drained bool
	closed  bool
	err     error
	lines   int
	spare   [][]byte
}

func newEcho() *echo { return &echo{maxQ: 8, q: make([][]byte, 0, 16)} }

func (e *echo) Recv(p []byte) int {
	used := 0
	for !e.closing && len(e.q) < e.maxQ {
		i := bytes.IndexByte(p[used:], '\n')
		if i < 0 {
			break
		}
		line := p[used : used+i]
		used += i + 1
		e.lines++
		switch {
		case string(line) == "close":
			e.closing = true
			e.q = append(e.q, []byte("bye\n"))
		case bytes.HasPrefix(line, []byte("big ")):
			n, _ := strconv.Atoi(string(line[4:]))
			n = min(max(n, 0), 1<<20) // hostile (fuzzed) sizes stay small
			e.q = append(e.q, append(bytes.Repeat([]byte("x"), n), '\n'))
		default:
			var r []byte
			if len(e.spare) > 0 {
				r = e.spare[len(e.spare)-1][:0]
				e.spare = e.spare[:len(e.spare)-1]
			}
			r = append(r, "echo: "...)
			r = append(r, line...)
			e.q = append(e.q, append(r, '\n'))
		}
	}
	if e.closing {
		return len(p)
	}
	return used
}

func (e *echo) Pending(iov [][]byte) [][]byte {
	for i, b := range e.q {
		if i == 0 {
			b = b[e.off:]
		}
		iov = append(iov, b)
	}
	return iov
}

func (e *echo) Written(n int) {
	e.written += n
	for n > 0 && len(e.q) > 0 {
		rest := len(e.q[0]) - e.off
		if n < rest {
			e.off += n
			return
		}
		n -= rest
		e.spare = append(e.spare, e.q[0])
		e.q = e.q[:copy(e.q, e.q[1:])]
		e.off = 0
	}
}

func (e *echo) Status() transport.Status {
	return transport.Status{
		Close:     (e.closing || e.drained) && len(e.q) == 0,
		PauseRead: e.closing || len(e.q) >= e.maxQ,
	}
}
func (e *echo) Timeout()        {}
func (e *echo) Resume()         {}
func (e *echo) Drain()          { e.drained = true }
func (e *echo) Close(err error) { e.closed, e.err = true, err }

// waker delivers Wake to the test loop.
type waker struct{ ch chan struct{} }

func (w *waker) Wake() {
	select {
	case w.ch <- struct{}{}:
	default:
	}
}

// served is one connection driven by the test loop.
type served struct {
	c     *Conn
	inner *echo
	ctl   chan func(*Conn)
	done  chan error
}

// testServer accepts on loopback and drives each connection with a small
// loop implementing the transport calls.
type testServer struct {
	t     *testing.T
	ln    net.Listener
	cfg   *Config
	mu    sync.Mutex
	conns chan *served
}

func newTestServer(t *testing.T, base *tls.Config) *testServer {
	t.Helper()
	cfg, err := NewConfig(base, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{t: t, ln: ln, cfg: cfg, conns: make(chan *served, 16)}
	go s.accept()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *testServer) addr() string { return s.ln.Addr().String() }

func (s *testServer) accept() {
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		w := &waker{ch: make(chan struct{}, 1)}
		sv := &served{ctl: make(chan func(*Conn), 4), done: make(chan error, 1)}
		info := transport.Info{
			Local:  netip.MustParseAddrPort(nc.LocalAddr().String()),
			Remote: netip.MustParseAddrPort(nc.RemoteAddr().String()),
			Waker:  w,
		}
		sv.c = NewConn(s.cfg, info, func(st *tls.ConnectionState, _ transport.Info) transport.Conn {
			sv.inner = newEcho()
			return sv.inner
		})
		s.conns <- sv
		go func() { sv.done <- runLoop(nc, sv.c, w, sv.ctl) }()
	}
}

// next returns the next accepted connection.
func (s *testServer) next() *served {
	select {
	case sv := <-s.conns:
		return sv
	case <-time.After(10 * time.Second): // deadlock guard, not synchronisation
		s.t.Fatal("no connection accepted")
		return nil
	}
}

// wait returns the loop's result.
func (sv *served) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-sv.done:
		return err
	case <-time.After(10 * time.Second): // deadlock guard
		t.Fatal("server loop did not finish")
		return nil
	}
}

type chunk struct {
	b   []byte
	err error
}

// runLoop drives c over nc like a transport would; it returns c.Err().
func runLoop(nc net.Conn, c *Conn, w *waker, ctl chan func(*Conn)) error {
	defer nc.Close()
	rc := make(chan chunk, 64)
	go func() {
		for {
			b := make([]byte, 32<<10)
			n, err := nc.Read(b)
			rc <- chunk{b[:n], err}
			if err != nil {
				return
			}
		}
	}()
	var in []byte
	var eof error
	var iov [][]byte
	for {
		for {
			iov = c.Pending(iov[:0])
			if len(iov) == 0 {
				break
			}
			n := 0
			for _, b := range iov {
				k, err := nc.Write(b)
				n += k
				if err != nil {
					c.Written(n)
					c.Close(err)
					return err
				}
			}
			c.Written(n)
		}
		st := c.Status()
		if st.Close {
			err := c.Err()
			c.Close(nil)
			return err
		}
		if len(in) > 0 && !st.PauseRead {
			n := c.Recv(in)
			in = in[n:]
			if n > 0 {
				continue
			}
		}
		if eof != nil && c.phase != phHandshake {
			c.Close(eof)
			if c.Err() != nil {
				return c.Err()
			}
			return eof
		}
		var rcv <-chan chunk = rc
		if eof != nil {
			rcv = nil
		}
		select {
		case ch := <-rcv:
			in = append(in, ch.b...)
			if ch.err != nil {
				eof = ch.err
			}
		case <-w.ch:
			c.Resume()
		case f := <-ctl:
			f(c)
		}
	}
}

// testCert returns a self-signed ECDSA certificate for names.
func testCert(t testing.TB, names ...string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// readLine reads one '\n'-terminated line.
func readLine(r io.Reader) (string, error) {
	var b []byte
	var one [1]byte
	for {
		if _, err := r.Read(one[:]); err != nil {
			return string(b), err
		}
		if one[0] == '\n' {
			return string(b), nil
		}
		b = append(b, one[0])
	}
}

var errNoLine = errors.New("no line")

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
