package tlsrec

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"testing"
)

// FuzzRecord feeds hostile input to the TLS 1.3 record layer of an
// established Conn. The first byte picks the mode: even → the rest is raw
// ciphertext (header parsing, length limits, MAC failures); odd → the rest
// is a sequence of inner plaintexts (1-byte length, then content, then the
// inner content type and padding), each sealed correctly by the client, so
// the post-decryption logic (content types, handshake messages, alerts,
// padding, delivery to the inner connection) is reached. Whatever happens,
// no panic, and Recv never claims more than it was given.
func FuzzRecord(f *testing.F) {
	f.Add([]byte{0, 23, 3, 3, 0, 17, 1, 2, 3})
	f.Add([]byte{0, 23, 3, 3, 0x41, 1})
	f.Add([]byte{1, 3, 'a', '\n', 23})
	f.Add([]byte{1, 6, 24, 0, 0, 1, 1, 22, 3, 'b', '\n', 23})
	f.Add([]byte{1, 3, 1, 0, 21, 2, 'x', 23})
	f.Add([]byte{1, 4, 'a', 23, 0, 0, 1, 0})
	f.Add([]byte{1, 2, 24, 22, 4, 0, 1, 0, 22})
	// Requests beyond what the inner connection takes at once, then
	// close_notify, then more: the split run reads the first two as the
	// handshake's leftover.
	pipelined := []byte{1, 12*3 + 1}
	for i := range 12 {
		pipelined = append(pipelined, fmt.Sprintf("r%d\n", i%10)...)
	}
	pipelined = append(pipelined, 23, 3, 1, 0, 21, 201)
	pipelined = append(pipelined, bytes.Repeat([]byte{'j'}, 200)...)
	f.Add(append(pipelined, 23))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		// Header parser on its own.
		h, rec, rest, ok, err := Record(data[1:], maxCiphertext)
		if ok && (err != nil || len(rec) != headerLen+h.Length || len(rec)+len(rest) != len(data)-1) {
			t.Fatalf("Record: inconsistent split")
		}
		c, cw, _ := established(t, tls.TLS_AES_128_GCM_SHA256, newEcho())
		var in []byte
		if data[0]&1 == 0 {
			in = data[1:]
		} else {
			p := data[1:]
			for len(p) > 0 {
				n := min(int(p[0]), len(p)-1)
				inner := p[1 : 1+n]
				p = p[1+n:]
				clen := len(inner) + tagLen
				hdr := []byte{23, 3, 3, byte(clen >> 8), byte(clen)}
				nonce, _ := cw.nextNonce()
				in = append(in, hdr...)
				in = cw.aead.Seal(in, nonce, inner, hdr)
			}
		}
		orig := append([]byte(nil), in...) // Recv decrypts in place
		// Deliver in two pieces, the way a transport re-presents input.
		cut := len(in) / 2
		used := c.Recv(in[:cut])
		if used < 0 || used > cut {
			t.Fatalf("Recv consumed %d of %d", used, cut)
		}
		rem := in[used:]
		if n := c.Recv(rem); n < 0 || n > len(rem) {
			t.Fatalf("Recv consumed %d of %d", n, len(rem))
		}
		var iov [][]byte
		iov = c.Pending(iov)
		for _, b := range iov {
			c.Written(len(b))
		}
		c.Status()
		c.Close(nil)

		// The outcome does not depend on how the input is cut: the whole
		// input through Recv, against a prefix left over from the
		// handshake (recvLeftover, a split record staged in rin) and the
		// rest in small Recv calls, each driven like a transport.
		whole := driveRecords(t, orig, 0, len(orig)+1)
		split := driveRecords(t, orig, cut, 1+int(data[0]>>1)%7)
		if whole.closing {
			return // records after the inner connection closed are not read
		}
		if (whole.err == nil) != (split.err == nil) {
			t.Fatalf("error %v whole, %v split", whole.err, split.err)
		}
		if whole.err == nil && (whole.lines != split.lines || whole.out != split.out || whole.peerClose != split.peerClose) {
			t.Fatalf("whole: %d lines, %q, peer close %v; split: %d lines, %q, peer close %v",
				whole.lines, whole.out, whole.peerClose, split.lines, split.out, split.peerClose)
		}
	})
}

// driven is what driveRecords observed.
type driven struct {
	err       error
	lines     int
	closing   bool
	peerClose bool
	out       string // application data we sent, decrypted
}

// driveRecords runs in through a fresh established Conn like a transport:
// in[:leftover] as the handshake's leftover, the rest in chunks of at most
// chunk bytes, unconsumed input presented again, output flushed (and
// decrypted) between calls, until nothing moves.
func driveRecords(t *testing.T, in []byte, leftover, chunk int) driven {
	e := newEcho()
	c, _, cr := established(t, tls.TLS_AES_128_GCM_SHA256, e)
	defer c.Close(nil)
	wire := append([]byte(nil), in...) // Recv decrypts in place
	var out []byte
	var iov [][]byte
	flush := func() {
		for range 1000 {
			iov = c.Pending(iov[:0])
			if len(iov) == 0 {
				return
			}
			for _, b := range iov {
				out = append(out, b...)
				c.Written(len(b))
			}
		}
		t.Fatal("Pending never runs dry")
	}
	if leftover > 0 {
		c.recvLeftover(wire[:leftover])
		wire = wire[leftover:]
	}
	var staged []byte
	for {
		flush()
		if st := c.Status(); st.Close || st.PauseRead {
			break // still paused after a flush: nothing more is read
		}
		k := min(chunk, len(wire))
		staged = append(staged, wire[:k]...)
		wire = wire[k:]
		if len(staged) == 0 {
			break
		}
		n := c.Recv(staged)
		if n < 0 || n > len(staged) {
			t.Fatalf("Recv consumed %d of %d", n, len(staged))
		}
		staged = staged[n:]
		if n == 0 && len(wire) == 0 {
			break // a partial record and nothing more to come
		}
	}
	d := driven{err: c.err, lines: e.lines, closing: e.closing, peerClose: c.peerClose}
	for len(out) > 0 {
		_, rec, rest, ok, err := Record(out, maxCiphertext)
		if !ok || err != nil {
			t.Fatalf("we sent a bad record: %v", err)
		}
		out = rest
		typ, pt, err := cr.open(rec)
		if err != nil {
			t.Fatalf("our record does not open: %v", err)
		}
		switch typ {
		case TypeApplicationData:
			d.out += string(pt)
		case TypeHandshake:
			cr.update() // our KeyUpdate
		}
	}
	return d
}
