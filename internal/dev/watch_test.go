package dev

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// waitFor reads events until want arrives and fails on any ignored name.
// The guard only turns a hang into a failure.
func waitFor(t *testing.T, w *Watcher, want string) {
	t.Helper()
	guard := time.NewTimer(10 * time.Second)
	defer guard.Stop()
	for {
		select {
		case name, ok := <-w.Events:
			if !ok {
				t.Fatal("watcher closed")
			}
			if Ignored(name) {
				t.Fatalf("editor noise %q reported", name)
			}
			if name == want {
				return
			}
		case err := <-w.Errors:
			t.Fatalf("watcher error: %v", err)
		case <-guard.C:
			t.Fatalf("no event for %s", want)
		}
	}
}

func TestWatcher(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := Watch(root)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	at := func(p string) string { return filepath.Join(root, filepath.FromSlash(p)) }
	write := func(p, data string) {
		t.Helper()
		if err := os.WriteFile(at(p), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Editor noise is never reported; a change deep in the tree is.
	write(".index.html.swp", "x")
	write("4913", "")
	write("index.html~", "old")
	write("a/b/deep.css", "p{}")
	waitFor(t, w, at("a/b/deep.css"))

	// A directory created after Watch is reported and then watched.
	if err := os.Mkdir(at("new"), 0o755); err != nil {
		t.Fatal(err)
	}
	waitFor(t, w, at("new"))
	write("new/page.html", "<p>")
	waitFor(t, w, at("new/page.html"))

	// Rename-over, as editors save: the target's name is reported.
	write("tmpfile", "v2")
	if err := os.Rename(at("tmpfile"), at("a/page.html")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, w, at("a/page.html"))

	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for range w.Events {
		// drain what was queued; the channel must close
	}
}

// A site given as a symlink to its directory (a common layout: ./site ->
// builds/current) is watched through the link.
func TestWatchSymlinkedRoot(t *testing.T) {
	real := t.TempDir()
	link := filepath.Join(t.TempDir(), "site")
	if err := os.Symlink(real, link); err != nil {
		t.Skip("symlink:", err)
	}
	w, err := Watch(link)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := os.WriteFile(filepath.Join(link, "page.html"), []byte("<p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	resolved, err := filepath.EvalSymlinks(real)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, w, filepath.Join(resolved, "page.html"))
}

// When the kernel's event queue overflows, events (directory creations
// among them) are lost: the watcher reports the root as changed, so the
// whole site is rebuilt, and watches every directory again.
func TestWatchOverflow(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	missed := filepath.Join(root, "missed")
	if err := os.Mkdir(missed, 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := Watch(root)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// Stand in for a directory whose creation event was lost.
	if err := w.fw.Remove(missed); err != nil {
		t.Fatal(err)
	}
	go w.fail(fmt.Errorf("read events: %w", fsnotify.ErrEventOverflow))
	guard := time.NewTimer(10 * time.Second)
	defer guard.Stop()
	gotErr := false
	for !gotErr {
		select {
		case err := <-w.Errors:
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				t.Fatalf("error %v, want the overflow", err)
			}
			gotErr = true
		case <-guard.C:
			t.Fatal("overflow not reported")
		}
	}
	waitFor(t, w, root)
	if err := os.WriteFile(filepath.Join(missed, "x.css"), []byte("p{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, w, filepath.Join(missed, "x.css"))
}

// A site directory that is deleted and created again (a deploy tool, a
// checkout of its parent) is watched again: its re-creation is reported,
// so the site is rebuilt, and so are changes in the new directory. The
// parent's other entries are not the site's and are not reported.
func TestWatchRootRecreated(t *testing.T) {
	parent, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(parent, "site")
	if err := os.MkdirAll(filepath.Join(root, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := Watch(root)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
	waitFor(t, w, root) // gone: the rebuild reports it
	// Each directory is reported once it is watched: what is written
	// in it afterwards is seen.
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	waitFor(t, w, root) // back
	if err := os.Mkdir(filepath.Join(root, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	waitFor(t, w, filepath.Join(root, "sub"))
	sibling := filepath.Join(parent, "other.txt")
	if err := os.WriteFile(sibling, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(root, "sub", "page.html")
	if err := os.WriteFile(page, []byte("<p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	guard := time.NewTimer(10 * time.Second) // only turns a hang into a failure
	defer guard.Stop()
	for {
		select {
		case name := <-w.Events:
			if name == sibling {
				t.Fatalf("%s, outside the site, reported", name)
			}
			if name == page {
				return
			}
		case err := <-w.Errors:
			t.Fatalf("watcher error: %v", err)
		case <-guard.C:
			t.Fatalf("no event for %s in the re-created site", page)
		}
	}
}
