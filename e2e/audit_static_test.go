package e2e

import (
	"bufio"
	"compress/gzip"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// Audit tests for issue 3's static-serving behaviours that the other e2e
// tests do not reach through the real binary: path normalisation, the
// 404.html page, OPTIONS and the directory redirect, Accept-Encoding
// negotiation over the pack-time variants with per-variant ETags,
// Cache-Control defaults, multipart ranges and date preconditions.

// auditBig is a compressible text file large enough to get every variant.
var auditBig = strings.Repeat("zeroserve serves compressible text, line after line.\n", 400)

// auditSite packs a site with a 404 page, a content-hashed script name and
// a large compressible file, and returns the archive path.
func auditSite(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"index.html":          "<!doctype html><title>audit</title>\n",
		"404.html":            "<!doctype html><title>audit missing</title>\n",
		"docs/index.html":     "<!doctype html><title>docs</title>\n",
		"plain.txt":           hello174,
		"big.txt":             auditBig,
		"app.3f2a9c1b7e.js":   "console.log('hashed');\n",
		"a b/ü.txt":           "unicode\n",
		".zeroserve-not.txt":  "a dot file that is not zeroserve's\n",
		"nested/deep/file.md": "# deep\n",
	}
	site := filepath.Join(dir, "site")
	for p, data := range files {
		full := filepath.Join(site, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "audit.zs.tar")
	if err := pack(site, out); err != nil {
		t.Fatal(err)
	}
	return out
}

// get sends one request with extra header lines on a fresh connection and
// parses the single response.
func auditGet(t *testing.T, addr, method, target string, headers ...string) (*http.Response, string) {
	t.Helper()
	req := method + " " + target + " HTTP/1.1\r\nHost: x\r\n"
	for _, h := range headers {
		req += h + "\r\n"
	}
	out := rawExchange(t, addr, req+"Connection: close\r\n\r\n")
	r := readResponses(t, bufio.NewReader(strings.NewReader(out)), method)[0]
	return r, out
}

func TestAuditStaticPaths(t *testing.T) {
	archive := auditSite(t)
	forEachTransport(t, func(t *testing.T, tr string) {
		s := startServer(t, tr, archive)
		tests := []struct {
			name, target string
			status       int
			body         string
			header       string
		}{
			{"dotdot above root", "/../plain.txt", 400, "", ""},
			{"dotdot encoded above root", "/%2e%2e/plain.txt", 400, "", ""},
			{"dotdot inside", "/docs/../plain.txt", 200, hello174, ""},
			{"encoded slash", "/docs%2Findex.html", 400, "", ""},
			{"bad escape", "/plain%zz.txt", 400, "", ""},
			{"truncated escape", "/plain.txt%4", 400, "", ""},
			{"NUL", "/plain.txt%00", 400, "", ""},
			{"invalid UTF-8", "/%ff%fe.txt", 400, "", ""},
			{"unicode name", "/a%20b/%C3%BC.txt", 200, "unicode\n", ""},
			{"empty segments", "//nested//deep/file.md", 200, "# deep\n", ""},
			{"404 page", "/nope", 404, "<!doctype html><title>audit missing</title>\n", "Content-Type: text/html; charset=utf-8"},
			{"zeroserve dir", "/.zeroserve/", 404, "<!doctype html><title>audit missing</title>\n", ""},
			{"dot file not hidden", "/.zeroserve-not.txt", 200, "a dot file that is not zeroserve's\n", ""},
			{"directory redirect", "/docs?x=1", 308, "", "Location: /docs/?x=1"},
			{"no try-html without flag", "/plain", 404, "", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r, out := auditGet(t, s.addr, "GET", tt.target)
				if r.StatusCode != tt.status {
					t.Fatalf("GET %s: status %d, want %d:\n%s", tt.target, r.StatusCode, tt.status, out)
				}
				if tt.body != "" && bodyOf(r) != tt.body {
					t.Fatalf("GET %s: body %q, want %q", tt.target, out, tt.body)
				}
				if tt.header != "" && !strings.Contains(out, tt.header+"\r\n") {
					t.Fatalf("GET %s: no %q in\n%s", tt.target, tt.header, out)
				}
			})
		}
		t.Run("options", func(t *testing.T) {
			for _, target := range []string{"*", "/plain.txt", "/missing"} {
				r, out := auditGet(t, s.addr, "OPTIONS", target)
				if r.StatusCode != 204 || r.Header.Get("Allow") != "GET, HEAD, OPTIONS" {
					t.Fatalf("OPTIONS %s:\n%s", target, out)
				}
			}
		})
		t.Run("curl", func(t *testing.T) {
			// --path-as-is: curl would otherwise squash the dot segments itself.
			out := curl(t, "--path-as-is", s.url+"/../plain.txt")
			if !strings.HasPrefix(out, "HTTP/1.1 400 ") {
				t.Fatalf("curl ..:\n%s", out)
			}
			out = curl(t, s.url+"/nope")
			if !strings.HasPrefix(out, "HTTP/1.1 404 ") || !strings.HasSuffix(out, "<title>audit missing</title>\n") {
				t.Fatalf("curl 404 page:\n%s", out)
			}
			out = curl(t, "-L", s.url+"/docs")
			if !strings.HasPrefix(out, "HTTP/1.1 308 ") || !strings.HasSuffix(out, "<title>docs</title>\n") {
				t.Fatalf("curl -L /docs:\n%s", out)
			}
		})
	})
}

// decode undoes a Content-Encoding.
func decode(t *testing.T, coding, body string) string {
	t.Helper()
	var r io.Reader
	switch coding {
	case "", "identity":
		return body
	case "gzip":
		zr, err := gzip.NewReader(strings.NewReader(body))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(strings.NewReader(body))
	case "zstd":
		zr, err := zstd.NewReader(strings.NewReader(body))
		if err != nil {
			t.Fatalf("zstd: %v", err)
		}
		defer zr.Close()
		r = zr
	default:
		t.Fatalf("unexpected Content-Encoding %q", coding)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s decode: %v", coding, err)
	}
	return string(b)
}

func TestAuditNegotiation(t *testing.T) {
	archive := auditSite(t)
	forEachTransport(t, func(t *testing.T, tr string) {
		s := startServer(t, tr, archive)
		tests := []struct {
			accept, want string
		}{
			{"", "identity"},
			{"gzip", "gzip"},
			{"br", "br"},
			{"zstd", "zstd"},
			{"gzip, deflate, br, zstd", "br"}, // ties: br > zstd > gzip
			{"gzip;q=1, br;q=0.5", "gzip"},
			{"br;q=0.2, zstd;q=0.9, gzip;q=0.5", "zstd"},
			{"br;q=0, *;q=0.1", "zstd"},
			{"*", "br"},
			{"identity;q=1, gzip;q=0.5", "identity"},
			{"gzip;q=0, br;q=0, zstd;q=0", "identity"},
			{"deflate", "identity"},
			{"GZIP", "gzip"},
		}
		etags := map[string]string{}
		for _, tt := range tests {
			t.Run(tt.accept, func(t *testing.T) {
				var hs []string
				if tt.accept != "" {
					hs = append(hs, "Accept-Encoding: "+tt.accept)
				}
				r, out := auditGet(t, s.addr, "GET", "/big.txt", hs...)
				if r.StatusCode != 200 {
					t.Fatalf("status %d:\n%.400s", r.StatusCode, out)
				}
				got := r.Header.Get("Content-Encoding")
				if got == "" {
					got = "identity"
				}
				if got != tt.want {
					t.Fatalf("Accept-Encoding %q: Content-Encoding %q, want %q", tt.accept, got, tt.want)
				}
				if v := r.Header.Get("Vary"); !strings.EqualFold(v, "Accept-Encoding") {
					t.Fatalf("Vary %q, want Accept-Encoding", v)
				}
				body := bodyOf(r)
				if r.ContentLength != int64(len(body)) {
					t.Fatalf("Content-Length %d, body %d bytes", r.ContentLength, len(body))
				}
				if got != "identity" && len(body) >= len(auditBig) {
					t.Fatalf("%s variant is %d bytes, not smaller than %d", got, len(body), len(auditBig))
				}
				if decode(t, got, body) != auditBig {
					t.Fatalf("%s variant does not decode to the file", got)
				}
				etag := r.Header.Get("ETag")
				if etag == "" {
					t.Fatal("no ETag")
				}
				if prev, ok := etags[got]; ok && prev != etag {
					t.Fatalf("%s: ETag %s, earlier %s", got, etag, prev)
				}
				etags[got] = etag
			})
		}
		// Each representation has its own ETag.
		seen := map[string]string{}
		for coding, etag := range etags {
			if other, dup := seen[etag]; dup {
				t.Fatalf("%s and %s share ETag %s", coding, other, etag)
			}
			seen[etag] = coding
		}
		if len(etags) != 4 {
			t.Fatalf("representations seen: %v", etags)
		}
		t.Run("per-variant conditional", func(t *testing.T) {
			r, out := auditGet(t, s.addr, "GET", "/big.txt", "Accept-Encoding: gzip", "If-None-Match: "+etags["gzip"])
			if r.StatusCode != 304 || r.Header.Get("ETag") != etags["gzip"] || !strings.EqualFold(r.Header.Get("Vary"), "Accept-Encoding") {
				t.Fatalf("gzip If-None-Match gzip etag:\n%s", out)
			}
			// The gzip ETag does not match the identity representation.
			r, _ = auditGet(t, s.addr, "GET", "/big.txt", "If-None-Match: "+etags["gzip"])
			if r.StatusCode != 200 || bodyOf(r) != auditBig {
				t.Fatalf("identity with the gzip ETag: %d", r.StatusCode)
			}
			// HEAD carries the variant's fields and no body.
			r, out = auditGet(t, s.addr, "HEAD", "/big.txt", "Accept-Encoding: br")
			if r.StatusCode != 200 || r.Header.Get("Content-Encoding") != "br" || r.Header.Get("ETag") != etags["br"] || strings.HasSuffix(out, "\r\n\r\n") == false {
				t.Fatalf("HEAD br:\n%s", out)
			}
		})
		t.Run("small file has no variants", func(t *testing.T) {
			r, out := auditGet(t, s.addr, "GET", "/plain.txt", "Accept-Encoding: br, gzip, zstd")
			if r.Header.Get("Content-Encoding") != "" || r.Header.Get("Vary") != "" || bodyOf(r) != hello174 {
				t.Fatalf("174-byte file:\n%s", out)
			}
		})
		t.Run("curl --compressed", func(t *testing.T) {
			out := curl(t, "--compressed", s.url+"/big.txt")
			if !strings.HasSuffix(out, "\n\n"+auditBig) || !strings.Contains(out, "Content-Encoding: ") {
				t.Fatalf("curl --compressed:\n%.600s", out)
			}
		})
	})
}

func TestAuditCacheControlAndDates(t *testing.T) {
	archive := auditSite(t)
	forEachTransport(t, func(t *testing.T, tr string) {
		s := startServer(t, tr, archive)
		for _, tt := range []struct{ path, want string }{
			{"/app.3f2a9c1b7e.js", "public, max-age=31536000, immutable"},
			{"/", "no-cache"},
			{"/docs/index.html", "no-cache"},
			{"/plain.txt", "public, max-age=3600"},
		} {
			r, out := auditGet(t, s.addr, "GET", tt.path)
			if r.StatusCode != 200 || r.Header.Get("Cache-Control") != tt.want {
				t.Fatalf("GET %s: Cache-Control %q, want %q:\n%s", tt.path, r.Header.Get("Cache-Control"), tt.want, out)
			}
		}
		if ct := curl(t, "-I", s.url+"/app.3f2a9c1b7e.js"); !strings.Contains(ct, "Content-Type: text/javascript") {
			t.Fatalf("js content type:\n%s", ct)
		}

		r, out := auditGet(t, s.addr, "GET", "/plain.txt")
		lm := r.Header.Get("Last-Modified")
		mod, err := http.ParseTime(lm)
		if err != nil {
			t.Fatalf("Last-Modified %q: %v\n%s", lm, err, out)
		}
		before := mod.Add(-time.Hour).UTC().Format(http.TimeFormat)
		after := mod.Add(time.Hour).UTC().Format(http.TimeFormat)
		for _, tt := range []struct {
			name   string
			hs     []string
			status int
		}{
			{"ims same", []string{"If-Modified-Since: " + lm}, 304},
			{"ims later", []string{"If-Modified-Since: " + after}, 304},
			{"ims earlier", []string{"If-Modified-Since: " + before}, 200},
			{"ims invalid ignored", []string{"If-Modified-Since: yesterday"}, 200},
			{"inm wins over ims", []string{"If-None-Match: \"other\"", "If-Modified-Since: " + after}, 200},
			{"ius earlier", []string{"If-Unmodified-Since: " + before}, 412},
			{"ius same", []string{"If-Unmodified-Since: " + lm}, 200},
			{"if-match star", []string{"If-Match: *"}, 200},
			{"if-match wins over ius", []string{"If-Match: " + r.Header.Get("ETag"), "If-Unmodified-Since: " + before}, 200},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r, out := auditGet(t, s.addr, "GET", "/plain.txt", tt.hs...)
				if r.StatusCode != tt.status {
					t.Fatalf("%v: status %d, want %d:\n%s", tt.hs, r.StatusCode, tt.status, out)
				}
				if tt.status == 304 && (r.Header.Get("ETag") == "" || r.Header.Get("Content-Length") != "" || bodyOf(r) != "") {
					t.Fatalf("304 fields:\n%s", out)
				}
			})
		}
		out = curl(t, "-z", before, s.url+"/plain.txt") // curl -z sends If-Modified-Since
		if !strings.HasPrefix(out, "HTTP/1.1 200 ") {
			t.Fatalf("curl -z earlier:\n%s", out)
		}
		out = curl(t, "-z", after, s.url+"/plain.txt")
		if !strings.HasPrefix(out, "HTTP/1.1 304 ") {
			t.Fatalf("curl -z later:\n%s", out)
		}
	})
}

func TestAuditMultiRange(t *testing.T) {
	archive := auditSite(t)
	forEachTransport(t, func(t *testing.T, tr string) {
		s := startServer(t, tr, archive)
		check := func(t *testing.T, r *http.Response, out string) {
			t.Helper()
			if r.StatusCode != 206 {
				t.Fatalf("status %d:\n%s", r.StatusCode, out)
			}
			mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || mt != "multipart/byteranges" || params["boundary"] == "" {
				t.Fatalf("Content-Type %q: %v", r.Header.Get("Content-Type"), err)
			}
			body := bodyOf(r)
			if r.ContentLength != int64(len(body)) {
				t.Fatalf("Content-Length %d, body %d bytes", r.ContentLength, len(body))
			}
			mr := multipart.NewReader(strings.NewReader(body), params["boundary"])
			want := []struct{ cr, data string }{
				{"bytes 0-4/174", "hello"},
				{"bytes 6-10/174", "world"},
				{"bytes 168-173/174", "123456"},
			}
			for i, w := range want {
				p, err := mr.NextPart()
				if err != nil {
					t.Fatalf("part %d: %v\n%s", i, err, body)
				}
				data, _ := io.ReadAll(p)
				if p.Header.Get("Content-Range") != w.cr || string(data) != w.data || p.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
					t.Fatalf("part %d: %v %q, want %s %q", i, p.Header, data, w.cr, w.data)
				}
			}
			if _, err := mr.NextPart(); err != io.EOF {
				t.Fatalf("after 3 parts: %v", err)
			}
		}
		r, out := auditGet(t, s.addr, "GET", "/plain.txt", "Range: bytes=0-4,6-10,-6")
		check(t, r, out)
		etag := r.Header.Get("ETag")
		if etag == "" {
			head, _ := auditGet(t, s.addr, "HEAD", "/plain.txt")
			etag = head.Header.Get("ETag")
		}
		r, out = auditGet(t, s.addr, "GET", "/plain.txt", "Range: bytes=0-4,6-10,-6", "If-Range: "+etag)
		check(t, r, out)
		r, out = auditGet(t, s.addr, "GET", "/plain.txt", "Range: bytes=0-4", "If-Range: "+etag)
		if r.StatusCode != 206 || bodyOf(r) != "hello" || r.Header.Get("Content-Range") != "bytes 0-4/174" {
			t.Fatalf("If-Range match:\n%s", out)
		}
		r, out = auditGet(t, s.addr, "GET", "/plain.txt", "Range: bytes=500-600,700-")
		if r.StatusCode != 416 || r.Header.Get("Content-Range") != "bytes */174" {
			t.Fatalf("unsatisfiable multi-range:\n%s", out)
		}
		// curl through its own multi-range syntax.
		cmdOut := curl(t, "-r", "0-4,6-10,168-", s.url+"/plain.txt")
		if !strings.HasPrefix(cmdOut, "HTTP/1.1 206 ") || !strings.Contains(cmdOut, "Content-Type: multipart/byteranges; boundary=") ||
			!strings.Contains(cmdOut, "Content-Range: bytes 6-10/174\n\nworld\n") {
			t.Fatalf("curl -r:\n%s", cmdOut)
		}
	})
}
