package build

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"zeroserve.dev/zeroserve/internal/sys"
	"zeroserve.dev/zeroserve/pkg/archive"
)

// ScriptSource is one DIR/.zeroserve/scripts/*.c file.
type ScriptSource struct {
	Name string // file name without ".c", e.g. "10-auth"; the archive name
	Path string // path of the .c file on disk
}

// Site is a collected site directory.
type Site struct {
	Dir      string // the directory as given
	Files    []archive.File
	Scripts  []ScriptSource // in name order
	Warnings []string
	// Skipped lists the version-control entries left out (site paths,
	// directories with a trailing slash), in walk order.
	Skipped []string
}

// vcsNames are the names of version-control metadata. An entry with one of
// these names, at any depth, is neither followed nor packed: `zspack build .`
// at a repository root must not publish /.git/config. Other dotfiles
// (.well-known/, .htaccess, .gitignore) are ordinary site files.
var vcsNames = map[string]bool{".git": true, ".hg": true, ".svn": true, ".bzr": true, "_darcs": true, "CVS": true}

// inVCS reports whether site path rel has a version-control component.
func inVCS(rel string) bool {
	for part := range strings.SplitSeq(rel, "/") {
		if vcsNames[part] {
			return true
		}
	}
	return false
}

// Collect reads the site at dir. skip, when non-empty, is a file path left
// out of the site (the output archive, when it is written inside dir).
func Collect(dir, skip string) (*Site, error) {
	return collect(dir, skip, hooks{})
}

// hooks let tests change the tree at the moments a concurrent writer could.
type hooks struct {
	beforeOpen func(full string) // between the Lstat of a file and its open
	afterRead  func(full string) // between reading a file and the final check
}

func collect(dir, skip string, h hooks) (*Site, error) {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("site directory: %w", err)
	}
	if root, err = filepath.Abs(root); err != nil {
		return nil, fmt.Errorf("site directory: %w", err)
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("site directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("site directory: %s is not a directory", dir)
	}
	c := &collector{root: root, site: &Site{Dir: dir}, hooks: h}
	if skip != "" {
		if s, err := filepath.Abs(skip); err == nil {
			if s2, err := filepath.EvalSymlinks(s); err == nil {
				s = s2
			}
			c.skip = s
		}
	}
	if err := c.walk(root, "", []string{root}); err != nil {
		return nil, err
	}
	if err := c.scripts(); err != nil {
		return nil, err
	}
	return c.site, nil
}

type collector struct {
	root  string
	skip  string
	site  *Site
	hooks hooks
}

// walk reads the directory at real (on disk) holding site path rel ("" for
// the root). stack lists the real directories being walked, for loops.
func (c *collector) walk(real, rel string, stack []string) error {
	ents, err := os.ReadDir(real)
	if err != nil {
		return fmt.Errorf("read %s: %w", c.show(rel), err)
	}
	for _, de := range ents {
		name := de.Name()
		if rel == "" && name == archive.ReservedDir {
			continue // read by scripts(); nothing else there is a site file
		}
		if err := c.add(filepath.Join(real, name), path.Join(rel, name), stack); err != nil {
			return err
		}
	}
	return nil
}

// add handles one directory entry: full is its path on disk, rel its site
// path.
func (c *collector) add(full, rel string, stack []string) error {
	fi, err := os.Lstat(full)
	if err != nil {
		return fmt.Errorf("stat %s: %w", c.show(rel), err)
	}
	if vcsNames[path.Base(rel)] {
		c.skipVCS(full, rel) // whatever it is: a directory, a link, a worktree's .git file
		return nil
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := c.resolve(full, rel)
		if err != nil {
			return err
		}
		if r, err := filepath.Rel(c.root, target); err == nil && inVCS(filepath.ToSlash(r)) {
			c.skipVCS(full, rel) // a link into .git/ under another name
			return nil
		}
		if fi, err = os.Stat(target); err != nil {
			return fmt.Errorf("stat %s: %w", c.show(rel), err)
		}
		full = target
	}
	switch {
	case fi.IsDir():
		if slices.Contains(stack, full) {
			return fmt.Errorf("symlink loop: %s leads back to %s", c.show(rel), full)
		}
		return c.walk(full, rel, append(stack, full))
	case fi.Mode().IsRegular():
		if c.skip != "" && full == c.skip {
			return nil
		}
		data, ofi, err := c.read(full, rel)
		if err != nil {
			return err
		}
		c.site.Files = append(c.site.Files, archive.File{Path: rel, ModTime: ofi.ModTime().Unix(), Data: data})
	default:
		c.site.Warnings = append(c.site.Warnings, fmt.Sprintf("skipping special file %s (%s)", c.show(rel), fi.Mode().Type()))
	}
	return nil
}

// read reads the file at full, which the walk found to be a regular file
// (full is symlink-free: a link was resolved before). Between that check and
// the open, the file may have been replaced: the open does not follow a
// symlink and the open file must still be a regular file. Size and mtime
// come from the open file, and a file that changes while it is read is an
// error, so the index always describes the bytes packed.
func (c *collector) read(full, rel string) ([]byte, fs.FileInfo, error) {
	if c.hooks.beforeOpen != nil {
		c.hooks.beforeOpen(full)
	}
	f, err := os.OpenFile(full, os.O_RDONLY|openFlags, 0)
	if err != nil {
		// ELOOP on Linux, EMLINK on FreeBSD, EFTYPE on NetBSD: ask the
		// file system instead of the error.
		if fi, lerr := os.Lstat(full); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, nil, c.changed(rel, fi)
		}
		return nil, nil, fmt.Errorf("read %s: %w", c.show(rel), err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("stat %s: %w", c.show(rel), err)
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, c.changed(rel, fi)
	}
	data := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, nil, fmt.Errorf("%s changed while it was read (truncated); build again", c.show(rel))
		}
		return nil, nil, fmt.Errorf("read %s: %w", c.show(rel), err)
	}
	if c.hooks.afterRead != nil {
		c.hooks.afterRead(full)
	}
	after, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("stat %s: %w", c.show(rel), err)
	}
	if after.Size() != fi.Size() || !after.ModTime().Equal(fi.ModTime()) {
		return nil, nil, fmt.Errorf("%s changed while it was read; build again", c.show(rel))
	}
	return data, fi, nil
}

// changed is the error for a file that stopped being a regular file between
// the walk's check and its open.
func (c *collector) changed(rel string, now fs.FileInfo) error {
	return fmt.Errorf("%s changed during the build (now a %s); build again", c.show(rel), sys.FileKind(now.Mode()))
}

// skipVCS records a version-control entry left out of the site.
func (c *collector) skipVCS(full, rel string) {
	if fi, err := os.Stat(full); err == nil && fi.IsDir() {
		rel += "/"
	}
	c.site.Skipped = append(c.site.Skipped, rel)
}

// resolve follows a symlink and refuses targets outside the site root.
func (c *collector) resolve(full, rel string) (string, error) {
	target, err := filepath.EvalSymlinks(full)
	if err != nil {
		dest, _ := os.Readlink(full)
		return "", fmt.Errorf("symlink %s -> %s: target does not exist", c.show(rel), dest)
	}
	if target, err = filepath.Abs(target); err != nil {
		return "", err
	}
	if !c.inside(target) {
		dest, _ := os.Readlink(full)
		return "", fmt.Errorf("symlink %s -> %s points outside the site directory %s", c.show(rel), dest, c.site.Dir)
	}
	return target, nil
}

// inside reports whether the absolute, symlink-free path p is the site
// root or below it.
func (c *collector) inside(p string) bool {
	r, err := filepath.Rel(c.root, p)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) && !filepath.IsAbs(r)
}

// scripts lists DIR/.zeroserve/scripts/*.c.
func (c *collector) scripts() error {
	dir := filepath.Join(c.root, archive.ReservedDir, "scripts")
	// .zeroserve or .zeroserve/scripts may be a symlink: like any other,
	// it must stay inside the site.
	if real, err := filepath.EvalSymlinks(dir); err == nil && !c.inside(real) {
		return fmt.Errorf("%s points outside the site directory %s (to %s)", c.show(".zeroserve/scripts"), c.site.Dir, real)
	}
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", c.show(".zeroserve/scripts"), err)
	}
	for _, de := range ents {
		name, ok := strings.CutSuffix(de.Name(), ".c")
		if !ok || de.IsDir() {
			continue
		}
		p := filepath.Join(dir, de.Name())
		if de.Type()&fs.ModeSymlink != 0 {
			if _, err := c.resolve(p, ".zeroserve/scripts/"+de.Name()); err != nil {
				return err
			}
		}
		c.site.Scripts = append(c.site.Scripts, ScriptSource{Name: name, Path: p})
	}
	return nil
}

func (c *collector) show(rel string) string {
	if rel == "" {
		return c.site.Dir
	}
	return filepath.Join(c.site.Dir, filepath.FromSlash(rel))
}
