package server

import (
	"testing"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/transport"
)

// TestDetectHeaderTimeout: a client that sends the start of a connection
// one byte at a time, never enough to tell the protocol, does not extend
// the header timeout with each byte: it runs from the first byte.
func TestDetectHeaderTimeout(t *testing.T) {
	clock := &fakeClock{time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	s := &Server{cfg: Config{Now: clock.now}.withDefaults()}
	tests := []struct {
		name  string
		bytes string // each sent alone, a second apart
	}{
		{"h2 preface", "PRI * HTTP/2.0\r\n"},
		{"unknown method", "GETX /aaaaaaaaaaaaaaaaaaa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := s.newDetect(transport.Info{})
			if st := d.Status(); st.Timeout != s.cfg.IdleTimeout {
				t.Fatalf("before any byte: timeout %v, want the idle timeout %v", st.Timeout, s.cfg.IdleTimeout)
			}
			for i := range len(tt.bytes) {
				if n := d.Recv([]byte(tt.bytes[:i+1])); n != 0 {
					t.Fatalf("%q: consumed %d, want 0 (undecided)", tt.bytes[:i+1], n)
				}
				want := s.cfg.HeaderTimeout - time.Duration(i)*time.Second
				if want <= 0 {
					want = time.Nanosecond
				}
				if st := d.Status(); st.Timeout != want {
					t.Fatalf("after %d bytes over %ds: timeout %v, want %v", i+1, i, st.Timeout, want)
				}
				clock.t = clock.t.Add(time.Second)
			}
		})
	}
}
