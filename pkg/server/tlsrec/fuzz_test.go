package tlsrec

import (
	"crypto/tls"
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
	})
}
