package dev

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/fsnotify/fsnotify"
)

// Watcher reports changes anywhere under a directory tree. Directories
// created later are watched as soon as their creation is seen; the
// directory itself is reported too, since files may land in it before its
// watch exists (the rebuild then collects them anyway). The root's parent
// is watched too, for the root alone: a root deleted and created again is
// reported (as the root) and watched again.
type Watcher struct {
	// Events carries the paths that changed, editor noise removed.
	Events <-chan string
	// Errors carries watcher failures (for example the kernel's watch
	// limit); the watcher keeps running.
	Errors <-chan error

	fw     *fsnotify.Watcher
	root   string // the watched directory, symlinks resolved
	events chan string
	errs   chan error
	done   chan struct{}
	exited chan struct{}
	once   sync.Once
	err    error
}

// Watch starts watching root and every directory below it. A root that is
// a symlink is resolved first; event names are then under the resolved
// path.
func Watch(root string) (*Watcher, error) {
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", root, err)
	}
	root = real
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", root, err)
	}
	w := &Watcher{
		fw:     fw,
		root:   root,
		events: make(chan string, 64),
		errs:   make(chan error, 8),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	w.Events, w.Errors = w.events, w.errs
	if err := w.addTree(root); err != nil {
		fw.Close()
		return nil, err
	}
	// The root's own watch ends with the root: a site directory deleted
	// and created again (a deploy tool, a checkout of its parent) would go
	// unwatched. The parent's watch (not recursive) sees it come back.
	if parent := filepath.Dir(root); parent != root {
		if err := fw.Add(parent); err != nil {
			w.report(fmt.Errorf("watch %s (to see %s re-created): %w", parent, root, err))
		}
	}
	go w.run()
	return w, nil
}

// Close stops the watcher and closes Events and Errors. It may be called
// more than once.
func (w *Watcher) Close() error {
	w.once.Do(func() {
		close(w.done)
		w.err = w.fw.Close()
		<-w.exited
	})
	return w.err
}

// addTree watches dir and the directories below it.
func (w *Watcher) addTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p != dir && errors.Is(err, fs.ErrNotExist) {
				return nil // removed while we walked
			}
			return fmt.Errorf("watch %s: %w", p, err)
		}
		if !d.IsDir() {
			return nil
		}
		if err := w.fw.Add(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("watch %s: %w", p, err)
		}
		return nil
	})
}

func (w *Watcher) run() {
	defer close(w.exited)
	defer close(w.events)
	defer close(w.errs)
	for {
		select {
		case <-w.done:
			return
		case ev, ok := <-w.fw.Events:
			if !ok {
				return
			}
			w.handle(ev)
		case err, ok := <-w.fw.Errors:
			if !ok {
				return
			}
			w.fail(err)
		}
	}
}

// fail reports a watcher error. After an overflow, events were lost
// (directory creations among them): every directory is watched again and
// the root is reported as changed, so the site is rebuilt in full.
func (w *Watcher) fail(err error) {
	w.report(err)
	if !errors.Is(err, fsnotify.ErrEventOverflow) {
		return
	}
	if err := w.addTree(w.root); err != nil {
		w.report(err)
	}
	w.send(w.root)
}

func (w *Watcher) handle(ev fsnotify.Event) {
	if ev.Op == fsnotify.Chmod {
		return // permissions or a touch: content is what matters
	}
	if ev.Name == w.root {
		w.handleRoot(ev)
		return
	}
	if !w.inside(ev.Name) {
		return // the parent's other entries
	}
	if ev.Has(fsnotify.Create) {
		if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
			if err := w.addTree(ev.Name); err != nil {
				w.report(err)
			}
			w.send(ev.Name)
			return
		}
	}
	if Ignored(ev.Name) {
		return
	}
	w.send(ev.Name)
}

// handleRoot: the root itself went (the site fails to build until it is
// back) or came back, when it is watched again, in full.
func (w *Watcher) handleRoot(ev fsnotify.Event) {
	if ev.Has(fsnotify.Create) {
		fi, err := os.Stat(w.root)
		if err != nil || !fi.IsDir() {
			return
		}
		// The old tree's watches may outlive it: the kernel ends them when
		// the inodes go, which can be after the parent reported the
		// removal, and a directory moved away keeps its watches. Drop them
		// all so they neither shadow the new ones nor report the old tree.
		for _, p := range w.fw.WatchList() {
			if p == w.root || w.inside(p) {
				w.fw.Remove(p) // an error means the kernel already ended it
			}
		}
		if err := w.addTree(w.root); err != nil {
			w.report(err)
		}
	}
	w.send(w.root)
}

// inside reports whether name is below the root.
func (w *Watcher) inside(name string) bool {
	rel, err := filepath.Rel(w.root, name)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func (w *Watcher) send(name string) {
	select {
	case w.events <- name:
	case <-w.done:
	}
}

func (w *Watcher) report(err error) {
	select {
	case w.errs <- err:
	default: // the reader is behind; one lost error report is harmless
	}
}
