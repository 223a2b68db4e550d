package archive

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sampleFiles is a small site exercising every feature: variants, PAX
// names, an empty file, binary content, templates and hashed names.
func sampleFiles() []File {
	css := strings.Repeat("body { margin: 0; padding: 0; color: #333; }\n", 40)
	return []File{
		{Path: "index.html", ModTime: 1700000000, Data: []byte("<!doctype html><title>hi</title><zs-meta>title</zs-meta>" + strings.Repeat("<p>hello</p>\n", 50))},
		{Path: "css/site.css", ModTime: 1700000001, Data: []byte(css)},
		{Path: "js/app.3f9c1a2b.js", ModTime: 1700000002, Data: []byte(strings.Repeat("console.log('x');\n", 30))},
		{Path: "empty.txt", ModTime: 1700000003, Data: nil},
		{Path: "img/logo.png", ModTime: 1700000004, Data: []byte{0x89, 'P', 'N', 'G', 0, 1, 2, 3, 255}},
		{Path: "ünïcödé/файл.txt", ModTime: 1700000005, Data: []byte("unicode name\n")},
		{Path: strings.Repeat("d", 60) + "/" + strings.Repeat("n", 60) + ".txt", ModTime: 1700000006, Data: []byte("long name\n")},
		{Path: "small.js", ModTime: 1700000007, Data: []byte("x=1")},
	}
}

func sampleScripts() []Script {
	return []Script{{Name: "10-auth", Object: []byte("\x7fELF fake object")}, {Name: "20-rewrite", Object: []byte("\x7fELF")}}
}

func mustPack(t testing.TB, files []File, scripts []Script) []byte {
	t.Helper()
	b, _, err := PackBytes(files, scripts, Options{})
	if err != nil {
		t.Fatalf("PackBytes: %v", err)
	}
	return b
}

func mustOpen(t testing.TB, b []byte) *Reader {
	t.Helper()
	r, err := OpenBytes(b)
	if err != nil {
		t.Fatalf("OpenBytes: %v", err)
	}
	return r
}

func TestRoundTrip(t *testing.T) {
	files, scripts := sampleFiles(), sampleScripts()
	b := mustPack(t, files, scripts)
	r := mustOpen(t, b)
	if r.Len() != len(files) {
		t.Fatalf("Len = %d, want %d", r.Len(), len(files))
	}
	for i := 1; i < r.Len(); i++ {
		if r.At(i-1).Path >= r.At(i).Path {
			t.Errorf("At not in path order: %q then %q", r.At(i-1).Path, r.At(i).Path)
		}
	}
	for _, f := range files {
		e, ok := r.Lookup(f.Path)
		if !ok {
			t.Errorf("Lookup(%q) missing", f.Path)
			continue
		}
		if !bytes.Equal(r.Content(e), f.Data) || e.Size != int64(len(f.Data)) {
			t.Errorf("%s: content differs", f.Path)
		}
		if e.ModTime != f.ModTime || e.ETag != ETagOf(f.Data) || e.ContentType != ContentType(f.Path) {
			t.Errorf("%s: entry %+v", f.Path, e)
		}
		if e2, ok := r.Lookup("/" + f.Path); !ok || e2 != e {
			t.Errorf("Lookup(/%s) = %v, %v", f.Path, e2, ok)
		}
	}
	if _, ok := r.Lookup("nope.html"); ok {
		t.Error("Lookup(nope.html) found something")
	}
	if _, ok := r.Lookup(IndexName); ok {
		t.Error("the index is visible as a site file")
	}
	got := r.Scripts()
	if len(got) != 2 || got[0].Name != "10-auth" || !bytes.Equal(got[1].Object, scripts[1].Object) {
		t.Errorf("Scripts = %+v", got)
	}
	if err := r.Verify(); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestVariantsAndFlags(t *testing.T) {
	r := mustOpen(t, mustPack(t, sampleFiles(), nil))
	tests := []struct {
		path      string
		variants  []Encoding
		flags     Flags
		wantCType string
	}{
		{"index.html", []Encoding{Brotli, Zstd, Gzip}, FlagHTML | FlagTemplate, "text/html; charset=utf-8"},
		{"css/site.css", []Encoding{Brotli, Zstd, Gzip}, 0, "text/css; charset=utf-8"},
		{"js/app.3f9c1a2b.js", []Encoding{Brotli, Zstd, Gzip}, FlagHashedName, "text/javascript; charset=utf-8"},
		{"small.js", nil, 0, "text/javascript; charset=utf-8"},
		{"img/logo.png", nil, 0, "image/png"},
		{"empty.txt", nil, 0, "text/plain; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			e, ok := r.Lookup(tt.path)
			if !ok {
				t.Fatal("missing")
			}
			if e.Flags != tt.flags || e.ContentType != tt.wantCType {
				t.Errorf("flags %b type %q, want %b %q", e.Flags, e.ContentType, tt.flags, tt.wantCType)
			}
			if int(e.NVariants) != len(tt.variants) {
				t.Fatalf("NVariants = %d, want %d", e.NVariants, len(tt.variants))
			}
			seen := map[string]bool{e.ETag: true}
			for i, enc := range tt.variants {
				v := e.Variants[i]
				if v.Encoding != enc || v.Size*10 > e.Size*9 || seen[v.ETag] {
					t.Errorf("variant %d = %+v (entry size %d)", i, v, e.Size)
				}
				seen[v.ETag] = true
				plain, err := decode(enc, r.VariantContent(v), e.Size)
				if err != nil || !bytes.Equal(plain, r.Content(e)) {
					t.Errorf("variant %v does not decode to the content: %v", enc, err)
				}
				if got, ok := e.Variant(enc); !ok || got != v {
					t.Errorf("Entry.Variant(%v) = %+v, %v", enc, got, ok)
				}
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	files := sampleFiles()
	a := mustPack(t, files, sampleScripts())
	rev := make([]File, len(files))
	for i, f := range files {
		rev[len(files)-1-i] = f
	}
	for _, workers := range []int{1, 3, -1} {
		b, _, err := PackBytes(rev, []Script{sampleScripts()[1], sampleScripts()[0]}, Options{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("workers=%d, reversed input: output differs", workers)
		}
	}
}

// TestReaderRepack: parse, serialise, compare: packing what a Reader reads
// reproduces the archive byte for byte.
func TestReaderRepack(t *testing.T) {
	a := mustPack(t, sampleFiles(), sampleScripts())
	r := mustOpen(t, a)
	var files []File
	for i := range r.Len() {
		e := r.At(i)
		files = append(files, File{Path: e.Path, ModTime: e.ModTime, Data: r.Content(e)})
	}
	b := mustPack(t, files, r.Scripts())
	if len(a) != len(b) || !bytes.Equal(a, b) {
		t.Errorf("repacked archive differs: %d vs %d bytes", len(a), len(b))
	}
}

// TestTarCompatible: archive/tar reads every site file back, plus the
// .zeroserve members.
func TestTarCompatible(t *testing.T) {
	files := sampleFiles()
	tr := tar.NewReader(bytes.NewReader(mustPack(t, files, sampleScripts())))
	got := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Mode != 0o644 || h.Uid != 0 || h.Gid != 0 || h.Uname != "" {
			t.Errorf("%s: metadata not normalised: %+v", h.Name, h)
		}
		got[h.Name], _ = io.ReadAll(tr)
	}
	for _, f := range files {
		if !bytes.Equal(got[f.Path], f.Data) {
			t.Errorf("tar member %q differs or missing", f.Path)
		}
	}
	for _, name := range []string{IndexName, ScriptDir + "10-auth.o", VariantDir + "css/site.css.br", VariantDir + "css/site.css.zst", VariantDir + "css/site.css.gz"} {
		if _, ok := got[name]; !ok {
			t.Errorf("tar member %q missing", name)
		}
	}
}

func TestEveryStrictPrefixRejected(t *testing.T) {
	b := mustPack(t, sampleFiles(), sampleScripts())
	for n := range len(b) {
		if r, err := OpenBytes(b[:n]); err == nil {
			r.Close()
			t.Fatalf("OpenBytes accepted a %d-byte prefix of a %d-byte archive", n, len(b))
		} else if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("prefix %d: error %v does not wrap ErrCorrupt", n, err)
		}
	}
}

func TestLookupAllocs(t *testing.T) {
	r := mustOpen(t, mustPack(t, sampleFiles(), nil))
	paths := []string{"index.html", "css/site.css", "/js/app.3f9c1a2b.js", "missing", "ünïcödé/файл.txt"}
	allocs := testing.AllocsPerRun(100, func() {
		for _, p := range paths {
			e, _ := r.Lookup(p)
			_ = r.Content(e)
		}
		_ = r.At(0)
	})
	if allocs != 0 {
		t.Errorf("Lookup/At/Content allocate %v times per run, want 0", allocs)
	}
}

func TestOpenFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "site.zs.tar")
	if err := os.WriteFile(p, mustPack(t, sampleFiles(), nil), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	e, ok := r.Lookup("css/site.css")
	if !ok || !strings.HasPrefix(string(r.Content(e)), "body {") {
		t.Errorf("Lookup via Open: %v %q", ok, r.Content(e))
	}
	if err := r.Verify(); err != nil {
		t.Error(err)
	}
	if err := r.Close(); err != nil {
		t.Error(err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) = %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, make([]byte, 4096), 0o644)
	if _, err := Open(bad); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Open(zeros) = %v", err)
	}
}

func TestWriterRejects(t *testing.T) {
	tests := []struct {
		name    string
		files   []File
		scripts []Script
		want    string
	}{
		{"dotdot", []File{{Path: "a/../b"}}, nil, "'..'"},
		{"leading slash", []File{{Path: "/a"}}, nil, "empty segment"},
		{"reserved", []File{{Path: ".zeroserve/x"}}, nil, "reserved"},
		{"duplicate", []File{{Path: "a"}, {Path: "a"}}, nil, "duplicate"},
		{"bad script", nil, []Script{{Name: "../x"}}, "script name"},
		{"control", []File{{Path: "a\nb"}}, nil, "control"},
		{"file and directory", []File{{Path: "a"}, {Path: "a.txt"}, {Path: "a/b/c"}}, nil, `"a/b/c": "a" is a file`},
		{"deep file and directory", []File{{Path: "x/y"}, {Path: "x/y/z"}}, nil, `"x/y/z": "x/y" is a file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := PackBytes(tt.files, tt.scripts, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want containing %q", err, tt.want)
			}
		})
	}
}

func TestStats(t *testing.T) {
	_, st, err := PackBytes(sampleFiles(), sampleScripts(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 8 || st.Scripts != 2 || st.Variants != 9 || st.ByEncoding[Brotli].Count != 3 || st.ByEncoding[Brotli].Saved <= 0 {
		t.Errorf("stats = %+v", st)
	}
	var progress []int
	_, _, err = PackBytes(sampleFiles(), nil, Options{Progress: func(done, total int) { progress = append(progress, done*100+total) }})
	if err != nil || len(progress) != 8 || progress[7] != 808 {
		t.Errorf("progress calls = %v, %v", progress, err)
	}
	_ = fmt.Sprint()
}

// Mtimes are clamped to what a plain ustar header holds (0 to 2^33-1): the
// index header, which carries the newest mtime, must not need PAX.
func TestModTimeClamped(t *testing.T) {
	for _, mt := range []int64{-5, 0, 1<<33 - 1, 1 << 33, 1 << 35, 1<<63 - 1} {
		b, _, err := PackBytes([]File{{Path: "a.txt", ModTime: mt, Data: []byte("hi")}}, nil, Options{})
		if err != nil {
			t.Fatalf("mtime %d: %v", mt, err)
		}
		r, err := OpenBytes(b)
		if err != nil {
			t.Fatalf("mtime %d: %v", mt, err)
		}
		if err := r.Verify(); err != nil {
			t.Fatalf("mtime %d: %v", mt, err)
		}
		if want := min(max(mt, 0), 1<<33-1); r.At(0).ModTime != want || r.ModTime() != want {
			t.Errorf("mtime %d stored as %d (archive %d), want %d", mt, r.At(0).ModTime, r.ModTime(), want)
		}
	}
}
