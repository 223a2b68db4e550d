package static

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/server/httpfield"
)

func FuzzNormalizePath(f *testing.F) {
	for _, s := range []string{"/", "//a/./b/../c/", "/%2e%2E/x", "/caf%C3%A9", "/a%2Fb", "/..", "/a/b/../../..", "/%"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		out, err := NormalizePath(nil, raw)
		if err != nil {
			if len(out) != 0 {
				t.Fatalf("output %q with error", out)
			}
			return
		}
		if len(out) > len(raw) || len(out) == 0 || out[0] != '/' {
			t.Fatalf("%q -> %q", raw, out)
		}
		if !utf8.Valid(out) || bytes.Contains(out, []byte("//")) || bytes.IndexByte(out, 0) >= 0 {
			t.Fatalf("%q -> %q", raw, out)
		}
		for _, seg := range strings.Split(string(out), "/") {
			if seg == "." || seg == ".." {
				t.Fatalf("%q -> %q has a dot segment", raw, out)
			}
		}
		// Idempotent once '%' is escaped.
		esc := appendEscapedPath(nil, out)
		again, err := NormalizePath(nil, esc)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("%q -> %q -> %q -> %q %v", raw, out, esc, again, err)
		}
	})
}

func FuzzRange(f *testing.F) {
	for _, s := range []string{"bytes=0-1", "bytes=-5", "bytes=3-", "bytes=0-0,2-3,-1", "bytes=, 1-2 ,", "bytes=99999999999999999999-"} {
		f.Add([]byte(s), int64(10))
	}
	f.Fuzz(func(t *testing.T, h []byte, size int64) {
		if size < 0 {
			size = -size
		}
		if size < 0 {
			return
		}
		var out [MaxRanges]byteRange
		n, res := parseRange(h, size, &out)
		if res != rangeOK {
			if n != 0 {
				t.Fatalf("n = %d for %d", n, res)
			}
			return
		}
		var sum int64
		for _, r := range out[:n] {
			if r.off < 0 || r.n <= 0 || r.off+r.n > size {
				t.Fatalf("%q size %d: bad range %+v", h, size, r)
			}
			sum += r.n
		}
		if sum > size {
			t.Fatalf("sum %d > size %d", sum, size)
		}
	})
}

func FuzzAcceptEncoding(f *testing.F) {
	for _, s := range []string{"gzip, deflate, br, zstd", "br;q=0.5, *;q=0", "identity;q=0", "gzip;q=1.000, br;q=0.999"} {
		f.Add([]byte(s))
	}
	e := &archive.Entry{NVariants: 2, Variants: [3]archive.Variant{{Encoding: archive.Zstd}, {Encoding: archive.Gzip}}}
	f.Fuzz(func(t *testing.T, ae []byte) {
		got := negotiate(ae, e)
		if got == archive.Brotli {
			t.Fatalf("%q: chose a variant the entry does not have", ae)
		}
		if got != archive.Identity {
			// The chosen coding must have been named (or matched by "*").
			tok := got.Token()
			if !bytes.Contains(bytes.ToLower(ae), []byte(tok)) && !bytes.Contains(ae, []byte("*")) {
				t.Fatalf("%q: chose %s", ae, tok)
			}
		}
		etagMatch(ae, `"x"`, true)
		httpfield.ParseDate(ae)
	})
}

// FuzzServe runs whole requests against the fake site: never panic, and the
// advertised length always matches the body.
func FuzzServe(f *testing.F) {
	f.Add("GET", "/digits.txt", "bytes=0-1,4-", "br", `"x"`)
	f.Add("HEAD", "/docs", "", "", "")
	h := New(site, Config{TryHTML: true})
	f.Fuzz(func(t *testing.T, method, path, rg, ae, inm string) {
		var resp Response
		h.Serve(req{method: method, path: path, rg: rg, ae: ae, inm: inm, hasQuery: true}.view(), &resp)
		var n int64
		for _, p := range resp.Body {
			n += int64(len(p))
		}
		if len(resp.Body) > 0 && n != resp.ContentLength {
			t.Fatalf("body %d, ContentLength %d", n, resp.ContentLength)
		}
		for _, fl := range resp.Fields {
			if strings.ContainsAny(fl.Value, "\r\n") {
				t.Fatalf("field %s: %q", fl.Name, fl.Value)
			}
		}
	})
}
