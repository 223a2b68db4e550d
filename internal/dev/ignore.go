package dev

import (
	"path/filepath"
	"strings"
)

// Ignored reports whether a change to the file at path is editor or
// system noise that should not trigger a rebuild: vim swap files and its
// "4913" write probe, backup files ending in "~", Emacs lock and autosave
// files, JetBrains' "___jb_" temporaries, and OS metadata files.
//
// Such files may still exist when the site is collected (a swap file of an
// open buffer); they are simply not a reason to rebuild.
func Ignored(path string) bool {
	name := filepath.Base(path)
	switch {
	case name == "4913", name == ".DS_Store", name == "Thumbs.db":
		return true
	case strings.HasSuffix(name, "~"):
		return true
	case strings.HasPrefix(name, ".#"): // Emacs lock
		return true
	case len(name) > 1 && name[0] == '#' && name[len(name)-1] == '#': // Emacs autosave
		return true
	case strings.Contains(name, "___jb_"): // JetBrains safe write
		return true
	}
	switch filepath.Ext(name) {
	case ".swp", ".swo", ".swx", ".swpx", ".tmp", ".crswap":
		return true
	}
	return false
}
