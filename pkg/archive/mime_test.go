package archive

import "testing"

func TestContentType(t *testing.T) {
	tests := []struct{ name, want string }{
		{"a.html", "text/html; charset=utf-8"},
		{"a.HTM", "text/html; charset=utf-8"},
		{"a.css", "text/css; charset=utf-8"},
		{"a.js", "text/javascript; charset=utf-8"},
		{"a.mjs", "text/javascript; charset=utf-8"},
		{"a.json", "application/json; charset=utf-8"},
		{"a.svg", "image/svg+xml; charset=utf-8"},
		{"a.wasm", "application/wasm"},
		{"a.webp", "image/webp"},
		{"a.avif", "image/avif"},
		{"a.png", "image/png"},
		{"a.jpg", "image/jpeg"},
		{"a.gif", "image/gif"},
		{"favicon.ico", "image/x-icon"},
		{"a.woff", "font/woff"},
		{"a.woff2", "font/woff2"},
		{"a.ttf", "font/ttf"},
		{"a.otf", "font/otf"},
		{"a.txt", "text/plain; charset=utf-8"},
		{"a.xml", "application/xml; charset=utf-8"},
		{"a.pdf", "application/pdf"},
		{"a.mp4", "video/mp4"},
		{"a.webm", "video/webm"},
		{"a.mp3", "audio/mpeg"},
		{"a.ogg", "audio/ogg"},
		{"a.wav", "audio/wav"},
		{"a.zip", "application/zip"},
		{"a.gz", "application/gzip"},
		{"app.js.map", "application/json; charset=utf-8"},
		{"a.md", "text/markdown; charset=utf-8"},
		{"a.csv", "text/csv; charset=utf-8"},
		{"a.ics", "text/calendar; charset=utf-8"},
		{"site.webmanifest", "application/manifest+json; charset=utf-8"},
		{"Makefile", DefaultContentType},
		{"dir.d/file", DefaultContentType},
		{"a.unknownext", DefaultContentType},
	}
	for _, tt := range tests {
		if got := ContentType(tt.name); got != tt.want {
			t.Errorf("ContentType(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCompressible(t *testing.T) {
	tests := []struct {
		ctype string
		want  bool
	}{
		{"text/html; charset=utf-8", true},
		{"text/javascript; charset=utf-8", true},
		{"application/json; charset=utf-8", true},
		{"application/manifest+json; charset=utf-8", true},
		{"image/svg+xml; charset=utf-8", true},
		{"application/wasm", true},
		{"font/ttf", true},
		{"font/woff2", false},
		{"image/png", false},
		{"video/mp4", false},
		{"application/zip", false},
		{DefaultContentType, false},
	}
	for _, tt := range tests {
		if got := Compressible(tt.ctype); got != tt.want {
			t.Errorf("Compressible(%q) = %v, want %v", tt.ctype, got, tt.want)
		}
	}
}

func TestHashedName(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"app.3f9c1a2b.js", true},
		{"js/main.3F9C1A2B.css", true},
		{"main.Xk3ld8r2.chunk.js", true},
		{"chunk.12345678.js", true},
		{"app.3f9c1a2.js", false},         // 7 characters
		{"jquery.validate.min.js", false}, // letters only
		{"3f9c1a2b3f9c1a2b.js", false},    // first segment
		{"app.js.3f9c1a2b", false},        // last segment is the extension
		{"app-3f9c1a2b.js", false},        // not between dots
		{"3f9c1a2b.x/app.js", false},      // directory, not the file name
		{"a.deadbeef.js", true},
	}
	for _, tt := range tests {
		if got := HashedName(tt.path); got != tt.want {
			t.Errorf("HashedName(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestFlagsFor(t *testing.T) {
	tests := []struct {
		path, data string
		want       Flags
	}{
		{"a.html", "<p>x</p>", FlagHTML},
		{"a.html", "<zs-meta>k</zs-meta>", FlagHTML | FlagTemplate},
		{"feed.xml", "<zs-meta>k</zs-meta>", FlagTemplate},
		{"i.svg", "<zs-meta>k</zs-meta>", FlagTemplate},
		{"a.txt", "<zs-meta>k</zs-meta>", 0},
		{"app.0123abcd.js", "x", FlagHashedName},
	}
	for _, tt := range tests {
		if got := FlagsFor(tt.path, ContentType(tt.path), []byte(tt.data)); got != tt.want {
			t.Errorf("FlagsFor(%q) = %b, want %b", tt.path, got, tt.want)
		}
	}
}
