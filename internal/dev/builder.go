package dev

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/json"
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

//go:embed client.js
var clientJS []byte

// Status is the body of /.zeroserve-dev/status.json.
type Status struct {
	// Build numbers good builds from 1; 0 means none succeeded yet.
	Build uint64 `json:"build"`
	// Reload is the last good build that needs a full page reload; builds
	// after it only changed stylesheets.
	Reload uint64 `json:"reload"`
	// Error is the message of the last build when it failed.
	Error string `json:"error,omitempty"`
}

// Builder rebuilds one site directory in memory. It is not safe for
// concurrent use; one goroutine drives it.
type Builder struct {
	Dir     string
	Scripts build.ScriptCompiler // nil: sites with scripts fail with build.ErrNoCompiler
	Live    bool                 // inject the live-reload client into HTML pages
	Archive archive.Options      // packing options of good builds

	build, reload uint64
	prev          map[string][32]byte // inputs of the last collected attempt
	prevOK        bool                // the last attempt succeeded
	goodIn        map[string][32]byte // inputs of the last good build
	good          []archive.File      // its files, dev files excluded
	goodScripts   []archive.Script
}

// Outcome is the result of one Build.
type Outcome struct {
	// Archive is the archive to serve now. It is nil when nothing changed
	// since the last build, or when a build failed and there is nothing new
	// to tell the browser (live reload off).
	Archive []byte
	// Build is the number of the good build being served.
	Build uint64
	// Changes lists what changed since the previous attempt.
	Changes Changes
	// StylesOnly: every change since the last good build is a stylesheet;
	// open pages swap their stylesheets instead of reloading.
	StylesOnly bool
	// Err is why the build failed; Archive then holds the last good files.
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
// last good build: the Outcome's Archive then serves its files with the
// error in status.json (live reload) so open pages can show it.
func (b *Builder) Build(ctx context.Context) Outcome {
	site, err := build.Collect(b.Dir, "")
	if err != nil {
		return b.fail(err, Outcome{})
	}
	var out Outcome
	site.Files, out.Warnings = dropReserved(site.Files, site.Warnings)
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
	reload := n
	if out.StylesOnly {
		reload = b.reload
	}
	files := b.pageFiles(site.Files, n)
	packed := *site
	packed.Files = append(slices.Clip(files), b.devFiles(Status{Build: n, Reload: reload})...)
	cc := &capture{inner: b.Scripts}
	var buf bytes.Buffer
	res, err := build.PackSite(ctx, &packed, &buf, build.PackOptions{Scripts: cc.compiler(), Archive: b.Archive})
	if err != nil {
		return b.fail(err, out)
	}
	b.build, b.reload, b.prevOK = n, reload, true
	b.goodIn, b.good, b.goodScripts = in, files, cc.got
	out.Archive, out.Build, out.Stats = buf.Bytes(), n, res.Stats
	out.Files, out.Scripts = len(files), len(cc.got)
	return out
}

// fail records a failed attempt and returns the archive that keeps the
// last good build serving with the error attached.
func (b *Builder) fail(err error, out Outcome) Outcome {
	b.prevOK = false
	out.Err, out.Build, out.StylesOnly = err, b.build, false
	if !b.Live && b.build > 0 {
		return out // nothing new to serve: the running generation stays
	}
	st := Status{Build: b.build, Reload: b.reload, Error: err.Error()}
	files := b.good
	if b.build == 0 {
		files = []archive.File{{Path: "index.html", Data: b.errorPage(err)}}
	}
	// No variants: this archive only exists until the next good build.
	data, _, perr := archive.PackBytes(append(slices.Clip(files), b.devFiles(st)...), b.goodScripts,
		archive.Options{MinCompressSize: -1})
	if perr != nil {
		out.Err = errors.Join(err, fmt.Errorf("pack error page: %w", perr))
		return out
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

// devFiles are the files under the reserved dev prefix.
func (b *Builder) devFiles(st Status) []archive.File {
	js, _ := json.Marshal(st)
	files := []archive.File{{Path: StatusPath, Data: append(js, '\n')}}
	if b.Live {
		files = append(files, archive.File{Path: ClientPath, Data: clientJS})
	}
	return files
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

// dropReserved removes site files under the dev prefix, with a warning.
func dropReserved(files []archive.File, warnings []string) ([]archive.File, []string) {
	kept := files[:0:0]
	for _, f := range files {
		if f.Path == Prefix || strings.HasPrefix(f.Path, Prefix+"/") {
			warnings = append(warnings, fmt.Sprintf("%s is reserved for zspack dev; not serving it", f.Path))
			continue
		}
		kept = append(kept, f)
	}
	return kept, warnings
}

// inputs digests everything a build reads: the site files, and every file
// under DIR/.zeroserve/scripts (headers included, not only the .c files).
func inputs(site *build.Site) (map[string][32]byte, error) {
	in := make(map[string][32]byte, len(site.Files)+len(site.Scripts))
	for _, f := range site.Files {
		in[f.Path] = sha256.Sum256(f.Data)
	}
	dir := filepath.Join(site.Dir, archive.ReservedDir, "scripts")
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return nil
			}
			return err
		}
		if d.IsDir() || Ignored(p) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(site.Dir, p)
		in[filepath.ToSlash(rel)] = sha256.Sum256(data)
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

// capture remembers the compiled scripts of a good build, so that a later
// failed build can repack the last good site without compiling again.
type capture struct {
	inner build.ScriptCompiler
	got   []archive.Script
}

func (c *capture) compiler() build.ScriptCompiler {
	if c.inner == nil {
		return nil
	}
	return c
}

func (c *capture) Compile(ctx context.Context, dir string, src []build.ScriptSource) ([]archive.Script, error) {
	s, err := c.inner.Compile(ctx, dir, src)
	c.got = s
	return s, err
}
