package static

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"zeroserve.dev/zeroserve/pkg/archive"
)

// TestRealArchive serves a site packed by pkg/archive's Writer and opened
// with its Reader.
func TestRealArchive(t *testing.T) {
	page := "<!doctype html><title>t</title>" + strings.Repeat("<p>hello, world</p>\n", 200)
	files := []archive.File{
		{Path: "index.html", ModTime: mtime, Data: []byte(page)},
		{Path: "app.3f9c1a2b.js", ModTime: mtime, Data: []byte(strings.Repeat("console.log('x');\n", 100))},
		{Path: "docs/index.html", ModTime: mtime, Data: []byte("<p>docs</p>")},
		{Path: "logo.png", ModTime: mtime, Data: []byte("\x89PNG\r\n\x1a\n....")},
		{Path: "404.html", ModTime: mtime, Data: []byte("<p>missing</p>")},
	}
	b, _, err := archive.PackBytes(files, nil, archive.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := archive.OpenBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	h := New(r, Config{})
	var resp Response

	h.Serve(req{path: "/", ae: "gzip"}.view(), &resp)
	ct, _ := field(&resp, "Content-Type")
	ce, _ := field(&resp, "Content-Encoding")
	etag, _ := field(&resp, "ETag")
	cc, _ := field(&resp, "Cache-Control")
	if resp.Status != 200 || !strings.HasPrefix(ct, "text/html") || ce != "gzip" || cc != HTMLCacheControl || etag == archive.ETagOf([]byte(page)) {
		t.Fatalf("index: %s", render(&resp))
	}
	zr, err := gzip.NewReader(bytes.NewReader(resp.Body[0]))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(zr); string(got) != page {
		t.Fatal("gzip variant does not decode to the page")
	}
	// The body is a slice of the archive mapping, not a copy.
	if !within(resp.Body[0], r.Bytes()) {
		t.Error("body is not a slice of the mapping")
	}

	h.Serve(req{path: "/index.html", ae: "gzip", inm: etag}.view(), &resp)
	if resp.Status != 304 {
		t.Errorf("variant ETag revalidation: %d", resp.Status)
	}
	h.Serve(req{path: "/app.3f9c1a2b.js", rg: "bytes=0-6"}.view(), &resp)
	if resp.Status != 206 || string(resp.Body[0]) != "console" {
		t.Errorf("range: %s", render(&resp))
	}
	h.Serve(req{path: "/app.3f9c1a2b.js"}.view(), &resp)
	if cc, _ := field(&resp, "Cache-Control"); cc != ImmutableCacheControl {
		t.Errorf("hashed name Cache-Control %q", cc)
	}
	h.Serve(req{path: "/docs"}.view(), &resp)
	if loc, _ := field(&resp, "Location"); resp.Status != 308 || loc != "/docs/" {
		t.Errorf("docs: %s", render(&resp))
	}
	h.Serve(req{path: "/.zeroserve/index"}.view(), &resp)
	if resp.Status != 404 || string(resp.Body[0]) != "<p>missing</p>" {
		t.Errorf(".zeroserve: %s", render(&resp))
	}
	h.Serve(req{path: "/logo.png"}.view(), &resp)
	if ct, _ := field(&resp, "Content-Type"); resp.Status != 200 || ct != "image/png" {
		t.Errorf("png: %s", render(&resp))
	}

	v := req{path: "/app.3f9c1a2b.js", ae: "gzip, deflate, br, zstd"}.view()
	if a := testing.AllocsPerRun(100, func() { h.Serve(v, &resp) }); a != 0 {
		t.Errorf("GET hit on a real archive: %v allocs", a)
	}
}

func within(b, m []byte) bool {
	if len(b) == 0 {
		return false
	}
	for i := range m[:len(m)-len(b)+1] {
		if &m[i] == &b[0] {
			return true
		}
	}
	return false
}
