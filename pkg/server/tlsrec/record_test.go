package tlsrec

import (
	"bytes"
	"crypto/tls"
	"strings"
	"testing"

	"zeroserve.dev/zeroserve/pkg/server/transport"
)

func TestParseHeader(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   []byte
		want Header
		err  error
	}{
		{"appdata", []byte{23, 3, 3, 0x40, 0x11}, Header{TypeApplicationData, 0x0303, 0x4011}, nil},
		{"max", []byte{23, 3, 3, 0x41, 0x00}, Header{TypeApplicationData, 0x0303, maxCiphertext}, nil},
		{"overflow", []byte{23, 3, 3, 0x41, 0x01}, Header{}, ErrOverflow},
		{"short", []byte{23, 3, 3, 0}, Header{}, ErrShortHeader},
		{"type-low", []byte{19, 3, 3, 0, 1}, Header{}, ErrBadType},
		{"type-high", []byte{24, 3, 3, 0, 1}, Header{}, ErrBadType},
		{"version", []byte{23, 2, 0, 0, 1}, Header{}, ErrBadVersion},
		{"hello-version", []byte{22, 3, 1, 0, 5}, Header{TypeHandshake, 0x0301, 5}, nil},
	} {
		h, err := ParseHeader(tt.in, maxCiphertext)
		if err != tt.err || (err == nil && h != tt.want) {
			t.Errorf("%s: got %+v, %v; want %+v, %v", tt.name, h, err, tt.want, tt.err)
		}
	}
}

// TestRecordPrefixes: every strict prefix of a valid record is incomplete,
// never an error and never a record; the whole one round-trips.
func TestRecordPrefixes(t *testing.T) {
	var hc halfConn
	hc.setSecret(suiteByID(tls.TLS_AES_128_GCM_SHA256), bytes.Repeat([]byte{1}, 32))
	rec, err := hc.seal(nil, TypeApplicationData, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range len(rec) {
		if _, _, _, ok, err := Record(rec[:i], maxCiphertext); ok || err != nil {
			t.Fatalf("prefix %d: ok %v err %v", i, ok, err)
		}
	}
	h, got, rest, ok, err := Record(append(rec, 9), maxCiphertext)
	if !ok || err != nil || !bytes.Equal(got, rec) || len(rest) != 1 || h.Length != len(rec)-headerLen {
		t.Fatalf("whole record: %v %v %d", ok, err, len(rest))
	}
	if !bytes.Equal(AppendHeader(nil, h.Type, h.Length), rec[:headerLen]) {
		t.Fatal("header does not round-trip")
	}
}

// TestSuitesRoundTrip seals and opens with every suite, across a key
// update, and checks that the nonce changes with the sequence number.
func TestSuitesRoundTrip(t *testing.T) {
	for _, s := range suites {
		t.Run(tls.CipherSuiteName(s.id), func(t *testing.T) {
			secret := bytes.Repeat([]byte{7}, s.hash().Size())
			var w, r halfConn
			w.setSecret(&s, secret)
			r.setSecret(&s, secret)
			var prev []byte
			for i := range 3 {
				msg := []byte(strings.Repeat("m", i*1000))
				rec, err := w.seal(nil, TypeApplicationData, msg)
				if err != nil {
					t.Fatal(err)
				}
				if len(rec) != headerLen+len(msg)+1+tagLen {
					t.Fatalf("record length %d", len(rec))
				}
				if prev != nil && bytes.Equal(rec[headerLen:headerLen+1], prev[headerLen:headerLen+1]) && i == 0 {
					t.Fatal("same ciphertext")
				}
				prev = rec
				ct, pt, err := r.open(rec)
				if err != nil || ct != TypeApplicationData || !bytes.Equal(pt, msg) {
					t.Fatalf("open: %v %d %q", err, ct, pt)
				}
			}
			w.update()
			rec, _ := w.seal(nil, TypeAlert, []byte{1, 0})
			var stale halfConn
			stale = r
			if _, _, err := stale.open(append([]byte(nil), rec...)); err == nil {
				t.Fatal("record under the updated key opened with the old key")
			}
			r.update()
			if ct, pt, err := r.open(rec); err != nil || ct != TypeAlert || !bytes.Equal(pt, []byte{1, 0}) {
				t.Fatalf("after update: %v", err)
			}
		})
	}
}

// TestExpandLabelRFC8448 checks the key schedule against RFC 8448 §3
// (server application traffic keys of the simple 1-RTT handshake).
func TestExpandLabelRFC8448(t *testing.T) {
	s := suiteByID(tls.TLS_AES_128_GCM_SHA256)
	secret := unhex(t, "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643")
	key, _ := expandLabel(s.hash, secret, "key", 16)
	iv, _ := expandLabel(s.hash, secret, "iv", 12)
	if want := unhex(t, "9f02283b6c9c07efc26bb9f2ac92e356"); !bytes.Equal(key, want) {
		t.Errorf("key %x, want %x", key, want)
	}
	if want := unhex(t, "cf782b88dd83549aadf1e984"); !bytes.Equal(iv, want) {
		t.Errorf("iv %x, want %x", iv, want)
	}
}

// established returns a Conn past the handshake with fixed secrets, and
// the client's halves (write, read) that match it.
func established(tb testing.TB, id uint16, inner transport.Conn) (*Conn, *halfConn, *halfConn) {
	tb.Helper()
	cfg, err := NewConfig(&tls.Config{MinVersion: tls.VersionTLS12}, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	s := suiteByID(id)
	cs := bytes.Repeat([]byte{1}, s.hash().Size())
	ss := bytes.Repeat([]byte{2}, s.hash().Size())
	c := &Conn{cfg: cfg, inner: inner, phase: phTLS13, pipe: newPipe(cfg.opts.MaxBuffered, func() {}, nil, nil)}
	cw, cr := new(halfConn), new(halfConn)
	for _, x := range []struct {
		hc     *halfConn
		secret []byte
	}{{&c.in, cs}, {&c.out, ss}, {cw, cs}, {cr, ss}} {
		if err := x.hc.setSecret(s, x.secret); err != nil {
			tb.Fatal(err)
		}
	}
	return c, cw, cr
}

// exchange sends req as one record, collects the sealed reply and opens
// it into scratch; it returns the reply plaintext.
func exchange(tb testing.TB, c *Conn, cw, cr *halfConn, req []byte, rbuf, scratch *[]byte, iov *[][]byte) []byte {
	var err error
	*rbuf, err = cw.seal((*rbuf)[:0], TypeApplicationData, req)
	if err != nil {
		tb.Fatal(err)
	}
	if n := c.Recv(*rbuf); n != len(*rbuf) {
		tb.Fatalf("consumed %d of %d", n, len(*rbuf))
	}
	*iov = c.Pending((*iov)[:0])
	if len(*iov) != 1 {
		tb.Fatalf("%d iovecs", len(*iov))
	}
	*scratch = append((*scratch)[:0], (*iov)[0]...)
	c.Written(len((*iov)[0]))
	_, pt, err := cr.open(*scratch)
	if err != nil {
		tb.Fatal(err)
	}
	return pt
}

func TestZeroAllocsPerRecord(t *testing.T) {
	for _, s := range suites {
		t.Run(tls.CipherSuiteName(s.id), func(t *testing.T) {
			e := newEcho()
			c, cw, cr := established(t, s.id, e)
			req := []byte("GET /index.html\n")
			rbuf := make([]byte, 0, 256)
			scratch := make([]byte, 0, 256)
			var iov [][]byte
			exchange(t, c, cw, cr, req, &rbuf, &scratch, &iov) // warm up buffers (AllocsPerRun adds one more)
			allocs := testing.AllocsPerRun(100, func() {
				if got := exchange(t, c, cw, cr, req, &rbuf, &scratch, &iov); string(got) != "echo: GET /index.html\n" {
					t.Fatalf("got %q", got)
				}
			})
			if allocs != 0 {
				t.Errorf("%.1f allocations per request/response record pair, want 0", allocs)
			}
			if e.written != 102*len("echo: GET /index.html\n") {
				t.Errorf("inner saw %d bytes written", e.written)
			}
		})
	}
}

// BenchmarkSealOpen measures one small request record opened and one
// 174-byte response record sealed by a Conn (plus the client's side of
// both, which is the same work again).
func BenchmarkSealOpen(b *testing.B) {
	for _, s := range suites {
		b.Run(tls.CipherSuiteName(s.id), func(b *testing.B) {
			c, cw, cr := established(b, s.id, newEcho())
			req := []byte(strings.Repeat("r", 174-len("echo: \n")) + "\n")
			rbuf := make([]byte, 0, 512)
			scratch := make([]byte, 0, 512)
			var iov [][]byte
			b.ReportAllocs()
			for b.Loop() {
				exchange(b, c, cw, cr, req, &rbuf, &scratch, &iov)
			}
		})
	}
}

// BenchmarkRecord measures our side only: seal a 174-byte record and open
// it again with one halfConn pair.
func BenchmarkRecord(b *testing.B) {
	for _, s := range suites {
		b.Run(tls.CipherSuiteName(s.id), func(b *testing.B) {
			secret := bytes.Repeat([]byte{3}, s.hash().Size())
			var w, r halfConn
			w.setSecret(&s, secret)
			r.setSecret(&s, secret)
			msg := bytes.Repeat([]byte("x"), 174)
			buf := make([]byte, 0, 512)
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				buf, _ = w.seal(buf[:0], TypeApplicationData, msg)
				if _, _, err := r.open(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
