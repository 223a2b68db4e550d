package loop

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestLingerAfterReadCancel: a Conn that pauses with more than MaxInput/4
// staged (the loop cancels its recv) and closes in the same step starts
// lingering while that cancel is in flight. The cancel's ECANCELED must
// not end the lingering: input is still discarded until the peer's EOF.
func TestLingerAfterReadCancel(t *testing.T) {
	ended := make(chan int32, 1)
	p := &lineProto{}
	s := start(t, p, func(c *Config) {
		c.MaxInput = 4096
		c.Linger = time.Hour // only the peer's EOF ends it here
		c.lingerEnd = func(res int32) {
			select {
			case ended <- res:
			default:
			}
		}
	})
	c := dial(t, s)
	// One write, one recv: the close and 2000 staged bytes (> 1024).
	io.WriteString(c, "PAUSEQUIT\n"+string(bytes.Repeat([]byte("x"), 2000)))
	if n, err := io.Copy(io.Discard, c); n != 0 || err != nil {
		t.Fatalf("before the server's EOF: %d bytes, %v", n, err)
	}
	// Still lingering: what the client sends now is discarded, then its
	// EOF ends the lingering.
	if _, err := io.WriteString(c, "late input\n"); err != nil {
		t.Fatal(err)
	}
	c.(*net.TCPConn).CloseWrite()
	if res := <-ended; res != 0 {
		t.Fatalf("lingering ended by recv result %d (%v), want the peer's EOF", res, unix.Errno(-res))
	}
}
