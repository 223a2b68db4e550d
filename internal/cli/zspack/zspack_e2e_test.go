package zspack_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/internal/testutil"
	"zeroserve.dev/zeroserve/pkg/archive"
)

// zspackBin builds the real zspack binary once per test binary.
func zspackBin(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the zspack binary")
	}
	bin := filepath.Join(t.TempDir(), "zspack")
	out, err := exec.Command("go", "build", "-o", bin, "zeroserve.dev/zeroserve/cmd/zspack").CombinedOutput()
	if err != nil {
		t.Fatalf("go build zspack: %v\n%s", err, out)
	}
	return bin
}

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, bin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s: %v", bin, err)
	}
	return result{code, out.String(), errOut.String()}
}

// generatedSite copies examples/hello and adds the awkward cases: nested
// directories, unicode names, a 120-character name, an empty file, binary
// content and a large compressible file. It returns site path -> content.
func generatedSite(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	hello := filepath.Join("..", "..", "..", "examples", "hello")
	err := filepath.WalkDir(hello, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(hello, p)
		data, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	bin := make([]byte, 70000)
	for i := range bin {
		bin[i] = byte(rng.Uint32())
	}
	var big strings.Builder
	for i := range 40000 {
		fmt.Fprintf(&big, "export function f%d(x) { return x * %d + %q; }\n", i, i%97, "abc")
	}
	files["a/b/c/d/e/deep.txt"] = []byte("deep\n")
	files["ünïcödé/日本語.html"] = []byte("<p>こんにちは</p>\n")
	files["emoji/🚀 launch.txt"] = []byte("spaces and emoji\n")
	files["long/"+strings.Repeat("n", 116)+".txt"] = []byte("120-character name\n")
	files["empty.txt"] = nil
	files["data/blob.bin"] = bin
	files["js/big.js"] = []byte(big.String())
	files["js/app.3f9c1a2b.js"] = []byte("console.log(1)\n")
	mtime := time.Unix(1700000000, 0)
	for p, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(full, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	// Not site files: zeroserve's own directory in the source tree.
	os.MkdirAll(filepath.Join(dir, ".zeroserve", "cache"), 0o755)
	os.WriteFile(filepath.Join(dir, ".zeroserve", "cache", "junk"), []byte("junk"), 0o644)
	return files
}

func TestZspackEndToEnd(t *testing.T) {
	testutil.Tool(t, "tar", "Debian package tar")
	bin := zspackBin(t)
	tmp := t.TempDir()
	site := filepath.Join(tmp, "site")
	want := generatedSite(t, site)
	out := filepath.Join(tmp, "site.zs.tar")

	r := run(t, bin, "build", site, "-o", out)
	if r.code != 0 {
		t.Fatalf("zspack build: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, w := range []string{fmt.Sprintf("files     %d", len(want)), "variants", "br ", "archive", "time"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("summary lacks %q:\n%s", w, r.stdout)
		}
	}
	if lines := strings.Count(r.stdout, "\n"); lines > 24 {
		t.Errorf("summary is %d lines, more than one screen", lines)
	}

	// Deterministic: a second build (quiet) gives the same bytes.
	out2 := filepath.Join(tmp, "again.zs.tar")
	if r := run(t, bin, "build", "--quiet", site, "-o", out2); r.code != 0 || r.stdout != "" {
		t.Fatalf("zspack build --quiet: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	a, _ := os.ReadFile(out)
	b, _ := os.ReadFile(out2)
	if !bytes.Equal(a, b) {
		t.Error("two builds of the same tree differ")
	}

	// System tar lists and extracts every site file byte for byte.
	list, err := exec.Command("tar", "-tf", out).Output()
	if err != nil {
		t.Fatalf("tar -tf: %v", err)
	}
	if !strings.HasPrefix(string(list), archive.IndexName+"\n") {
		t.Errorf("tar -tf: first member is not the index:\n%.200s", list)
	}
	ext := filepath.Join(tmp, "extract")
	os.Mkdir(ext, 0o755)
	if out, err := exec.Command("tar", "-xf", out, "-C", ext).CombinedOutput(); err != nil {
		t.Fatalf("tar -xf: %v\n%s", err, out)
	}
	got := map[string][]byte{}
	filepath.WalkDir(ext, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(ext, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() || strings.HasPrefix(rel, ".zeroserve/") {
			return nil
		}
		got[rel], _ = os.ReadFile(p)
		if fi, _ := d.Info(); fi.ModTime().Unix() != 1700000000 {
			t.Errorf("%s: extracted mtime %v", rel, fi.ModTime())
		}
		return nil
	})
	for p, data := range want {
		if g, ok := got[p]; !ok || !bytes.Equal(g, data) {
			t.Errorf("%s: extracted content differs or is missing (%d vs %d bytes)", p, len(g), len(data))
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("tar -xf produced extra file %s", p)
		}
	}
	if _, err := os.Stat(filepath.Join(ext, ".zeroserve", "cache")); err == nil {
		t.Error("the source tree's .zeroserve/cache was packed")
	}

	// verify and inspect agree with the tree.
	if r := run(t, bin, "verify", out); r.code != 0 || !strings.HasPrefix(r.stdout, "ok ") {
		t.Errorf("zspack verify: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = run(t, bin, "inspect", "--json", out)
	var l struct {
		Entries []struct {
			Path     string
			Size     int64
			Variants []struct{ Encoding string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &l); err != nil || r.code != 0 {
		t.Fatalf("inspect --json: exit %d, %v", r.code, err)
	}
	if len(l.Entries) != len(want) {
		t.Errorf("inspect lists %d entries, want %d", len(l.Entries), len(want))
	}
	for _, e := range l.Entries {
		if e.Path == "js/big.js" && len(e.Variants) != 3 {
			t.Errorf("js/big.js has %d variants, want br, zstd and gzip", len(e.Variants))
		}
		if e.Path == "data/blob.bin" && len(e.Variants) != 0 {
			t.Errorf("binary file got variants")
		}
	}
	if r := run(t, bin, "inspect", out); r.code != 0 || !strings.Contains(r.stdout, "ünïcödé/日本語.html") {
		t.Errorf("inspect table: exit %d\n%s", r.code, r.stdout)
	}
}

// TestZspackVerifyRejects: the real binary exits 1 with one line naming
// the problem for corrupt, truncated and hostile archives.
func TestZspackVerifyRejects(t *testing.T) {
	bin := zspackBin(t)
	good, _, err := archive.PackBytes([]archive.File{
		{Path: "index.html", ModTime: 1700000000, Data: []byte(strings.Repeat("<p>hi</p>\n", 100))},
		{Path: "b.txt", ModTime: 1700000000, Data: []byte("bee")},
	}, nil, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := archive.OpenBytes(bytes.Clone(good))
	bee, _ := r.Lookup("b.txt")
	tests := []struct {
		name   string
		mutate func([]byte) []byte
		want   string
	}{
		{"empty", func(b []byte) []byte { return nil }, "too short"},
		{"truncated", func(b []byte) []byte { return b[:len(b)-1024] }, "archive length field"},
		{"odd length", func(b []byte) []byte { return b[:len(b)-7] }, "not a multiple"},
		{"plain tar", func(b []byte) []byte { return plainTar(t) }, "first tar header"},
		{"index flipped", func(b []byte) []byte { b[512+70] ^= 1; return b }, "checksum mismatch"},
		{"content flipped", func(b []byte) []byte { b[bee.Offset] ^= 1; return b }, "b.txt: content hash"},
		{"appended junk", func(b []byte) []byte { return append(b, make([]byte, 512)...) }, "archive length field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "x.zs.tar")
			os.WriteFile(p, tt.mutate(bytes.Clone(good)), 0o644)
			r := run(t, bin, "verify", p)
			if r.code != 1 || r.stdout != "" {
				t.Fatalf("exit %d stdout %q, want exit 1 and no output", r.code, r.stdout)
			}
			if strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "error: ") || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr %q, want one error line containing %q", r.stderr, tt.want)
			}
		})
	}
}

// plainTar is an ordinary tar made by the system tar: not an archive.
func plainTar(t *testing.T) []byte {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "f.txt"), []byte("x"), 0o644)
	out, err := exec.Command("tar", "-cf", "-", "-C", dir, "f.txt").Output()
	if err != nil {
		t.Skip("system tar:", err)
	}
	return out
}

func TestZspackBuildRefusesOutsideSymlink(t *testing.T) {
	bin := zspackBin(t)
	tmp := t.TempDir()
	site := filepath.Join(tmp, "site")
	os.MkdirAll(site, 0o755)
	os.WriteFile(filepath.Join(tmp, "secret"), []byte("s"), 0o644)
	os.Symlink("../secret", filepath.Join(site, "leak"))
	r := run(t, bin, "build", site, "-o", filepath.Join(tmp, "o.tar"))
	if r.code != 1 || !strings.Contains(r.stderr, "points outside the site directory") {
		t.Errorf("exit %d stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(tmp, "o.tar")); err == nil {
		t.Error("a failed build left an output file")
	}
}
