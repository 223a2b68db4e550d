package archive

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	big20kOnce sync.Once
	big20k     []byte
)

// archive20k packs 20,000 files in nested directories: mostly small, every
// 100th a 2 KiB stylesheet that gets variants.
func archive20k(tb testing.TB) []byte {
	big20kOnce.Do(func() {
		files := make([]File, 0, 20000)
		css := strings.Repeat(".c { color: red; }\n", 110)
		for i := range 20000 {
			f := File{Path: fmt.Sprintf("d%02d/s%03d/page-%05d.html", i%50, i%997, i), ModTime: 1700000000 + int64(i), Data: fmt.Appendf(nil, "<p>page %d</p>\n", i)}
			if i%100 == 0 {
				f.Path, f.Data = fmt.Sprintf("css/%05d.css", i), []byte(css+fmt.Sprint(i))
			}
			files = append(files, f)
		}
		b, _, err := PackBytes(files, nil, Options{})
		if err != nil {
			panic(err)
		}
		big20k = b
	})
	return big20k
}

// BenchmarkOpen20k opens a 20,000-file archive from disk (mmap), looks up
// three paths and closes it. Open validates only the index; the metrics show
// the index is a small part of the file.
func BenchmarkOpen20k(b *testing.B) {
	data := archive20k(b)
	p := filepath.Join(b.TempDir(), "site.zs.tar")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		b.Fatal(err)
	}
	r, err := Open(p)
	if err != nil {
		b.Fatal(err)
	}
	ixBytes := blockSize + int64(len(r.x.entries)+len(r.x.variants)+len(r.x.strs))
	r.Close()
	b.ReportAllocs()
	for b.Loop() {
		r, err := Open(p)
		if err != nil {
			b.Fatal(err)
		}
		for _, q := range []string{"d00/s000/page-00050.html", "css/19900.css", "missing.html"} {
			r.Lookup(q)
		}
		r.Close()
	}
	b.ReportMetric(float64(len(data)), "archive-B")
	b.ReportMetric(float64(ixBytes), "index-B")
}

// BenchmarkOpenBytes20k is Open without the file system: index validation only.
func BenchmarkOpenBytes20k(b *testing.B) {
	data := archive20k(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := OpenBytes(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookup20k(b *testing.B) {
	r := mustOpen(b, archive20k(b))
	paths := []string{"d07/s407/page-00407.html", "css/00500.css", "d49/s996/page-19999.html", "nope"}
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range paths {
			r.Lookup(p)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(paths)), "ns/lookup")
}

// TestOpenDoesNotReadMembers overwrites everything between the index and
// the tar end blocks: Open still succeeds (it never reads there) and finds
// the same entries; only Verify notices.
func TestOpenDoesNotReadMembers(t *testing.T) {
	b := mustPack(t, sampleFiles(), sampleScripts())
	size, _ := indexHeader(b[:blockSize])
	start, end := align(blockSize+size), int64(len(b))-tarEndLen
	for i := start; i < end; i++ {
		b[i] = 0xAA
	}
	r := mustOpen(t, b)
	if e, ok := r.Lookup("css/site.css"); !ok || e.Size == 0 {
		t.Fatalf("Lookup after poisoning = %+v, %v", e, ok)
	}
	if err := r.Verify(); err == nil {
		t.Fatal("Verify accepted a poisoned archive")
	}
}

func TestLookup20k(t *testing.T) {
	if testing.Short() {
		t.Skip("packs 20,000 files")
	}
	r := mustOpen(t, archive20k(t))
	if r.Len() != 20000 {
		t.Fatalf("Len = %d", r.Len())
	}
	for i := 0; i < r.Len(); i += 97 {
		e := r.At(i)
		if got, ok := r.Lookup(e.Path); !ok || got != e {
			t.Fatalf("Lookup(%q) = %v", e.Path, ok)
		}
	}
	if a := testing.AllocsPerRun(100, func() { r.Lookup("css/00500.css") }); a != 0 {
		t.Errorf("Lookup allocates %v times", a)
	}
}
