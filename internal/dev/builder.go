package dev

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"zeroserve.dev/zeroserve/internal/cli/zspack/build"
	"zeroserve.dev/zeroserve/pkg/archive"
)

// Builder rebuilds one site directory in memory. It is not safe for
// concurrent use; one goroutine drives it.
type Builder struct {
	Dir     string
	Scripts build.ScriptCompiler // nil: sites with scripts fail with build.ErrNoCompiler
	Live    bool                 // inject the live-reload client into HTML pages
	Archive archive.Options      // packing options of good builds
	// Swap, when set, makes each archive Build returns the served one
	// (Live.Swap). A build counts as good only once Swap accepted it: when
	// Swap fails (the server rejects the archive, say a script that does
	// not load) the attempt is a failed build like a compile error, the
	// last good build keeps serving and the same inputs are tried again on
	// the next Build.
	Swap func(archive []byte) error

	build  uint64              // the last good build
	prev   map[string][32]byte // inputs of the last collected attempt
	prevOK bool                // the last attempt succeeded
	goodIn map[string][32]byte // inputs of the last good build
}

// Outcome is the result of one Build.
type Outcome struct {
	// Archive is the archive to serve now (with Builder.Swap: the archive
	// now served). It is nil when nothing changed
	// since the last build, and when a build failed after a good one: the
	// last good build keeps serving (and Hub tells open pages the error).
	// When the very first build fails it is a one-page site with the error.
	Archive []byte
	// Build is the number of the good build being served.
	Build uint64
	// Changes lists what changed since the previous attempt.
	Changes Changes
	// StylesOnly: every change since the last good build is a stylesheet;
	// open pages swap their stylesheets instead of reloading.
	StylesOnly bool
	// Err is why the build failed.
	Err      error
	Warnings []string
	// Files and Scripts count the site's files and scripts of a good build.
	Files, Scripts int
	Stats          archive.Stats
}

// Unchanged reports whether the build was skipped because no input changed.
func (o *Outcome) Unchanged() bool { return o.Err == nil && o.Archive == nil }

// Changes are site paths (scripts as ".zeroserve/scripts/NAME.c") that
// appeared, disappeared or changed content.
type Changes struct {
	Added, Removed, Modified []string
}

// Empty reports whether nothing changed.
func (c Changes) Empty() bool { return len(c.Added)+len(c.Removed)+len(c.Modified) == 0 }

// All returns every changed path, sorted.
func (c Changes) All() []string {
	all := slices.Concat(c.Added, c.Removed, c.Modified)
	slices.Sort(all)
	return all
}

// Build collects, compiles and packs the site. A failure never loses the
// last good build: it keeps serving.
func (b *Builder) Build(ctx context.Context) Outcome {
	site, err := build.Collect(b.Dir, "")
	if err != nil {
		return b.fail(err, Outcome{})
	}
	out := Outcome{Warnings: site.Warnings}
	in, err := inputs(site)
	if err != nil {
		return b.fail(err, out)
	}
	out.Changes = diff(b.prev, in)
	if b.prev != nil && b.prevOK && out.Changes.Empty() {
		out.Build = b.build
		return out
	}
	b.prev, b.prevOK = in, false
	out.StylesOnly = b.build > 0 && stylesOnly(diff(b.goodIn, in))

	n := b.build + 1
	packed := *site
	packed.Files = b.pageFiles(site.Files, n)
	var buf bytes.Buffer
	res, err := build.PackSite(ctx, &packed, &buf, build.PackOptions{Scripts: b.Scripts, Archive: b.Archive})
	if err != nil {
		return b.fail(err, out)
	}
	if b.Swap != nil {
		if err := b.Swap(buf.Bytes()); err != nil {
			return b.fail(err, out)
		}
	}
	b.build, b.prevOK, b.goodIn = n, true, in
	out.Archive, out.Build, out.Stats = buf.Bytes(), n, res.Stats
	out.Files, out.Scripts = len(packed.Files), res.Stats.Scripts
	return out
}

// fail records a failed attempt. After a good build nothing new is
// served; before one, the site is a page with the error (every path),
// swapped in with Swap when set.
func (b *Builder) fail(err error, out Outcome) Outcome {
	b.prevOK = false
	out.Err, out.Build, out.StylesOnly = err, b.build, false
	if b.build > 0 {
		return out // the running generation stays
	}
	page := b.errorPage(err)
	// No variants: this archive only exists until the first good build.
	data, _, perr := archive.PackBytes([]archive.File{{Path: "404.html", Data: page}, {Path: "index.html", Data: page}}, nil,
		archive.Options{MinCompressSize: -1})
	if perr != nil {
		out.Err = errors.Join(err, fmt.Errorf("pack error page: %w", perr))
		return out
	}
	if b.Swap != nil {
		if serr := b.Swap(data); serr != nil {
			out.Err = errors.Join(err, fmt.Errorf("serve error page: %w", serr))
			return out
		}
	}
	out.Archive = data
	return out
}

// pageFiles returns the site files with the reload client injected into
// HTML pages (when live reload is on).
func (b *Builder) pageFiles(files []archive.File, n uint64) []archive.File {
	if !b.Live {
		return files
	}
	out := slices.Clone(files)
	tag := Snippet(n)
	for i := range out {
		if IsHTML(out[i].Path) {
			out[i].Data = Inject(out[i].Data, tag)
		}
	}
	return out
}

// errorPage is the page served when no build has succeeded yet.
func (b *Builder) errorPage(err error) []byte {
	page := fmt.Appendf(nil, "<!doctype html>\n<meta charset=utf-8>\n<title>zspack dev: build failed</title>\n"+
		"<body><h1>Build failed</h1>\n<pre>%s</pre>\n</body>\n", html.EscapeString(err.Error()))
	if b.Live {
		page = Inject(page, Snippet(0))
	}
	return page
}

// inputs digests everything a build reads: the site files, and every file
// under DIR/.zeroserve/scripts (headers included, not only the .c files).
func inputs(site *build.Site) (map[string][32]byte, error) {
	in := make(map[string][32]byte, len(site.Files)+len(site.Scripts))
	for _, f := range site.Files {
		in[f.Path] = sha256.Sum256(f.Data)
	}
	const scripts = archive.ReservedDir + "/scripts"
	// The directory may be a symlink (build accepts one that stays inside
	// the site): walk where it leads, and name inputs by the path the
	// build sees.
	dir, err := filepath.EvalSymlinks(filepath.Join(site.Dir, filepath.FromSlash(scripts)))
	if errors.Is(err, fs.ErrNotExist) {
		return in, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read scripts: %w", err)
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || Ignored(p) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		in[scripts+"/"+filepath.ToSlash(rel)] = sha256.Sum256(data)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read scripts: %w", err)
	}
	return in, nil
}

func diff(old, cur map[string][32]byte) Changes {
	var c Changes
	for p, h := range cur {
		switch oh, ok := old[p]; {
		case !ok:
			c.Added = append(c.Added, p)
		case oh != h:
			c.Modified = append(c.Modified, p)
		}
	}
	for p := range old {
		if _, ok := cur[p]; !ok {
			c.Removed = append(c.Removed, p)
		}
	}
	slices.Sort(c.Added)
	slices.Sort(c.Removed)
	slices.Sort(c.Modified)
	return c
}

// stylesOnly: changes that a page can take without reloading.
func stylesOnly(c Changes) bool {
	if c.Empty() {
		return false
	}
	for _, p := range c.All() {
		if !strings.EqualFold(filepath.Ext(p), ".css") {
			return false
		}
	}
	return true
}
