package static

import (
	"bytes"
	"net/url"
	"path"
	"strconv"
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
		// Agrees with the standard library: percent-decoding then
		// path.Clean (RFC 3986 §5.2.4), apart from the trailing '/'.
		if dec, err := url.PathUnescape(string(raw)); err == nil {
			got := strings.TrimSuffix(string(out), "/")
			if got == "" {
				got = "/"
			}
			if want := path.Clean(dec); got != want {
				t.Fatalf("%q -> %q, path.Clean gives %q", raw, out, want)
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
		// Overlapping ranges are ignored (parseRange's abuse rule), so
		// accepted ones are disjoint.
		for i, a := range out[:n] {
			for _, b := range out[i+1 : n] {
				if a.off < b.off+b.n && b.off < a.off+a.n {
					t.Fatalf("%q size %d: ranges %+v and %+v overlap", h, size, a, b)
				}
			}
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

// FuzzServe runs whole requests against the fake site: never panic, a
// status in 100..599, header fields that are tokens with clean values, a
// body only when the method and status allow one, Content-Length equal to
// the body (or, for HEAD, to what GET sends), and HEAD answered like GET
// (RFC 9110 §9.3.2) without Range.
func FuzzServe(f *testing.F) {
	f.Add("GET", "/digits.txt", "bytes=0-1,4-", "br", `"x"`, "", "")
	f.Add("HEAD", "/docs", "", "", "", "", "")
	f.Add("GET", "/index.html", "bytes=-3", "gzip;q=0.5, br", "", `"id-index.html"`, "Sun, 06 Nov 1994 08:49:37 GMT")
	f.Add("HEAD", "/app.3f9c1a2b.js", "bytes=0-0,2-2", "*", `W/"br-app.3f9c1a2b.js"`, `"br-app.3f9c1a2b.js"`, "")
	f.Add("GET", "/caf%C3%A9%20menu.txt", "", "", "*", "", "Sun, 06 Nov 1994 08:49:37 GMT")
	h := New(site, Config{TryHTML: true})
	f.Fuzz(func(t *testing.T, method, path, rg, ae, inm, ir, ims string) {
		r := req{method: method, path: path, rg: rg, ae: ae, inm: inm, ir: ir, ims: ims, im: ir, hasQuery: true}
		var resp Response
		h.Serve(r.view(), &resp)
		checkResponse(t, method, &resp)
		if method == "HEAD" {
			// HEAD ignores Range (RFC 9110 §14.2: range handling is defined
			// for GET only), so it answers like GET without it.
			r.method, r.rg = "GET", ""
			var g Response
			h.Serve(r.view(), &g)
			if g.Status != resp.Status || g.ContentLength != resp.ContentLength || len(g.Fields) != len(resp.Fields) {
				t.Fatalf("HEAD %d/%d/%d fields, GET %d/%d/%d fields", resp.Status, resp.ContentLength, len(resp.Fields),
					g.Status, g.ContentLength, len(g.Fields))
			}
		}
	})
}

func checkResponse(t *testing.T, method string, resp *Response) {
	t.Helper()
	if resp.Status < 100 || resp.Status > 599 {
		t.Fatalf("status %d", resp.Status)
	}
	var n int64
	for _, p := range resp.Body {
		n += int64(len(p))
	}
	noBody := method == "HEAD" || resp.Status == 204 || resp.Status == 304
	if noBody && n != 0 {
		t.Fatalf("%s status %d has a %d-byte body", method, resp.Status, n)
	}
	if !noBody && n != resp.ContentLength {
		t.Fatalf("body %d, ContentLength %d", n, resp.ContentLength)
	}
	cl := ""
	for _, fl := range resp.Fields {
		if fl.Name == "" || strings.Trim(fl.Name, "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			t.Fatalf("field name %q", fl.Name)
		}
		if strings.ContainsAny(fl.Value, "\r\n\x00") {
			t.Fatalf("field %s: %q", fl.Name, fl.Value)
		}
		if fl.Name == "Content-Length" {
			cl = fl.Value
		}
	}
	if n > 0 && cl != strconv.FormatInt(resp.ContentLength, 10) {
		t.Fatalf("Content-Length field %q, ContentLength %d", cl, resp.ContentLength)
	}
}
