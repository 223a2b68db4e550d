package server

import (
	"io"
	"strconv"
	"strings"
	"testing"

	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/server/script"
)

// templatePage is a compressible template: packed with variants, so that
// static serving would pick a compressed one unless told not to.
var templatePage = "<!doctype html><p>hello <zs-meta>who</zs-meta></p>\n" + strings.Repeat("<p>filler</p>\n", 40)

var templateFiles = []archive.File{
	{Path: "page.html", ModTime: 1700000000, Data: []byte(templatePage)},
	{Path: "t/index.html", ModTime: 1700000000, Data: []byte(templatePage)},
	{Path: "fallback.html", ModTime: 1700000000, Data: []byte(templatePage)},
	{Path: "404.html", ModTime: 1700000000, Data: []byte(templatePage)},
	{Path: "plain.html", ModTime: 1700000000, Data: []byte(strings.Repeat("<p>plain</p>\n", 40))},
}

// newTemplateHarness is newScriptHarness with variants packed and the
// .html fallback on.
func newTemplateHarness(t testing.TB) *scriptHarness {
	t.Helper()
	h := newScriptHarness(t, script.Config{}, scriptFiles)
	b, _, err := archive.PackBytes(templateFiles, []archive.Script{scriptObject(t, "10-test")}, archive.Options{MinCompressSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := archive.OpenBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := r.Lookup("page.html"); e.Flags&archive.FlagTemplate == 0 || e.NVariants == 0 {
		t.Fatalf("page.html packed as %+v, want a template with variants", e)
	}
	set, err := script.Load(r, script.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h.opts.site.tryHTML = true
	g := newGeneration(3, "test", newSite(r, h.opts.site), nil)
	g.setScripts(set, 1, false)
	h.cur.Store(g)
	return h
}

// TestTemplateFromStaticResolution: whichever entry static serving
// resolves (file, index, .html fallback, 404.html) decides whether the
// response is a template; a template is served whole, identity and
// unconditional, with its body even for HEAD, and substituted; other files
// keep static serving's negotiation and conditionals.
func TestTemplateFromStaticResolution(t *testing.T) {
	h := newTemplateHarness(t)
	body := strings.Replace(templatePage, "<zs-meta>who</zs-meta>", "&lt;world&gt;", 1)
	length := "Content-Length: " + strconv.Itoa(len(body)) + "\r\n"
	const ae = "Accept-Encoding: gzip, br, zstd\r\n"
	tests := []struct {
		name    string
		in      string
		want    []string // substrings, in order
		notWant []string
	}{
		{"file, compressed variants offered", "GET /page.html HTTP/1.1\r\nHost: x\r\n" + ae + "\r\n",
			[]string{"200 OK", length, body}, []string{"Content-Encoding", "ETag", "Last-Modified", "zs-meta"}},
		{"If-None-Match is not a 304", "GET /page.html HTTP/1.1\r\nHost: x\r\nIf-None-Match: *\r\n" + ae + "\r\n",
			[]string{"200 OK", length, body}, []string{"304", "Content-Encoding"}},
		{"If-Match is not a 412", "GET /page.html HTTP/1.1\r\nHost: x\r\nIf-Match: \"other\"\r\n\r\n",
			[]string{"200 OK", length, body}, []string{"412"}},
		{"Range is ignored", "GET /page.html HTTP/1.1\r\nHost: x\r\nRange: bytes=0-3\r\n\r\n",
			[]string{"200 OK", length, body}, []string{"206", "Content-Range", "Accept-Ranges"}},
		{"unsatisfiable Range is ignored", "GET /page.html HTTP/1.1\r\nHost: x\r\nRange: bytes=99999-\r\n\r\n",
			[]string{"200 OK", length, body}, []string{"416"}},
		{"HEAD has the substituted length", "HEAD /page.html HTTP/1.1\r\nHost: x\r\n" + ae + "\r\n",
			[]string{"200 OK", length}, []string{"hello", "Content-Encoding"}},
		{"directory index", "GET /t/ HTTP/1.1\r\nHost: x\r\n" + ae + "\r\n",
			[]string{"200 OK", length, body}, []string{"Content-Encoding"}},
		{".html fallback", "GET /fallback HTTP/1.1\r\nHost: x\r\n" + ae + "\r\n",
			[]string{"200 OK", length, body}, []string{"Content-Encoding"}},
		{"404.html", "GET /missing HTTP/1.1\r\nHost: x\r\n" + ae + "\r\n",
			[]string{"404 Not Found", length, body}, []string{"Content-Encoding"}},
		{"404.html for a hidden path", "GET /.zeroserve/x HTTP/1.1\r\nHost: x\r\n" + ae + "\r\n",
			[]string{"404 Not Found", length, body}, []string{"Content-Encoding"}},
		{"directory redirect is not a template", "GET /t HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"308 Permanent Redirect", "Location: /t/\r\n"}, []string{"hello"}},
		{"not a template: negotiated", "GET /plain.html HTTP/1.1\r\nHost: x\r\n" + ae + "\r\n",
			[]string{"200 OK", "Content-Encoding: ", "ETag: ", "x-chain: 10\r\n"}, nil},
		{"not a template: 304", "GET /plain.html HTTP/1.1\r\nHost: x\r\nIf-None-Match: *\r\n\r\n",
			[]string{"304 Not Modified", "x-chain: 10\r\n"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := h.conn()
			defer c.Close(nil)
			c.Recv([]byte(tt.in))
			finish(t, c, h.waker)
			out := flush(c, 0)
			checkInOrder(t, out, tt.want, tt.notWant)
		})
	}
}

// TestTemplateNoAlloc: a template request that static serving answers
// twice (negotiated and conditional first, then whole) allocates nothing
// once warm.
func TestTemplateNoAlloc(t *testing.T) {
	h := newTemplateHarness(t)
	h.opts.access = NewAccessLog(io.Discard, LogText, 1<<16)
	defer h.opts.access.Close()
	c := h.conn()
	for _, tc := range []struct{ name, in string }{
		{"template, plain GET", "GET /page.html HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"template, served again", "GET /page.html HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip, br\r\nIf-None-Match: *\r\n\r\n"},
		{"404 template HEAD", "HEAD /missing HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n"},
		{"not a template", "GET /plain.html HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n"},
	} {
		if n := requestAllocs(t, c, []byte(tc.in)); n != 0 {
			t.Errorf("%s: %v allocations per request", tc.name, n)
		}
	}
}
