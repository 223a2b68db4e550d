package dev

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/internal/cli"
	"zeroserve.dev/zeroserve/internal/cli/zspack/build"
	"zeroserve.dev/zeroserve/internal/dev"
	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/server"
)

// junkCompiler "compiles" every script into bytes that are no program:
// the archive packs, and the server refuses to load it.
type junkCompiler struct {
	mu    sync.Mutex
	calls int
}

func (c *junkCompiler) Compile(_ context.Context, _ string, src []build.ScriptSource) ([]archive.Script, error) {
	c.mu.Lock()
	c.calls++
	c.mu.Unlock()
	out := make([]archive.Script, len(src))
	for i, s := range src {
		out[i] = archive.Script{Name: s.Name, Object: []byte("not an ELF object")}
	}
	return out, nil
}

func (c *junkCompiler) n() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

func write(t *testing.T, dir, p, data string) {
	t.Helper()
	full := filepath.Join(dir, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRebuildSwapRejected: when the server refuses a build (its script does
// not load), the failure is reported like a build error, in the terminal
// and to open pages, the last good build keeps serving and keeps its
// number, and the next event retries the same inputs instead of calling
// them unchanged.
func TestRebuildSwapRejected(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "index.html", "<p>one</p>")
	var out, errOut bytes.Buffer
	opts := &Options{Dir: dir, IO: cli.IO{Out: &out, ErrOut: &errOut}, Now: time.Now, Getenv: func(string) string { return "" }}
	jc := &junkCompiler{}
	b := &dev.Builder{Dir: dir, Scripts: jc, Live: true}
	first := b.Build(context.Background())
	if first.Err != nil || first.Build != 1 {
		t.Fatalf("first build: %v, build %d", first.Err, first.Build)
	}
	hub := dev.NewHub()
	hub.Publish(first)
	live, err := dev.StartLive(server.Config{Addrs: []string{"127.0.0.1:0"}, Workers: 1, Transport: "netpoll"}, first.Archive, &bytes.Buffer{}, hub)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- live.Serve(ctx) }()
	defer func() { cancel(); <-served }()
	<-live.Ready()
	l := newLoop(opts, newPrinter(opts), b, live, hub, nil)

	write(t, dir, ".zeroserve/scripts/10-a.c", "int a;")
	for i := range 2 {
		errOut.Reset()
		before := jc.n()
		if l.rebuild(context.Background()) {
			t.Fatalf("attempt %d: retry asked for", i)
		}
		if jc.n() != before+1 {
			t.Fatalf("attempt %d: not rebuilt (inputs taken as unchanged after a rejected swap)", i)
		}
		if !strings.Contains(errOut.String(), "build failed") || !strings.Contains(errOut.String(), "still serving build 1") {
			t.Errorf("attempt %d: stderr %q, want the failure and build 1 still serving", i, errOut.String())
		}
		if st := hub.Status(); st.Build != 1 || st.Error == "" {
			t.Errorf("attempt %d: hub status %+v, want build 1 and the error", i, st)
		}
	}
	// Fixed: the script goes; the next build is number 2 and is served.
	if err := os.RemoveAll(filepath.Join(dir, ".zeroserve")); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "index.html", "<p>two</p>")
	out.Reset()
	l.rebuild(context.Background())
	if st := hub.Status(); st.Build != 2 || st.Error != "" {
		t.Errorf("after the fix: hub status %+v, want build 2 and no error", st)
	}
	if !strings.Contains(out.String(), "(build 2)") {
		t.Errorf("after the fix: stdout %q, want build 2", out.String())
	}
}

// TestEditDuringFirstBuild: an edit made while the first build runs (here:
// right after it, before the server is up) is seen, and leads to exactly
// one rebuild once the server serves.
func TestEditDuringFirstBuild(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "index.html", "<p>one</p>")
	var out, errOut bytes.Buffer
	rebuilt := make(chan dev.Outcome, 16)
	opts := &Options{
		Dir: dir, IO: cli.IO{Out: &out, ErrOut: &errOut}, Now: time.Now, Getenv: func(string) string { return "" },
		Addr: "127.0.0.1:0", Workers: 1, Transport: "netpoll",
		firstBuilt: func() { write(t, dir, "index.html", "<p>two</p>") },
		rebuilt:    func(o dev.Outcome) { rebuilt <- o },
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- devRun(ctx, opts) }()
	guard := time.NewTimer(10 * time.Second) // only turns a hang into a failure
	defer guard.Stop()
	select {
	case o := <-rebuilt:
		if o.Err != nil || o.Build != 2 || !slices.Equal(o.Changes.Modified, []string{"index.html"}) {
			t.Errorf("rebuild: err %v, build %d, changes %+v; want build 2 of index.html", o.Err, o.Build, o.Changes)
		}
	case err := <-done:
		t.Fatalf("devRun returned %v before rebuilding", err)
	case <-guard.C:
		t.Fatal("the edit made during the first build was never rebuilt")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("devRun: %v", err)
	}
	if n := len(rebuilt); n != 0 {
		t.Errorf("%d more rebuilds reported, want the edit to cause one", n)
	}
}
