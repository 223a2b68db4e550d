package http1

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// decodeAll feeds in to a fresh decoder in pieces of at most step bytes,
// the way a connection would: unconsumed bytes are presented again with more.
func decodeAll(in []byte, step int, limit int64) (body []byte, used int, err error) {
	var d Chunked
	d.Reset(limit)
	var pending []byte
	for off := 0; off < len(in) || len(pending) > 0; {
		if off < len(in) {
			end := min(off+step, len(in))
			pending = append(pending, in[off:end]...)
			off = end
		}
		for len(pending) > 0 && !d.Done() {
			n, data, err := d.Decode(pending)
			if err != nil {
				return body, used, err
			}
			body = append(body, data...)
			pending = pending[n:]
			used += n
			if n == 0 {
				break
			}
		}
		if d.Done() {
			return body, used, nil
		}
		if off >= len(in) {
			break
		}
	}
	if !d.Done() {
		return body, used, ErrNeedMore
	}
	return body, used, nil
}

func TestChunked(t *testing.T) {
	tests := []struct {
		name, in, body string
		err            error
		used           int   // bytes consumed when different from len(in)
		limit          int64 // body limit when not 15
	}{
		{name: "simple", in: "5\r\nhello\r\n0\r\n\r\n", body: "hello"},
		{name: "two chunks", in: "3\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n", body: "abc0123456789"},
		{name: "upper hex and leading zeros", in: "000B\r\nhello world\r\n0\r\n\r\n", body: "hello world"},
		{name: "extension", in: "5;name=value;x=\"q s\"\r\nhello\r\n0;last\r\n\r\n", body: "hello"},
		{name: "BWS before ext", in: "5 \t;a\r\nhello\r\n0\r\n\r\n", body: "hello"},
		{name: "trailers", in: "5\r\nhello\r\n0\r\nX-Sum: abc\r\nY:\r\n\r\n", body: "hello"},
		{name: "pipelined rest untouched", in: "1\r\nx\r\n0\r\n\r\nGET", body: "x", used: 11},
		{name: "empty", in: "0\r\n\r\n", body: ""},
		{name: "no size", in: "\r\nhello\r\n", err: ErrChunked},
		{name: "plus sign", in: "+5\r\nhello\r\n0\r\n\r\n", err: ErrChunked},
		{name: "minus sign", in: "-5\r\nhello\r\n0\r\n\r\n", err: ErrChunked},
		{name: "leading space", in: " 5\r\nhello\r\n0\r\n\r\n", err: ErrChunked},
		{name: "trailing space", in: "5 \r\nhello\r\n0\r\n\r\n", err: ErrChunked},
		{name: "0x prefix", in: "0x5\r\nhello\r\n0\r\n\r\n", err: ErrChunked},
		{name: "17 digits", in: "00000000000000005\r\nhello\r\n0\r\n\r\n", err: ErrChunked},
		{name: "overflow", in: "8000000000000000\r\n", err: ErrChunked},
		{name: "bare LF size", in: "5\nhello\r\n0\r\n\r\n", err: ErrChunked},
		{name: "bare CR size", in: "5\rhello\r\n0\r\n\r\n", err: ErrChunked},
		{name: "missing CRLF after data", in: "5\r\nhelloX\r\n0\r\n\r\n", err: ErrChunked},
		{name: "LF after data", in: "5\r\nhello\n0\r\n\r\n", err: ErrChunked},
		{name: "ext with CTL", in: "5;a\x01\r\nhello\r\n0\r\n\r\n", err: ErrChunked},
		{name: "ext too long", in: "5;" + strings.Repeat("a", maxChunkExt+1) + "\r\nhello\r\n0\r\n\r\n", err: ErrChunked},
		{name: "trailer obs-fold", in: "0\r\nX: a\r\n b\r\n\r\n", err: ErrTrailer},
		{name: "trailer no colon", in: "0\r\nX\r\n\r\n", err: ErrTrailer},
		{name: "trailer bare LF", in: "0\r\nX: a\n\r\n", err: ErrTrailer},
		{name: "final bare LF", in: "0\r\n\n", err: ErrTrailer},
		{name: "trailer too large", in: "0\r\nX: " + strings.Repeat("a", maxTrailerBytes) + "\r\n\r\n", err: ErrTrailer},
		{name: "body too large", in: "10\r\n0123456789abcdef\r\n0\r\n\r\n", err: ErrBodyTooLarge},
		{name: "tiny chunks flood", in: strings.Repeat("1;aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\nx\r\n", 1000) + "0\r\n\r\n", err: ErrChunkOverhead, limit: 1 << 20},
		{name: "truncated", in: "5\r\nhel", err: ErrNeedMore},
	}
	for _, tt := range tests {
		for _, step := range []int{1, 3, 1 << 20} {
			t.Run(fmt.Sprintf("%s/%d", tt.name, step), func(t *testing.T) {
				limit := tt.limit
				if limit == 0 {
					limit = 15
				}
				body, used, err := decodeAll([]byte(tt.in), step, limit)
				if err != tt.err {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				if err != nil {
					return
				}
				want := len(tt.in)
				if tt.used != 0 {
					want = tt.used
				}
				if string(body) != tt.body || used != want {
					t.Errorf("body %q used %d; want %q %d", body, used, tt.body, want)
				}
			})
		}
	}
}

func encodeChunked(body []byte, r *rand.Rand) []byte {
	var b []byte
	for len(body) > 0 {
		n := 1 + r.IntN(min(len(body), 300))
		b = fmt.Appendf(b, "%x\r\n", n)
		b = append(b, body[:n]...)
		b = append(b, "\r\n"...)
		body = body[n:]
	}
	return append(b, "0\r\n\r\n"...)
}

func TestChunkedRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		body := make([]byte, r.IntN(5000))
		for j := range body {
			body[j] = byte(r.Uint32())
		}
		enc := encodeChunked(body, r)
		got, used, err := decodeAll(enc, 1+r.IntN(700), 1<<20)
		if err != nil || !bytes.Equal(got, body) || used != len(enc) {
			t.Fatalf("case %d: err %v, %d/%d bytes, used %d/%d", i, err, len(got), len(body), used, len(enc))
		}
	}
}

func TestBody(t *testing.T) {
	var req Request
	in := []byte("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET")
	n, err := Parse(in, &req, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var b Body
	b.Reset(&req, Limits{})
	if b.Done() || req.Expect100 || req.WantsContinue(0) {
		t.Fatal("state: no Expect, so no 100 Continue is owed")
	}
	c, data, err := b.Read(in[n : n+2])
	if c != 2 || string(data) != "he" || err != nil || b.Done() {
		t.Fatalf("%d %q %v", c, data, err)
	}
	c, data, _ = b.Read(in[n+2:])
	if c != 3 || string(data) != "llo" || !b.Done() {
		t.Fatalf("%d %q", c, data)
	}
	if c, _, _ := b.Read(in[n+5:]); c != 0 {
		t.Fatal("read past body")
	}
	req = Request{}
	b.Reset(&req, Limits{})
	if !b.Done() {
		t.Fatal("no body not done")
	}
}

func TestBodyAllocs(t *testing.T) {
	in := []byte("5;a=b\r\nhello\r\n6\r\n world\r\n0\r\nX: y\r\n\r\n")
	var d Chunked
	allocs := testing.AllocsPerRun(100, func() {
		d.Reset(1 << 20)
		for p := in; len(p) > 0 && !d.Done(); {
			n, _, err := d.Decode(p)
			if err != nil {
				t.Fatal(err)
			}
			p = p[n:]
		}
	})
	if allocs != 0 || !d.Done() {
		t.Errorf("allocs %v done %v", allocs, d.Done())
	}
}

func FuzzChunked(f *testing.F) {
	f.Add([]byte("5;a=b\r\nhello\r\n0\r\nX: y\r\n\r\n"), uint8(3))
	f.Add([]byte("ffffffffffffffff\r\n"), uint8(1))
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		body, used, err := decodeAll(in, int(step)+1, 1<<16)
		if used > len(in) || len(body) > used || len(body) > 1<<16 {
			t.Fatalf("used %d body %d len %d", used, len(body), len(in))
		}
		// Splitting the input differently never changes the outcome.
		body2, used2, err2 := decodeAll(in, len(in)+1, 1<<16)
		if err != err2 || (err == nil && (used != used2 || !bytes.Equal(body, body2))) {
			t.Fatalf("split-dependent: %v/%v %d/%d", err, err2, used, used2)
		}
		if err != nil {
			return
		}
		// An accepted body, re-encoded canonically, decodes to the same bytes
		// and is consumed exactly.
		canon := []byte("0\r\n\r\n")
		if len(body) > 0 {
			canon = fmt.Appendf(nil, "%x\r\n%s\r\n0\r\n\r\n", len(body), body)
		}
		body3, used3, err3 := decodeAll(canon, int(step)+1, 1<<16)
		if err3 != nil || used3 != len(canon) || !bytes.Equal(body3, body) {
			t.Fatalf("canonical %q: %d %v", canon, used3, err3)
		}
	})
}
