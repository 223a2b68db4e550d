package dev

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"zeroserve.dev/zeroserve/internal/cli/zspack/build"
	"zeroserve.dev/zeroserve/pkg/archive"
)

// fakeCompiler "compiles" a script into its source bytes, and fails on a
// source containing BROKEN, the way clang reports a syntax error.
type fakeCompiler struct{ calls int }

func (fc *fakeCompiler) Compile(_ context.Context, _ string, src []build.ScriptSource) ([]archive.Script, error) {
	fc.calls++
	out := make([]archive.Script, len(src))
	for i, s := range src {
		data, err := os.ReadFile(s.Path)
		if err != nil {
			return nil, err
		}
		if bytes.Contains(data, []byte("BROKEN")) {
			return nil, errors.New(s.Path + ":1:1: error: expected ';' in " + string(data))
		}
		out[i] = archive.Script{Name: s.Name, Object: data}
	}
	return out, nil
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// served opens an outcome's archive and returns a file's content, or
// "<missing>".
func served(t *testing.T, o Outcome, path string) string {
	t.Helper()
	r, err := archive.OpenBytes(o.Archive)
	if err != nil {
		t.Fatalf("open built archive: %v", err)
	}
	e, ok := r.Lookup(path)
	if !ok {
		return "<missing>"
	}
	return string(r.Content(e))
}

func TestBuilderLifecycle(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"index.html":                  "<!doctype html><link rel=stylesheet href=/style.css><p>one</p></body>",
		"style.css":                   "p { color: red }",
		".zeroserve/scripts/10-a.c":   "int a;",
		".zeroserve/scripts/common.h": "#define X 1",
	})
	fc := &fakeCompiler{}
	b := &Builder{Dir: dir, Scripts: fc, Live: true}
	ctx := context.Background()

	type step struct {
		name      string
		edit      map[string]string
		remove    string
		wantBuild uint64
		wantErr   string // substring of the error
		unchanged bool
		styles    bool
		changed   []string
		wantIndex string // substring of the served index.html
	}
	steps := []step{
		{name: "first", wantBuild: 1, wantIndex: `<p>one</p><script src="/.zeroserve/dev/client.js" data-zeroserve-build="1" defer></script></body>`},
		{name: "nothing changed", unchanged: true, wantBuild: 1},
		{name: "css only", edit: map[string]string{"style.css": "p { color: blue }"}, wantBuild: 2, styles: true,
			changed: []string{"style.css"}, wantIndex: `data-zeroserve-build="2"`},
		{name: "html", edit: map[string]string{"index.html": "<p>two</p>"}, wantBuild: 3,
			changed: []string{"index.html"}, wantIndex: `<p>two</p><script`},
		{name: "header only", edit: map[string]string{".zeroserve/scripts/common.h": "#define X 2"}, wantBuild: 4,
			changed: []string{".zeroserve/scripts/common.h"}},
		{name: "broken script", edit: map[string]string{".zeroserve/scripts/10-a.c": "int a BROKEN"}, wantErr: "expected ';'", wantBuild: 4,
			changed: []string{".zeroserve/scripts/10-a.c"}},
		{name: "still broken, retried", wantErr: "expected ';'", wantBuild: 4},
		{name: "fixed", edit: map[string]string{".zeroserve/scripts/10-a.c": "int a;"}, wantBuild: 5,
			changed: []string{".zeroserve/scripts/10-a.c"}},
		{name: "new file in new dir", edit: map[string]string{"docs/a.html": "<p>a</p>"}, wantBuild: 6,
			changed: []string{"docs/a.html"}},
		{name: "removed", remove: "docs/a.html", wantBuild: 7, changed: []string{"docs/a.html"}},
	}
	for _, s := range steps {
		writeFiles(t, dir, s.edit)
		if s.remove != "" {
			os.Remove(filepath.Join(dir, s.remove))
		}
		o := b.Build(ctx)
		if (o.Err != nil) != (s.wantErr != "") || o.Err != nil && !strings.Contains(o.Err.Error(), s.wantErr) {
			t.Fatalf("%s: err = %v, want %q", s.name, o.Err, s.wantErr)
		}
		if o.Unchanged() != s.unchanged || o.Build != s.wantBuild || o.StylesOnly != s.styles {
			t.Fatalf("%s: unchanged %v build %d styles %v; want %v %d %v", s.name, o.Unchanged(), o.Build, o.StylesOnly, s.unchanged, s.wantBuild, s.styles)
		}
		if s.changed != nil && !slices.Equal(o.Changes.All(), s.changed) {
			t.Errorf("%s: changes %v, want %v", s.name, o.Changes.All(), s.changed)
		}
		if s.unchanged || s.wantErr != "" {
			// The running generation stays: nothing new to serve.
			if o.Archive != nil {
				t.Errorf("%s: an archive (%d bytes) for a build that is not new", s.name, len(o.Archive))
			}
			continue
		}
		if idx := served(t, o, "index.html"); !strings.Contains(idx, s.wantIndex) {
			t.Errorf("%s: index.html %q lacks %q", s.name, idx, s.wantIndex)
		}
		if got := served(t, o, strings.TrimPrefix(ClientPath, "/")); got != "<missing>" {
			t.Errorf("%s: the archive holds the client; the hub serves it", s.name)
		}
		r, _ := archive.OpenBytes(o.Archive)
		if got := len(r.Scripts()); got != 1 {
			t.Errorf("%s: %d scripts in the archive, want 1", s.name, got)
		}
	}
	if fc.calls != 9 {
		t.Errorf("compiler called %d times, want 9 (every attempt but the unchanged one)", fc.calls)
	}
}

func TestBuilderFirstBuildFails(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"index.html":                "<p>x</p>",
		".zeroserve/scripts/10-a.c": "BROKEN <&>",
	})
	b := &Builder{Dir: dir, Scripts: &fakeCompiler{}, Live: true}
	o := b.Build(context.Background())
	if o.Err == nil || o.Archive == nil || o.Build != 0 {
		t.Fatalf("Build = err %v, archive %d bytes, build %d; want an error page archive of build 0", o.Err, len(o.Archive), o.Build)
	}
	for _, p := range []string{"index.html", "404.html"} {
		page := served(t, o, p)
		for _, want := range []string{"Build failed", "BROKEN &lt;&amp;&gt;", `data-zeroserve-build="0"`} {
			if !strings.Contains(page, want) {
				t.Errorf("error page %s %q lacks %q", p, page, want)
			}
		}
	}
}

func TestBuilderNoReload(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"index.html": "<p>x</p></body>", "a.c.txt": "y"})
	b := &Builder{Dir: dir, Live: false}
	o := b.Build(context.Background())
	if o.Err != nil {
		t.Fatal(o.Err)
	}
	if page := served(t, o, "index.html"); page != "<p>x</p></body>" {
		t.Errorf("index.html = %q, want it untouched with live reload off", page)
	}
	// A failure after a good build keeps the generation.
	writeFiles(t, dir, map[string]string{".zeroserve/scripts/x.c": "int x;"})
	o = b.Build(context.Background())
	if !errors.Is(o.Err, build.ErrNoCompiler) || o.Archive != nil {
		t.Errorf("Build = err %v, archive %d bytes; want ErrNoCompiler and no archive", o.Err, len(o.Archive))
	}
}

// A scripts directory that is a symlink inside the site (build accepts it)
// is an input like any other: editing a script through it rebuilds.
func TestBuilderSymlinkedScripts(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"index.html":     "<p>one</p>",
		"src/10-a.c":     "int a;",
		".zeroserve/x.t": "",
	})
	if err := os.Symlink("../src", filepath.Join(dir, ".zeroserve", "scripts")); err != nil {
		t.Skip("symlink:", err)
	}
	fc := &fakeCompiler{}
	b := &Builder{Dir: dir, Scripts: fc}
	ctx := context.Background()
	if o := b.Build(ctx); o.Err != nil || o.Scripts != 1 {
		t.Fatalf("first build: %v, %d scripts", o.Err, o.Scripts)
	}
	writeFiles(t, dir, map[string]string{"src/10-a.c": "int a; BROKEN"})
	o := b.Build(ctx)
	if o.Err == nil || !strings.Contains(o.Err.Error(), "BROKEN") {
		t.Fatalf("edited script: err = %v, changes %+v, want the compile error", o.Err, o.Changes)
	}
	if !slices.Contains(o.Changes.Modified, ".zeroserve/scripts/10-a.c") {
		t.Errorf("changes = %+v, want .zeroserve/scripts/10-a.c modified", o.Changes)
	}
}

// A build whose swap fails (the server rejects its scripts) is no good
// build: the next attempt with the same inputs is tried again, not skipped
// as unchanged, and build numbers count only builds that were served.
func TestBuilderSwapFails(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"index.html": "<p>one</p>", "style.css": "p{}"})
	var swapped []uint64
	reject := errors.New("load script 10-a: bad object")
	fail := false
	b := &Builder{Dir: dir, Scripts: &fakeCompiler{}, Live: true}
	b.Swap = func(data []byte) error {
		if fail {
			return reject
		}
		r, err := archive.OpenBytes(data)
		if err != nil {
			return err
		}
		defer r.Close()
		e, _ := r.Lookup("index.html")
		var n uint64
		page := string(r.Content(e))
		if i := strings.Index(page, `data-zeroserve-build="`); i >= 0 {
			fmt.Sscanf(page[i+len(`data-zeroserve-build="`):], "%d", &n)
		}
		swapped = append(swapped, n)
		return nil
	}
	ctx := context.Background()
	type step struct {
		name      string
		edit      map[string]string
		fail      bool
		wantErr   bool
		wantBuild uint64
		styles    bool
	}
	steps := []step{
		{name: "first", wantBuild: 1},
		{name: "swap rejected", edit: map[string]string{".zeroserve/scripts/10-a.c": "int a;"}, fail: true, wantErr: true, wantBuild: 1},
		{name: "same inputs, retried", fail: true, wantErr: true, wantBuild: 1},
		{name: "same inputs, accepted", wantBuild: 2},
		{name: "unchanged", wantBuild: 2},
		{name: "css after a rejected swap", edit: map[string]string{"style.css": "p{color:red}"}, fail: true, wantErr: true, wantBuild: 2},
		// The page never got the rejected build: styles alone are judged
		// against build 2, the last one served.
		{name: "css again", edit: map[string]string{"style.css": "p{color:blue}"}, wantBuild: 3, styles: true},
	}
	for _, s := range steps {
		writeFiles(t, dir, s.edit)
		fail = s.fail
		o := b.Build(ctx)
		if (o.Err != nil) != s.wantErr || s.wantErr && !errors.Is(o.Err, reject) {
			t.Fatalf("%s: err = %v, want error %v", s.name, o.Err, s.wantErr)
		}
		if o.Build != s.wantBuild || o.StylesOnly != s.styles {
			t.Fatalf("%s: build %d styles %v, want %d %v", s.name, o.Build, o.StylesOnly, s.wantBuild, s.styles)
		}
		if s.wantErr && o.Archive != nil {
			t.Errorf("%s: an archive for a build that is not served", s.name)
		}
	}
	if want := []uint64{1, 2, 3}; !slices.Equal(swapped, want) {
		t.Errorf("builds swapped in: %v, want %v", swapped, want)
	}
}
