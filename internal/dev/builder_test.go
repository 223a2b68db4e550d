package dev

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

func statusOf(t *testing.T, o Outcome) Status {
	t.Helper()
	var st Status
	if err := json.Unmarshal([]byte(served(t, o, StatusPath)), &st); err != nil {
		t.Fatalf("status.json: %v", err)
	}
	return st
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
		wantSt    Status
		wantErr   bool
		unchanged bool
		styles    bool
		changed   []string
		wantIndex string // substring of the served index.html
	}
	steps := []step{
		{name: "first", wantBuild: 1, wantSt: Status{Build: 1, Reload: 1}, wantIndex: `<p>one</p><script src="/.zeroserve-dev/client.js?b=1"`},
		{name: "nothing changed", unchanged: true, wantBuild: 1},
		{name: "css only", edit: map[string]string{"style.css": "p { color: blue }"}, wantBuild: 2, styles: true,
			wantSt: Status{Build: 2, Reload: 1}, changed: []string{"style.css"}, wantIndex: `data-zeroserve-build="2"`},
		{name: "html", edit: map[string]string{"index.html": "<p>two</p>"}, wantBuild: 3,
			wantSt: Status{Build: 3, Reload: 3}, changed: []string{"index.html"}, wantIndex: `<p>two</p><script`},
		{name: "header only", edit: map[string]string{".zeroserve/scripts/common.h": "#define X 2"}, wantBuild: 4,
			wantSt: Status{Build: 4, Reload: 4}, changed: []string{".zeroserve/scripts/common.h"}},
		{name: "broken script", edit: map[string]string{".zeroserve/scripts/10-a.c": "int a BROKEN"}, wantErr: true, wantBuild: 4,
			wantSt: Status{Build: 4, Reload: 4, Error: "expected ';'"}, changed: []string{".zeroserve/scripts/10-a.c"}, wantIndex: `data-zeroserve-build="4"`},
		{name: "still broken, retried", wantErr: true, wantBuild: 4, wantSt: Status{Build: 4, Reload: 4, Error: "expected ';'"}},
		{name: "fixed", edit: map[string]string{".zeroserve/scripts/10-a.c": "int a;"}, wantBuild: 5,
			wantSt: Status{Build: 5, Reload: 5}, changed: []string{".zeroserve/scripts/10-a.c"}},
		{name: "new file in new dir", edit: map[string]string{"docs/a.html": "<p>a</p>"}, wantBuild: 6,
			wantSt: Status{Build: 6, Reload: 6}, changed: []string{"docs/a.html"}},
		{name: "removed", remove: "docs/a.html", wantBuild: 7, wantSt: Status{Build: 7, Reload: 7}, changed: []string{"docs/a.html"}},
	}
	for _, s := range steps {
		writeFiles(t, dir, s.edit)
		if s.remove != "" {
			os.Remove(filepath.Join(dir, s.remove))
		}
		o := b.Build(ctx)
		if (o.Err != nil) != s.wantErr {
			t.Fatalf("%s: err = %v, want error %v", s.name, o.Err, s.wantErr)
		}
		if o.Unchanged() != s.unchanged || o.Build != s.wantBuild || o.StylesOnly != s.styles {
			t.Fatalf("%s: unchanged %v build %d styles %v; want %v %d %v", s.name, o.Unchanged(), o.Build, o.StylesOnly, s.unchanged, s.wantBuild, s.styles)
		}
		if s.changed != nil && !slices.Equal(o.Changes.All(), s.changed) {
			t.Errorf("%s: changes %v, want %v", s.name, o.Changes.All(), s.changed)
		}
		if s.unchanged {
			continue
		}
		st := statusOf(t, o)
		if st.Build != s.wantSt.Build || st.Reload != s.wantSt.Reload || !strings.Contains(st.Error, s.wantSt.Error) || (st.Error == "") != (s.wantSt.Error == "") {
			t.Errorf("%s: status %+v, want %+v", s.name, st, s.wantSt)
		}
		if idx := served(t, o, "index.html"); !strings.Contains(idx, s.wantIndex) {
			t.Errorf("%s: index.html %q lacks %q", s.name, idx, s.wantIndex)
		}
		if js := served(t, o, ClientPath); !strings.Contains(js, OverlayID) {
			t.Errorf("%s: client.js not served", s.name)
		}
		r, _ := archive.OpenBytes(o.Archive)
		if got := len(r.Scripts()); got != 1 {
			t.Errorf("%s: %d scripts in the archive, want 1 (the last good one)", s.name, got)
		}
	}
	// The repack of a failed build must not compile again.
	if fc.calls != 9 {
		t.Errorf("compiler called %d times, want 9 (every attempt but the unchanged one, none for an error archive)", fc.calls)
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
	page := served(t, o, "index.html")
	for _, want := range []string{"Build failed", "BROKEN &lt;&amp;&gt;", `data-zeroserve-build="0"`} {
		if !strings.Contains(page, want) {
			t.Errorf("error page %q lacks %q", page, want)
		}
	}
	if st := statusOf(t, o); st.Build != 0 || st.Error == "" {
		t.Errorf("status %+v, want build 0 with the error", st)
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
	if got := served(t, o, ClientPath); got != "<missing>" {
		t.Errorf("client.js served with live reload off")
	}
	// A failure with nothing new to tell a browser keeps the generation.
	writeFiles(t, dir, map[string]string{".zeroserve/scripts/x.c": "int x;"})
	o = b.Build(context.Background())
	if !errors.Is(o.Err, build.ErrNoCompiler) || o.Archive != nil {
		t.Errorf("Build = err %v, archive %d bytes; want ErrNoCompiler and no archive", o.Err, len(o.Archive))
	}
}

func TestBuilderReservedPrefix(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"index.html": "x", Prefix + "/status.json": "{\"mine\":1}"})
	b := &Builder{Dir: dir, Live: true}
	o := b.Build(context.Background())
	if o.Err != nil {
		t.Fatal(o.Err)
	}
	if len(o.Warnings) != 1 || !strings.Contains(o.Warnings[0], "reserved") {
		t.Errorf("warnings %q, want one about the reserved prefix", o.Warnings)
	}
	if st := statusOf(t, o); st.Build != 1 {
		t.Errorf("status %+v: the site's own file was served", st)
	}
}
