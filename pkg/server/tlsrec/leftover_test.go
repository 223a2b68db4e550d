package tlsrec

import (
	"crypto/tls"
	"errors"
	"fmt"
	"testing"
)

// TestLeftoverSplitRecord: the client's first records arrive partly with
// its Finished (left in the pipe by crypto/tls) and partly in later Recv
// calls, split at every offset, whole or byte by byte. A split inside the
// header used to recurse forever in fillPartial (a fatal stack overflow
// any client could trigger).
func TestLeftoverSplitRecord(t *testing.T) {
	_, cw, _ := established(t, tls.TLS_AES_128_GCM_SHA256, newEcho())
	var wire []byte
	for _, line := range []string{"a\n", "b\n"} {
		var err error
		if wire, err = cw.seal(wire, TypeApplicationData, []byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	for cut := 1; cut < len(wire); cut++ {
		for _, bytewise := range []bool{false, true} {
			e := newEcho()
			c, _, _ := established(t, tls.TLS_AES_128_GCM_SHA256, e)
			in := append([]byte(nil), wire...)
			c.recvLeftover(in[:cut])
			// Like a transport: unconsumed input is presented again,
			// followed by what arrives next.
			rest, k := in[cut:], len(in)-cut
			if bytewise {
				k = 1
			}
			for k <= len(rest) && c.err == nil {
				n := c.Recv(rest[:k])
				if n < 0 || n > k {
					t.Fatalf("cut %d: Recv consumed %d of %d", cut, n, k)
				}
				rest, k = rest[n:], k-n+1
			}
			if c.err != nil || e.lines != 2 {
				t.Fatalf("cut %d bytewise %v: err %v, %d lines delivered, want 2", cut, bytewise, c.err, e.lines)
			}
		}
	}
}

// TestLeftoverEmptyRecord: a zero-length record whose header is split
// between the handshake's leftover and the next Recv is a bad_record_mac,
// not a hang.
func TestLeftoverEmptyRecord(t *testing.T) {
	for cut := 1; cut < headerLen; cut++ {
		c, _, _ := established(t, tls.TLS_AES_128_GCM_SHA256, newEcho())
		hdr := []byte{23, 3, 3, 0, 0}
		c.recvLeftover(hdr[:cut])
		if n := c.Recv(hdr[cut:]); n != headerLen-cut {
			t.Fatalf("cut %d: consumed %d of %d", cut, n, headerLen-cut)
		}
		if !errors.Is(c.err, AlertBadRecordMAC) {
			t.Fatalf("cut %d: err %v, want bad_record_mac", cut, c.err)
		}
	}
}

// TestLeftoverAfterCloseNotify: records the client pipelined after its
// close_notify, in the same flight as its Finished, are not read
// (RFC 8446 §6.1: nothing after close_notify is accepted).
func TestLeftoverAfterCloseNotify(t *testing.T) {
	e := newEcho()
	c, cw, _ := established(t, tls.TLS_AES_128_GCM_SHA256, e)
	var wire []byte
	for _, r := range []struct {
		t ContentType
		p string
	}{{TypeApplicationData, "a\n"}, {TypeAlert, "\x01\x00"}, {TypeApplicationData, "after\n"}} {
		var err error
		if wire, err = cw.seal(wire, r.t, []byte(r.p)); err != nil {
			t.Fatal(err)
		}
	}
	c.recvLeftover(wire)
	if !c.peerClose || c.err != nil {
		t.Fatalf("peerClose %v, err %v; want an orderly close", c.peerClose, c.err)
	}
	if e.lines != 1 {
		t.Errorf("inner read %d lines, want 1 (none after close_notify)", e.lines)
	}
}

// TestLeftoverPipelinedBeforeCloseNotify: more requests than the inner
// connection takes at once, then close_notify, all in the flight of the
// client's Finished. The requests staged behind the paused inner
// connection are answered before our close_notify (a TLS 1.3 peer may
// half-close and still read, RFC 8446 §6.1), not dropped.
// An incomplete request left at the close_notify is dropped, not waited
// for.
func TestLeftoverPipelinedBeforeCloseNotify(t *testing.T) {
	t.Run("all-answered", func(t *testing.T) { testPipelinedCloseNotify(t, "") })
	t.Run("incomplete-last", func(t *testing.T) { testPipelinedCloseNotify(t, "partial") })
}

func testPipelinedCloseNotify(t *testing.T, tail string) {
	e := newEcho()
	c, cw, cr := established(t, tls.TLS_AES_128_GCM_SHA256, e)
	const n = 12 // more than echo's maxQ
	var lines, want []byte
	for i := range n {
		l := fmt.Sprintf("r%d\n", i)
		lines = append(lines, l...)
		want = append(want, "echo: "+l...)
	}
	lines = append(lines, tail...)
	var wire []byte
	var err error
	if wire, err = cw.seal(wire, TypeApplicationData, lines); err != nil {
		t.Fatal(err)
	}
	if wire, err = cw.seal(wire, TypeAlert, []byte{1, 0}); err != nil {
		t.Fatal(err)
	}
	c.recvLeftover(wire)
	var out []byte
	var iov [][]byte
	for range 100 {
		iov = c.Pending(iov[:0])
		if len(iov) == 0 {
			break
		}
		for _, b := range iov {
			out = append(out, b...)
			c.Written(len(b))
		}
	}
	if c.err != nil || !c.Status().Close {
		t.Fatalf("err %v, status %+v; want an orderly close", c.err, c.Status())
	}
	var got []byte
	var last ContentType
	for len(out) > 0 {
		_, rec, rest, ok, err := Record(out, maxCiphertext)
		if !ok || err != nil {
			t.Fatalf("bad output record: %v", err)
		}
		out = rest
		typ, pt, err := cr.open(rec)
		if err != nil {
			t.Fatal(err)
		}
		if typ == TypeApplicationData {
			got = append(got, pt...)
		}
		last = typ
	}
	if string(got) != string(want) {
		t.Errorf("answered %q, want %q", got, want)
	}
	if last != TypeAlert {
		t.Errorf("last record type %d, want close_notify", last)
	}
}
