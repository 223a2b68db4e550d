package loop

import (
	"net"
	"testing"

	"golang.org/x/sys/unix"
)

// rawClient is a blocking loopback socket driven with plain syscalls, so
// the client side of a round trip allocates nothing either.
type rawClient struct {
	fd  int
	req []byte
	buf []byte
}

func dialRaw(tb testing.TB, s *Server) *rawClient {
	tb.Helper()
	addr := s.Addrs()[0].(*net.TCPAddr)
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		tb.Fatal(err)
	}
	sa := &unix.SockaddrInet4{Port: addr.Port}
	copy(sa.Addr[:], addr.IP.To4())
	if err := unix.Connect(fd, sa); err != nil {
		tb.Fatal(err)
	}
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	tb.Cleanup(func() { unix.Close(fd) })
	return &rawClient{fd: fd, req: []byte("GET /index.html ping\n"), buf: make([]byte, 64)}
}

func (c *rawClient) roundTrip(tb testing.TB) {
	if _, err := unix.Write(c.fd, c.req); err != nil {
		tb.Fatal(err)
	}
	for got := 0; got < len(c.req); {
		n, err := unix.Read(c.fd, c.buf[got:])
		if err != nil || n == 0 {
			tb.Fatalf("read: %d %v", n, err)
		}
		got += n
	}
}

// TestNoAllocPerRequest proves the loop's request path allocation-free:
// request/response round trips over a real ring on loopback, after warm-up.
func TestNoAllocPerRequest(t *testing.T) {
	p := &lineProto{}
	s := start(t, p, nil)
	c := dialRaw(t, s)
	for range 100 {
		c.roundTrip(t) // warm up: staging, scratch slices, wheel
	}
	if a := testing.AllocsPerRun(2000, func() { c.roundTrip(t) }); a != 0 {
		t.Fatalf("%v allocations per round trip", a)
	}
}

// BenchmarkEchoRoundTrip measures one request/response round trip on one
// connection (latency-bound: client and loop take turns).
func BenchmarkEchoRoundTrip(b *testing.B) {
	p := &lineProto{}
	s := start(b, p, nil)
	c := dialRaw(b, s)
	for range 100 {
		c.roundTrip(b)
	}
	b.ReportAllocs()
	for b.Loop() {
		c.roundTrip(b)
	}
}

// BenchmarkEchoParallel runs round trips on many connections at once
// (GOMAXPROCS client goroutines × 8 connections each share one worker).
func BenchmarkEchoParallel(b *testing.B) {
	p := &lineProto{}
	s := start(b, p, nil)
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		c := dialRaw(b, s)
		for pb.Next() {
			c.roundTrip(b)
		}
	})
}
