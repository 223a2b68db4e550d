//go:build unix

package build

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCollectRace swaps a file between the walk's Lstat and the read, the
// way a concurrent writer (or an attacker with write access to the site
// directory) could, and checks what ends up in the site.
func TestCollectRace(t *testing.T) {
	newMtime := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name      string
		swap      func(t *testing.T, full, outside string) // at beforeOpen
		afterRead func(t *testing.T, full string)
		wantErr   string
		wantData  string
		wantMtime int64
	}{
		{name: "symlink to a file outside", swap: func(t *testing.T, full, outside string) {
			replace(t, full, func(tmp string) error { return os.Symlink(filepath.Join(outside, "secret"), tmp) })
		}, wantErr: "changed during the build"},
		{name: "symlink to a file inside", swap: func(t *testing.T, full, _ string) {
			replace(t, full, func(tmp string) error { return os.Symlink("other.txt", tmp) })
		}, wantErr: "changed during the build"},
		{name: "fifo", swap: func(t *testing.T, full, _ string) {
			replace(t, full, func(tmp string) error { return mkfifo(tmp) })
		}, wantErr: "changed during the build (now a named pipe"},
		{name: "directory", swap: func(t *testing.T, full, _ string) {
			replace(t, full, func(tmp string) error { return os.Mkdir(tmp, 0o755) })
		}, wantErr: "changed during the build (now a directory"},
		{name: "new mtime and content", swap: func(t *testing.T, full, _ string) {
			if err := os.WriteFile(full, []byte("new content"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(full, newMtime, newMtime); err != nil {
				t.Fatal(err)
			}
		}, wantData: "new content", wantMtime: newMtime.Unix()},
		{name: "rewritten while read", afterRead: func(t *testing.T, full string) {
			if err := os.WriteFile(full, []byte("longer than before"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, wantErr: "changed while it was read"},
		{name: "touched while read", afterRead: func(t *testing.T, full string) {
			if err := os.Chtimes(full, newMtime, newMtime); err != nil {
				t.Fatal(err)
			}
		}, wantErr: "changed while it was read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, outside := t.TempDir(), t.TempDir()
			writeTree(t, outside, map[string]string{"secret": "SECRET"})
			writeTree(t, root, map[string]string{"page.txt": "original", "other.txt": "other"})
			old := time.Unix(1_600_000_000, 0)
			if err := os.Chtimes(filepath.Join(root, "page.txt"), old, old); err != nil {
				t.Fatal(err)
			}
			var h hooks
			once := func(f func(string)) func(string) {
				return func(full string) {
					if filepath.Base(full) == "page.txt" && f != nil {
						f(full)
						f = nil
					}
				}
			}
			if tt.swap != nil {
				h.beforeOpen = once(func(full string) { tt.swap(t, full, outside) })
			}
			if tt.afterRead != nil {
				h.afterRead = once(func(full string) { tt.afterRead(t, full) })
			}
			site, err := collect(root, "", h)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "page.txt") {
					t.Fatalf("err = %v, want %q naming page.txt", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range site.Files {
				if f.Path != "page.txt" {
					continue
				}
				if string(f.Data) != tt.wantData || f.ModTime != tt.wantMtime {
					t.Errorf("page.txt = %q mtime %d, want %q mtime %d", f.Data, f.ModTime, tt.wantData, tt.wantMtime)
				}
				return
			}
			t.Error("page.txt not collected")
		})
	}
}

// replace puts what mk creates at full in one rename, as an attacker would.
func replace(t *testing.T, full string, mk func(tmp string) error) {
	t.Helper()
	tmp := full + ".swap"
	if err := mk(tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(full); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, full); err != nil {
		t.Fatal(err)
	}
}
