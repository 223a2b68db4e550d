package http2

import (
	"testing"
	"time"

	"golang.org/x/net/http2/hpack"
)

// FuzzConn feeds arbitrary frames (and HPACK blocks) to a connection after
// a valid preface: it must never panic, always consume within bounds, and
// only ever send well-formed frames.
func FuzzConn(f *testing.F) {
	var blk []byte
	{
		var buf sliceWriter
		enc := hpack.NewEncoder(&buf)
		for _, kv := range [][2]string{{":method", "POST"}, {":scheme", "http"}, {":path", "/x"}, {"content-length", "3"}} {
			enc.WriteField(hpack.HeaderField{Name: kv[0], Value: kv[1]})
		}
		blk = buf
	}
	seed := AppendHeaders(nil, 1, FlagEndHeaders, blk)
	seed = AppendData(seed, 1, false, []byte("ab"))
	seed = AppendWindowUpdate(seed, 1, 10)
	seed = AppendData(seed, 1, true, []byte("c"))
	f.Add(seed, uint16(7))
	f.Add(AppendHeaders(nil, 3, 0, blk[:2]), uint16(0))
	f.Add(append(AppendHeaders(nil, 1, 0, blk), AppendContinuation(nil, 1, true, []byte{0x82})...), uint16(12))
	f.Add(AppendSettings(nil, Setting{SettingInitialWindowSize, 0}, Setting{SettingMaxFrameSize, 1 << 14}), uint16(3))
	f.Add(AppendRSTStream(AppendPing(nil, false, [8]byte{}), 1, ErrCodeCancel), uint16(9))
	f.Fuzz(func(t *testing.T, in []byte, split uint16) {
		clock := &fakeClock{time.Unix(1_700_000_000, 0)}
		cfg := Config{Now: clock.now, MaxResets: 20, MaxControlFrames: 50, MaxPendingOutput: 4096}
		c := NewConn(&cfg, bodyHandler(make([]byte, 3000)), nil)
		buf := append([]byte(Preface), AppendSettings(nil)...)
		buf = append(buf, in...)
		k := min(int(split), len(buf))
		feed := func(p []byte) []byte {
			for len(p) > 0 {
				n := c.Recv(p)
				if n < 0 || n > len(p) {
					t.Fatalf("Recv returned %d of %d", n, len(p))
				}
				p = p[n:]
				drain(t, c)
				if n == 0 {
					break
				}
			}
			return p
		}
		rest := feed(buf[:k])
		feed(append(rest, buf[k:]...))
		clock.advance(time.Minute)
		c.Timeout()
		c.Drain()
		drain(t, c)
		c.Close(nil)
	})
}

type sliceWriter []byte

func (w *sliceWriter) Write(p []byte) (int, error) { *w = append(*w, p...); return len(p), nil }

// drain writes all pending output and checks it is made of valid frames.
func drain(t *testing.T, c *Conn) {
	var out []byte
	for range 100 {
		iov := c.Pending(nil)
		if len(iov) == 0 {
			break
		}
		n := 0
		for _, b := range iov {
			out = append(out, b...)
			n += len(b)
		}
		c.Written(n)
	}
	for len(out) > 0 {
		var f Frame
		n, err := ParseFrame(out, MaxMaxFrameSize, &f)
		if err != nil {
			t.Fatalf("server sent an invalid frame: %v", err)
		}
		out = out[n:]
	}
}
