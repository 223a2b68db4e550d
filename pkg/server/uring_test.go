package server

import (
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/server/transport"
)

// stubbornConn ignores Drain: only a drain deadline closes it.
type stubbornConn struct{}

func (stubbornConn) Recv(p []byte) int             { return len(p) }
func (stubbornConn) Pending(iov [][]byte) [][]byte { return iov }
func (stubbornConn) Written(int)                   {}
func (stubbornConn) Status() transport.Status      { return transport.Status{} }
func (stubbornConn) Timeout()                      {}
func (stubbornConn) Resume()                       {}
func (stubbornConn) Drain()                        {}
func (stubbornConn) Close(error)                   {}

// TestDrainDeadlineReported: on every transport, a shutdown whose deadline
// closed connections says so (Serve logs "drain ended" rather than
// "drained"); one with nothing left open does not.
func TestDrainDeadlineReported(t *testing.T) {
	for _, tr := range testTransports(t) {
		for _, open := range []bool{false, true} {
			name := tr + "/idle"
			if open {
				name = tr + "/stubborn connection"
			}
			t.Run(name, func(t *testing.T) {
				b := packedBytes(t, "index")
				s, err := New(Config{
					Open:      func() (*archive.Reader, error) { return archive.OpenBytes(b) },
					Addrs:     []string{"127.0.0.1:0"},
					Workers:   1,
					Transport: tr,
					Log:       slog.New(slog.DiscardHandler),
				})
				if err != nil {
					t.Fatal(err)
				}
				defer s.cur.Store(nil)
				groups, err := s.listenGroups()
				if err != nil {
					t.Fatal(err)
				}
				accepted := make(chan struct{}, 1)
				for i := range groups {
					groups[i].factory = func(transport.Info) transport.Conn {
						accepted <- struct{}{}
						return stubbornConn{}
					}
				}
				run, err := s.start(groups)
				for _, g := range groups {
					g.ls.close()
				}
				if err != nil {
					t.Fatal(err)
				}
				if open {
					c, err := net.Dial("tcp", run.addrs()[0].String())
					if err != nil {
						t.Fatal(err)
					}
					defer c.Close()
					<-accepted
				}
				// Past for the stubborn connection; far enough for an idle
				// server (netpoll, seeing both done, may pick either).
				dl := time.Now().Add(time.Minute)
				if open {
					dl = time.Now().Add(-time.Second)
				}
				err = run.shutdown(dl)
				switch {
				case open && (err == nil || !strings.Contains(err.Error(), "drain deadline passed")):
					t.Fatalf("shutdown with a connection open past the deadline: %v", err)
				case !open && err != nil:
					t.Fatalf("shutdown with nothing open: %v", err)
				}
			})
		}
	}
}
