package static

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/server/httpfield"
)

// fakeSite is an in-memory Site.
type fakeSite struct {
	entries map[string]archive.Entry
	data    []byte
}

func (s *fakeSite) Lookup(p string) (archive.Entry, bool) { e, ok := s.entries[p]; return e, ok }
func (s *fakeSite) Content(e archive.Entry) []byte        { return s.data[e.Offset : e.Offset+e.Size] }
func (s *fakeSite) VariantContent(v archive.Variant) []byte {
	return s.data[v.Offset : v.Offset+v.Size]
}

type file struct {
	path, body, ctype string
	flags             archive.Flags
	mtime             int64
	variants          []archive.Encoding // variant bodies are "<token>(<body>)"
}

func newFake(files ...file) *fakeSite {
	s := &fakeSite{entries: map[string]archive.Entry{}}
	put := func(b string) (int64, int64) {
		off := int64(len(s.data))
		s.data = append(s.data, b...)
		return off, int64(len(b))
	}
	for _, f := range files {
		e := archive.Entry{Path: f.path, ContentType: f.ctype, ETag: fmt.Sprintf("%q", "id-"+f.path), ModTime: f.mtime, Flags: f.flags}
		e.Offset, e.Size = put(f.body)
		for _, enc := range f.variants {
			v := archive.Variant{Encoding: enc, ETag: fmt.Sprintf("%q", enc.Token()+"-"+f.path)}
			v.Offset, v.Size = put(enc.Token() + "(" + f.body + ")")
			e.Variants[e.NVariants] = v
			e.NVariants++
		}
		s.entries[f.path] = e
	}
	return s
}

const mtime = 784111777 // Sun, 06 Nov 1994 08:49:37 GMT

var site = newFake(
	file{path: "index.html", body: "<h1>home</h1>", ctype: "text/html; charset=utf-8", flags: archive.FlagHTML, mtime: mtime,
		variants: []archive.Encoding{archive.Brotli, archive.Zstd, archive.Gzip}},
	file{path: "app.3f9c1a2b.js", body: "console.log(1)", ctype: "text/javascript; charset=utf-8", flags: archive.FlagHashedName, mtime: mtime,
		variants: []archive.Encoding{archive.Brotli, archive.Gzip}},
	file{path: "digits.txt", body: "0123456789", ctype: "text/plain; charset=utf-8", mtime: mtime},
	file{path: "empty.txt", body: "", ctype: "text/plain; charset=utf-8"},
	file{path: "docs/index.html", body: "docs", ctype: "text/html; charset=utf-8", flags: archive.FlagHTML, mtime: mtime},
	file{path: "about.html", body: "about", ctype: "text/html; charset=utf-8", flags: archive.FlagHTML},
	file{path: "caf\u00e9 menu.txt", body: "coffee", ctype: "text/plain; charset=utf-8"},
	file{path: "blob", body: "raw"},
	file{path: ".zeroserve/index.bin", body: "secret"},
	file{path: ".zeroserve/index.html", body: "secret"},
	file{path: "a/.zeroserve/x", body: "not hidden"},
)

type req struct {
	method, path, query           string
	hasQuery                      bool
	ae, im, inm, ims, ius, rg, ir string
}

func opt(s string) []byte {
	if s == "" {
		return nil
	}
	if s == "<empty>" {
		return []byte{}
	}
	return []byte(s)
}

func (r req) view() *Request {
	m := r.method
	if m == "" {
		m = "GET"
	}
	v := &Request{Method: []byte(m), Path: []byte(r.path), AcceptEncoding: opt(r.ae), IfMatch: opt(r.im),
		IfNoneMatch: opt(r.inm), IfModifiedSince: opt(r.ims), IfUnmodifiedSince: opt(r.ius), Range: opt(r.rg), IfRange: opt(r.ir)}
	if r.query != "" || r.hasQuery {
		v.Query = []byte(r.query)
	}
	return v
}

// render prints a response as "status\nName: value\n...\n\nbody".
func render(resp *Response) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d\n", resp.Status)
	for _, f := range resp.Fields {
		fmt.Fprintf(&b, "%s: %s\n", f.Name, f.Value)
	}
	b.WriteString("\n")
	var n int64
	for _, p := range resp.Body {
		b.Write(p)
		n += int64(len(p))
	}
	if len(resp.Body) > 0 && n != resp.ContentLength {
		fmt.Fprintf(&b, "\n!! ContentLength %d != body %d", resp.ContentLength, n)
	}
	return b.String()
}

func TestServe(t *testing.T) {
	h := New(site, Config{})
	const lm = "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\n"
	const idx = "Content-Type: text/html; charset=utf-8\n"
	tests := []struct {
		name string
		req  req
		want string
	}{
		{"index identity", req{path: "/"}, "200\n" + idx + "Content-Length: 13\nETag: \"id-index.html\"\n" + lm +
			"Cache-Control: no-cache\nVary: Accept-Encoding\nAccept-Ranges: bytes\n\n<h1>home</h1>"},
		{"index br", req{path: "/", ae: "gzip, deflate, br, zstd"}, "200\n" + idx + "Content-Length: 17\nContent-Encoding: br\nETag: \"br-index.html\"\n" + lm +
			"Cache-Control: no-cache\nVary: Accept-Encoding\nAccept-Ranges: bytes\n\nbr(<h1>home</h1>)"},
		{"HEAD", req{method: "HEAD", path: "/index.html", ae: "gzip"}, "200\n" + idx + "Content-Length: 19\nContent-Encoding: gzip\nETag: \"gzip-index.html\"\n" + lm +
			"Cache-Control: no-cache\nVary: Accept-Encoding\nAccept-Ranges: bytes\n\n"},
		{"hashed immutable", req{path: "/app.3f9c1a2b.js", ae: "zstd"}, "200\nContent-Type: text/javascript; charset=utf-8\nContent-Length: 14\nETag: \"id-app.3f9c1a2b.js\"\n" + lm +
			"Cache-Control: public, max-age=31536000, immutable\nVary: Accept-Encoding\nAccept-Ranges: bytes\n\nconsole.log(1)"},
		{"default cache, no variants", req{path: "/digits.txt", ae: "br"}, "200\nContent-Type: text/plain; charset=utf-8\nContent-Length: 10\nETag: \"id-digits.txt\"\n" + lm +
			"Cache-Control: public, max-age=3600\nAccept-Ranges: bytes\n\n0123456789"},
		{"no type no mtime", req{path: "/blob"}, "200\nContent-Length: 3\nETag: \"id-blob\"\nCache-Control: public, max-age=3600\nAccept-Ranges: bytes\n\nraw"},
		{"dir index", req{path: "/docs/"}, "200\n" + idx + "Content-Length: 4\nETag: \"id-docs/index.html\"\n" + lm + "Cache-Control: no-cache\nAccept-Ranges: bytes\n\ndocs"},
		{"dir redirect", req{path: "/docs", query: "a=1&b"}, "308\nContent-Type: text/plain; charset=utf-8\nContent-Length: 23\nLocation: /docs/?a=1&b\n\n308 Permanent Redirect\n"},
		{"dir redirect normalised", req{path: "//x/../docs/./"}, "200\n" + idx + "Content-Length: 4\nETag: \"id-docs/index.html\"\n" + lm + "Cache-Control: no-cache\nAccept-Ranges: bytes\n\ndocs"},
		{"redirect no open redirect", req{path: "//docs"}, "308\nContent-Type: text/plain; charset=utf-8\nContent-Length: 23\nLocation: /docs/\n\n308 Permanent Redirect\n"},
		{"escaped name", req{path: "/caf%C3%A9%20menu.txt"}, "200\nContent-Type: text/plain; charset=utf-8\nContent-Length: 6\nETag: \"id-café menu.txt\"\nCache-Control: public, max-age=3600\nAccept-Ranges: bytes\n\ncoffee"},
		{"no try-html", req{path: "/about"}, "404\nContent-Type: text/plain; charset=utf-8\nContent-Length: 14\n\n404 Not Found\n"},
		{"missing", req{path: "/nope.css"}, "404\nContent-Type: text/plain; charset=utf-8\nContent-Length: 14\n\n404 Not Found\n"},
		{"missing HEAD", req{method: "HEAD", path: "/nope.css"}, "404\nContent-Type: text/plain; charset=utf-8\nContent-Length: 14\n\n"},
		{"missing dir index", req{path: "/a/"}, "404\nContent-Type: text/plain; charset=utf-8\nContent-Length: 14\n\n404 Not Found\n"},
		{"hidden", req{path: "/.zeroserve/index.bin"}, "404\nContent-Type: text/plain; charset=utf-8\nContent-Length: 14\n\n404 Not Found\n"},
		{"hidden dir", req{path: "/.zeroserve/"}, "404\nContent-Type: text/plain; charset=utf-8\nContent-Length: 14\n\n404 Not Found\n"},
		{"hidden no slash", req{path: "/.zeroserve"}, "404\nContent-Type: text/plain; charset=utf-8\nContent-Length: 14\n\n404 Not Found\n"},
		{"hidden encoded", req{path: "/%2ezeroserve/index.bin"}, "404\nContent-Type: text/plain; charset=utf-8\nContent-Length: 14\n\n404 Not Found\n"},
		{"hidden via dotdot", req{path: "/a/../.zeroserve/index.bin"}, "404\nContent-Type: text/plain; charset=utf-8\nContent-Length: 14\n\n404 Not Found\n"},
		{"hidden POST", req{method: "POST", path: "/.zeroserve/index.bin"}, "404\nContent-Type: text/plain; charset=utf-8\nContent-Length: 14\n\n404 Not Found\n"},
		{"nested .zeroserve served", req{path: "/a/.zeroserve/x"}, "200\nContent-Length: 10\nETag: \"id-a/.zeroserve/x\"\nCache-Control: public, max-age=3600\nAccept-Ranges: bytes\n\nnot hidden"},
		{"dotdot above root", req{path: "/../etc/passwd"}, "400\nContent-Type: text/plain; charset=utf-8\nContent-Length: 16\n\n400 Bad Request\n"},
		{"encoded slash", req{path: "/docs%2Findex.html"}, "400\nContent-Type: text/plain; charset=utf-8\nContent-Length: 16\n\n400 Bad Request\n"},
		{"bad query", req{path: "/", query: "a\x01"}, "400\nContent-Type: text/plain; charset=utf-8\nContent-Length: 16\n\n400 Bad Request\n"},
		{"POST", req{method: "POST", path: "/"}, "405\nContent-Type: text/plain; charset=utf-8\nContent-Length: 23\nAllow: GET, HEAD, OPTIONS\n\n405 Method Not Allowed\n"},
		{"POST missing", req{method: "POST", path: "/nope"}, "405\nContent-Type: text/plain; charset=utf-8\nContent-Length: 23\nAllow: GET, HEAD, OPTIONS\n\n405 Method Not Allowed\n"},
		{"lower-case get", req{method: "get", path: "/"}, "405\nContent-Type: text/plain; charset=utf-8\nContent-Length: 23\nAllow: GET, HEAD, OPTIONS\n\n405 Method Not Allowed\n"},
		{"OPTIONS", req{method: "OPTIONS", path: "/digits.txt"}, "204\nAllow: GET, HEAD, OPTIONS\n\n"},
		{"OPTIONS *", req{method: "OPTIONS", path: "*"}, "204\nAllow: GET, HEAD, OPTIONS\n\n"},
		{"GET *", req{path: "*"}, "400\nContent-Type: text/plain; charset=utf-8\nContent-Length: 16\n\n400 Bad Request\n"},
	}
	var resp Response
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.Serve(tt.req.view(), &resp)
			if got := render(&resp); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestServeTryHTMLAnd404Page(t *testing.T) {
	s := newFake(
		file{path: "about.html", body: "about", ctype: "text/html", flags: archive.FlagHTML},
		file{path: "404.html", body: "<p>gone</p>", ctype: "text/html", flags: archive.FlagHTML, variants: []archive.Encoding{archive.Gzip}},
		file{path: "x/index.html", body: "x", ctype: "text/html", flags: archive.FlagHTML},
		file{path: "x.html", body: "x.html", ctype: "text/html", flags: archive.FlagHTML},
	)
	h := New(s, Config{TryHTML: true, CacheControl: "max-age=60"})
	tests := []struct {
		name string
		req  req
		want string
	}{
		{"try html", req{path: "/about"}, "200\nContent-Type: text/html\nContent-Length: 5\nETag: \"id-about.html\"\nCache-Control: no-cache\nAccept-Ranges: bytes\n\nabout"},
		{"dir before .html", req{path: "/x"}, "308\nContent-Type: text/plain; charset=utf-8\nContent-Length: 23\nLocation: /x/\n\n308 Permanent Redirect\n"},
		{"no .html after slash", req{path: "/about/"}, "404\nContent-Type: text/html\nContent-Length: 11\nVary: Accept-Encoding\nCache-Control: no-cache\n\n<p>gone</p>"},
		{"404 page gzip", req{path: "/nope", ae: "gzip"}, "404\nContent-Type: text/html\nContent-Length: 17\nContent-Encoding: gzip\nVary: Accept-Encoding\nCache-Control: no-cache\n\ngzip(<p>gone</p>)"},
		{"404 page HEAD", req{method: "HEAD", path: "/nope"}, "404\nContent-Type: text/html\nContent-Length: 11\nVary: Accept-Encoding\nCache-Control: no-cache\n\n"},
	}
	var resp Response
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.Serve(tt.req.view(), &resp)
			if got := render(&resp); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestServeIndexConfig(t *testing.T) {
	s := newFake(file{path: "d/default.htm", body: "d"})
	h := New(s, Config{Index: "default.htm"})
	var resp Response
	for path, want := range map[string]int{"/d/": 200, "/d": 308, "/d/default.htm": 200, "/": 404} {
		h.Serve(req{path: path}.view(), &resp)
		if resp.Status != want {
			t.Errorf("%s: %d, want %d", path, resp.Status, want)
		}
	}
}

func field(resp *Response, name string) (string, bool) {
	for _, f := range resp.Fields {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

func TestConditional(t *testing.T) {
	h := New(site, Config{})
	const (
		before = "Sat, 05 Nov 1994 08:49:37 GMT"
		at     = "Sun, 06 Nov 1994 08:49:37 GMT"
		after  = "Mon, 07 Nov 1994 08:49:37 GMT"
	)
	tests := []struct {
		name   string
		req    req
		status int
		etag   string
	}{
		{"INM match", req{path: "/", inm: `"id-index.html"`}, 304, `"id-index.html"`},
		{"INM weak match", req{path: "/", inm: `W/"id-index.html"`}, 304, `"id-index.html"`},
		{"INM list", req{path: "/", inm: `"x", "id-index.html"`}, 304, `"id-index.html"`},
		{"INM list no space", req{path: "/", inm: `"x","id-index.html"`}, 304, `"id-index.html"`},
		{"INM star", req{path: "/", inm: `*`}, 304, `"id-index.html"`},
		{"INM other", req{path: "/", inm: `"x"`}, 200, `"id-index.html"`},
		{"INM unquoted", req{path: "/", inm: `id-index.html`}, 200, `"id-index.html"`},
		{"INM variant etag", req{path: "/", ae: "br", inm: `"br-index.html"`}, 304, `"br-index.html"`},
		{"INM identity etag vs br", req{path: "/", ae: "br", inm: `"id-index.html"`}, 200, `"br-index.html"`},
		{"INM HEAD", req{method: "HEAD", path: "/", inm: `"id-index.html"`}, 304, `"id-index.html"`},
		{"INM wins over IMS", req{path: "/", inm: `"x"`, ims: after}, 200, `"id-index.html"`},
		{"IMS same", req{path: "/", ims: at}, 304, `"id-index.html"`},
		{"IMS later", req{path: "/", ims: after}, 304, `"id-index.html"`},
		{"IMS earlier", req{path: "/", ims: before}, 200, `"id-index.html"`},
		{"IMS rfc850", req{path: "/", ims: "Sunday, 06-Nov-94 08:49:37 GMT"}, 304, `"id-index.html"`},
		{"IMS asctime", req{path: "/", ims: "Sun Nov  6 08:49:37 1994"}, 304, `"id-index.html"`},
		{"IMS invalid", req{path: "/", ims: "yesterday"}, 200, `"id-index.html"`},
		{"IMS no mtime", req{path: "/blob", ims: after}, 200, `"id-blob"`},
		{"IM match", req{path: "/", im: `"id-index.html"`}, 200, `"id-index.html"`},
		{"IM star", req{path: "/", im: `*`}, 200, `"id-index.html"`},
		{"IM weak fails", req{path: "/", im: `W/"id-index.html"`}, 412, ""},
		{"IM mismatch", req{path: "/", im: `"x"`}, 412, ""},
		{"IM wins over IUS", req{path: "/", im: `"id-index.html"`, ius: before}, 200, `"id-index.html"`},
		{"IUS earlier", req{path: "/", ius: before}, 412, ""},
		{"IUS same", req{path: "/", ius: at}, 200, `"id-index.html"`},
		{"IUS invalid", req{path: "/", ius: "nope"}, 200, `"id-index.html"`},
		{"IM then INM", req{path: "/", im: `"id-index.html"`, inm: `"id-index.html"`}, 304, `"id-index.html"`},
		{"412 before 304", req{path: "/", im: `"x"`, inm: `"id-index.html"`}, 412, ""},
	}
	var resp Response
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.Serve(tt.req.view(), &resp)
			etag, _ := field(&resp, "ETag")
			if resp.Status != tt.status || etag != tt.etag {
				t.Fatalf("status %d etag %s; want %d %s\n%s", resp.Status, etag, tt.status, tt.etag, render(&resp))
			}
			if resp.Status == 304 {
				want := "304\nETag: " + tt.etag + "\nCache-Control: no-cache\nVary: Accept-Encoding\n\n"
				if got := render(&resp); got != want || resp.Body != nil && len(resp.Body) != 0 {
					t.Errorf("304:\n%s\nwant\n%s", got, want)
				}
			}
		})
	}
}

func TestRanges(t *testing.T) {
	h := New(site, Config{})
	tests := []struct {
		name   string
		req    req
		status int
		cr     string // Content-Range
		body   string
	}{
		{"first", req{path: "/digits.txt", rg: "bytes=0-3"}, 206, "bytes 0-3/10", "0123"},
		{"open", req{path: "/digits.txt", rg: "bytes=7-"}, 206, "bytes 7-9/10", "789"},
		{"suffix", req{path: "/digits.txt", rg: "bytes=-2"}, 206, "bytes 8-9/10", "89"},
		{"suffix larger", req{path: "/digits.txt", rg: "bytes=-20"}, 206, "bytes 0-9/10", "0123456789"},
		{"last clamped", req{path: "/digits.txt", rg: "bytes=5-100"}, 206, "bytes 5-9/10", "56789"},
		{"unit case", req{path: "/digits.txt", rg: "Bytes=1-1"}, 206, "bytes 1-1/10", "1"},
		{"huge last", req{path: "/digits.txt", rg: "bytes=9-99999999999999999999999"}, 206, "bytes 9-9/10", "9"},
		{"unsatisfied skipped", req{path: "/digits.txt", rg: "bytes=20-30, 2-2"}, 206, "bytes 2-2/10", "2"},
		{"unsatisfiable", req{path: "/digits.txt", rg: "bytes=10-"}, 416, "bytes */10", "416 Range Not Satisfiable\n"},
		{"suffix zero", req{path: "/digits.txt", rg: "bytes=-0"}, 416, "bytes */10", "416 Range Not Satisfiable\n"},
		{"empty file", req{path: "/empty.txt", rg: "bytes=0-"}, 416, "bytes */0", "416 Range Not Satisfiable\n"},
		{"other unit", req{path: "/digits.txt", rg: "items=0-1"}, 200, "", "0123456789"},
		{"malformed", req{path: "/digits.txt", rg: "bytes=a-b"}, 200, "", "0123456789"},
		{"reversed", req{path: "/digits.txt", rg: "bytes=5-3"}, 200, "", "0123456789"},
		{"no dash", req{path: "/digits.txt", rg: "bytes=5"}, 200, "", "0123456789"},
		{"plus sign", req{path: "/digits.txt", rg: "bytes=+1-2"}, 200, "", "0123456789"},
		{"empty set", req{path: "/digits.txt", rg: "bytes=, ,"}, 200, "", "0123456789"},
		{"overlap ignored", req{path: "/digits.txt", rg: "bytes=0-5,3-7"}, 200, "", "0123456789"},
		{"too many", req{path: "/digits.txt", rg: "bytes=" + strings.Repeat("0-0,", 17)}, 200, "", "0123456789"},
		{"HEAD ignores range", req{method: "HEAD", path: "/digits.txt", rg: "bytes=0-1"}, 200, "", ""},
		{"range serves identity", req{path: "/", ae: "br", rg: "bytes=0-3"}, 206, "bytes 0-3/13", "<h1>"},
		{"if-range etag", req{path: "/digits.txt", rg: "bytes=0-0", ir: `"id-digits.txt"`}, 206, "bytes 0-0/10", "0"},
		{"if-range etag mismatch", req{path: "/digits.txt", rg: "bytes=0-0", ir: `"x"`}, 200, "", "0123456789"},
		{"if-range weak", req{path: "/digits.txt", rg: "bytes=0-0", ir: `W/"id-digits.txt"`}, 200, "", "0123456789"},
		{"if-range date", req{path: "/digits.txt", rg: "bytes=0-0", ir: "Sun, 06 Nov 1994 08:49:37 GMT"}, 206, "bytes 0-0/10", "0"},
		{"if-range date mismatch", req{path: "/digits.txt", rg: "bytes=0-0", ir: "Mon, 07 Nov 1994 08:49:37 GMT"}, 200, "", "0123456789"},
		{"INM before range", req{path: "/digits.txt", rg: "bytes=0-0", inm: `"id-digits.txt"`}, 304, "", ""},
	}
	var resp Response
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.Serve(tt.req.view(), &resp)
			cr, _ := field(&resp, "Content-Range")
			var body []byte
			for _, p := range resp.Body {
				body = append(body, p...)
			}
			cl, _ := field(&resp, "Content-Length")
			if resp.Status != tt.status || cr != tt.cr || string(body) != tt.body {
				t.Fatalf("got %d %q %q\n%s", resp.Status, cr, body, render(&resp))
			}
			if resp.Status != 304 && cl != fmt.Sprint(resp.ContentLength) {
				t.Errorf("Content-Length %s vs %d", cl, resp.ContentLength)
			}
			if enc, ok := field(&resp, "Content-Encoding"); ok && tt.req.rg != "" && tt.req.method == "" {
				t.Errorf("range response with Content-Encoding %s", enc)
			}
		})
	}
}

func TestMultiRange(t *testing.T) {
	h := New(site, Config{})
	var resp Response
	h.Serve(req{path: "/digits.txt", rg: "bytes=7-8, 0-1,-1"}.view(), &resp)
	got := render(&resp)
	const want = "206\nContent-Type: multipart/byteranges; boundary=zsiddigitstxt\nContent-Length: 297\nETag: \"id-digits.txt\"\n" +
		"Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\nCache-Control: public, max-age=3600\nAccept-Ranges: bytes\n\n" +
		"--zsiddigitstxt\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 7-8/10\r\n\r\n78" +
		"\r\n--zsiddigitstxt\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-1/10\r\n\r\n01" +
		"\r\n--zsiddigitstxt\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 9-9/10\r\n\r\n9" +
		"\r\n--zsiddigitstxt--\r\n"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	// Deterministic: the same request renders the same bytes.
	h.Serve(req{path: "/digits.txt", rg: "bytes=7-8, 0-1,-1"}.view(), &resp)
	if render(&resp) != got {
		t.Error("multipart response is not deterministic")
	}
}

func TestNegotiate(t *testing.T) {
	all := &archive.Entry{NVariants: 3, Variants: [3]archive.Variant{{Encoding: archive.Brotli}, {Encoding: archive.Zstd}, {Encoding: archive.Gzip}}}
	gz := &archive.Entry{NVariants: 1, Variants: [3]archive.Variant{{Encoding: archive.Gzip}}}
	tests := []struct {
		ae   string
		e    *archive.Entry
		want archive.Encoding
	}{
		{"", all, archive.Identity},
		{"<empty>", all, archive.Identity},
		{"gzip, deflate, br, zstd", all, archive.Brotli},
		{"gzip, zstd", all, archive.Zstd},
		{"GZIP", all, archive.Gzip},
		{"x-gzip", all, archive.Gzip},
		{"br;q=0.5, gzip;q=0.8", all, archive.Gzip},
		{"br;q=0.8, gzip;q=0.8, zstd;q=0.8", all, archive.Brotli},
		{"br;q=0, gzip", all, archive.Gzip},
		{"br;Q=0.000", all, archive.Identity},
		{"*", all, archive.Brotli},
		{"*;q=0.5, br;q=0.1", all, archive.Zstd},
		{"*;q=0", all, archive.Identity},
		{"identity;q=0, br;q=0", all, archive.Identity},
		{"identity;q=1, br;q=0.5", all, archive.Identity},
		{"identity, br", all, archive.Brotli},
		{"br;q=1.0", all, archive.Brotli},
		{"br;q=1.5", all, archive.Identity},
		{"br;q=0.5555", all, archive.Identity},
		{"br;q=", all, archive.Identity},
		{"br ; q=0.9 , gzip ; q=1", all, archive.Gzip},
		{"br", gz, archive.Identity},
		{"br, gzip;q=0.1", gz, archive.Gzip},
		{"deflate", all, archive.Identity},
	}
	for _, tt := range tests {
		if got := negotiate(opt(tt.ae), tt.e); got != tt.want {
			t.Errorf("%q: %v, want %v", tt.ae, got, tt.want)
		}
	}
}

func TestNormalizePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/", "/"},
		{"/a", "/a"},
		{"/a/", "/a/"},
		{"//a", "/a"},
		{"/a//b///", "/a/b/"},
		{"/a/./b", "/a/b"},
		{"/a/.", "/a/"},
		{"/a/b/..", "/a/"},
		{"/a/b/../c", "/a/c"},
		{"/a/..", "/"},
		{"/..a/b..", "/..a/b.."},
		{"/%2e%2E/", ""},
		{"/a/%2e%2e", "/"},
		{"/a/%2e", "/a/"},
		{"/%41%62", "/Ab"},
		{"/caf%C3%A9", "/café"},
		{"/a+b%20c", "/a+b c"},
		{"/%25", "/%"},
		{"/..", ""},
		{"/../a", ""},
		{"/a/../../b", ""},
		{"/a%2Fb", ""},
		{"/a%2fb", ""},
		{"/%", ""},
		{"/%4", ""},
		{"/%4g", ""},
		{"/a%/b", ""},
		{"/%00", ""},
		{"/%0a", ""},
		{"/%7f", ""},
		{"/%C3", ""},
		{"/%ff%fe", ""},
		{"/\x00", ""},
		{"", ""},
		{"a/b", ""},
	}
	for _, tt := range tests {
		got, err := NormalizePath(nil, []byte(tt.in))
		if tt.want == "" {
			if err == nil {
				t.Errorf("%q: %q, want error", tt.in, got)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("%q: %q %v, want %q", tt.in, got, err, tt.want)
		}
	}
	// It appends to dst.
	if got, _ := NormalizePath([]byte("x"), []byte("/a/../b")); string(got) != "x/b" {
		t.Errorf("append: %q", got)
	}
}

func TestParseHTTPDate(t *testing.T) {
	for in, want := range map[string]int64{
		"Sun, 06 Nov 1994 08:49:37 GMT":  mtime,
		"Sunday, 06-Nov-94 08:49:37 GMT": mtime,
		"Sun Nov  6 08:49:37 1994":       mtime,
		"Thu, 01 Jan 1970 00:00:00 GMT":  0,
		"Fri, 31 Dec 2100 23:59:59 GMT":  4133980799,
		"Sun, 06 Nov 1994 08:49:37 UTC":  -1,
		"Sun, 31 Feb 1994 08:49:37 GMT":  -1,
		"Sun, 06 Nov 1994 24:49:37 GMT":  -1,
		"Sun, 06 Nvv 1994 08:49:37 GMT":  -1,
		"Sun, 06 Nov 1994 08:49:37 GMT ": -1,
		"":                               -1,
	} {
		got, ok := httpfield.ParseDate([]byte(in))
		if want < 0 && ok || want >= 0 && (!ok || got != want) {
			t.Errorf("%q: %d %v, want %d", in, got, ok, want)
		}
	}
	if got := string(httpfield.AppendDate(nil, mtime)); got != "Sun, 06 Nov 1994 08:49:37 GMT" {
		t.Errorf("format: %q", got)
	}
}

func TestServeAllocs(t *testing.T) {
	h := New(site, Config{})
	var resp Response
	for _, r := range []req{
		{path: "/app.3f9c1a2b.js", ae: "gzip, deflate, br, zstd"},
		{path: "/", ae: "gzip, deflate, br, zstd", inm: `"br-index.html"`},
		{path: "/digits.txt", rg: "bytes=0-1"},
		{path: "/digits.txt", rg: "bytes=0-1,5-6"},
		{path: "/docs", query: "x=1"},
		{path: "/nope"},
	} {
		v := r.view()
		h.Serve(v, &resp) // warm up the Response
		if a := testing.AllocsPerRun(100, func() { h.Serve(v, &resp) }); a != 0 {
			t.Errorf("%+v: %v allocs", r, a)
		}
	}
}

func BenchmarkServe(b *testing.B) {
	h := New(site, Config{})
	var resp Response
	v := req{path: "/app.3f9c1a2b.js", ae: "gzip, deflate, br, zstd"}.view()
	var out []byte
	b.ReportAllocs()
	for b.Loop() {
		h.Serve(v, &resp)
		out = resp.AppendFields(out[:0])
	}
}

func TestAppendFields(t *testing.T) {
	h := New(site, Config{})
	var resp Response
	h.Serve(req{path: "/blob"}.view(), &resp)
	got := string(resp.AppendFields([]byte("X")))
	want := "XContent-Length: 3\r\nETag: \"id-blob\"\r\nCache-Control: public, max-age=3600\r\nAccept-Ranges: bytes\r\n"
	if got != want {
		t.Errorf("%q", got)
	}
	_ = bytes.Equal
}

// TestResponseFlags: Serve reports the flags of the entry it resolved,
// whatever the status, and 0 when it resolved none.
func TestResponseFlags(t *testing.T) {
	const tmpl = archive.FlagHTML | archive.FlagTemplate
	s := newFake(
		file{path: "page.html", body: "<zs-meta>x</zs-meta>", ctype: "text/html", flags: tmpl, mtime: mtime, variants: []archive.Encoding{archive.Gzip}},
		file{path: "plain.html", body: "plain", ctype: "text/html", flags: archive.FlagHTML},
		file{path: "app.3f9c1a2b.js", body: "x", ctype: "text/javascript", flags: archive.FlagHashedName},
		file{path: "blob", body: "raw"},
		file{path: "d/index.html", body: "<zs-meta>x</zs-meta>", ctype: "text/html", flags: tmpl},
		file{path: "404.html", body: "<zs-meta>x</zs-meta>", ctype: "text/html", flags: tmpl},
		file{path: ".zeroserve/secret.html", body: "s", ctype: "text/html", flags: tmpl},
	)
	noPage := newFake(file{path: "blob", body: "raw"})
	tests := []struct {
		name   string
		site   *fakeSite
		req    req
		status int
		flags  archive.Flags
	}{
		{"file", s, req{path: "/page.html"}, 200, tmpl},
		{"file gzip", s, req{path: "/page.html", ae: "gzip"}, 200, tmpl},
		{"file HEAD", s, req{method: "HEAD", path: "/page.html"}, 200, tmpl},
		{"not modified", s, req{path: "/page.html", inm: `"id-page.html"`}, 304, tmpl},
		{"precondition failed", s, req{path: "/page.html", im: `"other"`}, 412, tmpl},
		{"range", s, req{path: "/page.html", rg: "bytes=0-1"}, 206, tmpl},
		{"range not satisfiable", s, req{path: "/page.html", rg: "bytes=999-"}, 416, tmpl},
		{"html, not a template", s, req{path: "/plain.html"}, 200, archive.FlagHTML},
		{".html fallback", s, req{path: "/page"}, 200, tmpl},
		{"hashed name", s, req{path: "/app.3f9c1a2b.js"}, 200, archive.FlagHashedName},
		{"no flags", s, req{path: "/blob"}, 200, 0},
		{"directory index", s, req{path: "/d/"}, 200, tmpl},
		{"404.html", s, req{path: "/nope"}, 404, tmpl},
		{"404.html for a hidden path", s, req{path: "/.zeroserve/secret.html"}, 404, tmpl},
		{"bare 404", noPage, req{path: "/nope"}, 404, 0},
		{"redirect to the directory", s, req{path: "/d"}, 308, 0},
		{"bad path", s, req{path: "/../x"}, 400, 0},
		{"method not allowed", s, req{method: "POST", path: "/page.html"}, 405, 0},
		{"OPTIONS", s, req{method: "OPTIONS", path: "/page.html"}, 204, 0},
	}
	var resp Response
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New(tt.site, Config{TryHTML: true})
			// A previous response's flags must not leak into this one.
			h.Serve(req{path: "/page.html"}.view(), &resp)
			h.Serve(tt.req.view(), &resp)
			if resp.Status != tt.status || resp.Flags != tt.flags {
				t.Errorf("status %d flags %b, want %d %b", resp.Status, resp.Flags, tt.status, tt.flags)
			}
		})
	}
}
