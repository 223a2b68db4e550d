package tlsrec

import (
	"bytes"
	"testing"
)

// FuzzPipeGate feeds arbitrary bytes to the handshake pipe and reads them
// back in reads of varying size, as crypto/tls would. The reads return the
// input unchanged, no read crosses the end of a record (so nothing the
// client sent after its Finished reaches crypto/tls), and atBoundary holds
// exactly at record ends. data[0] picks the read sizes.
func FuzzPipeGate(f *testing.F) {
	f.Add([]byte{3, 22, 3, 1, 0, 2, 1, 2, 23, 3, 3, 0, 1, 9})
	f.Add([]byte{200, 23, 3, 3, 0, 0, 23, 3, 3, 0, 3, 1, 2, 3, 23, 3})
	f.Add([]byte{0, 22, 3, 3, 0xff, 0xff, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		seed, in := int(data[0]), data[1:]
		ends := map[int]bool{0: true} // record ends, computed independently
		for pos := 0; pos+headerLen <= len(in); {
			pos += headerLen + (int(in[pos+3])<<8 | int(in[pos+4]))
			ends[pos] = true
		}
		p := newPipe(len(in)+1, func() {}, nil, nil)
		if n := p.feed(in); n != len(in) {
			t.Fatalf("feed took %d of %d", n, len(in))
		}
		p.closeRead()
		var got []byte
		buf := make([]byte, 1<<17)
		for i := 0; ; i++ {
			size := 1 + (seed*(i+1)*7919)%(1<<17)
			if i%2 == 1 {
				size = 1 + (seed+i)%7
			}
			off := len(got)
			n, err := p.Read(buf[:size])
			if n < 0 || n > size {
				t.Fatalf("Read returned %d for %d bytes", n, size)
			}
			got = append(got, buf[:n]...)
			for e := off + 1; e < off+n; e++ {
				if ends[e] {
					t.Fatalf("read [%d,%d) crosses the record end at %d", off, off+n, e)
				}
			}
			if p.atBoundary() != ends[len(got)] {
				t.Fatalf("after %d bytes: atBoundary %v, record end %v", len(got), p.atBoundary(), ends[len(got)])
			}
			if err != nil {
				break
			}
			if n == 0 {
				t.Fatal("Read returned 0 bytes and no error")
			}
		}
		if !bytes.Equal(got, in) {
			t.Fatalf("read back %x, fed %x", got, in)
		}
	})
}
