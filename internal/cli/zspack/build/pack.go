package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"zeroserve.dev/zeroserve/pkg/archive"
)

// ScriptCompiler turns a site's C scripts into objects. The scripting work
// plugs its clang-and-verify compiler in here.
type ScriptCompiler interface {
	// Compile returns one archive.Script per source, named src[i].Name, or
	// an error naming the file that failed.
	Compile(ctx context.Context, siteDir string, src []ScriptSource) ([]archive.Script, error)
}

// ErrNoCompiler: the site has scripts and no ScriptCompiler is configured.
var ErrNoCompiler = errors.New("script compilation is not available in this zspack yet")

// PackOptions configure Pack.
type PackOptions struct {
	Scripts ScriptCompiler  // nil: a site with scripts fails with ErrNoCompiler
	Archive archive.Options // variants, workers, progress
	Skip    string          // file left out of the site (the output archive)
}

// Result describes a finished pack.
type Result struct {
	Stats    archive.Stats
	Warnings []string
	Skipped  []string // version-control entries left out (Site.Skipped)
}

// Pack collects the site at dir, compiles its scripts and writes the archive
// to out (a file, or a bytes.Buffer for an in-memory build).
func Pack(ctx context.Context, dir string, out io.Writer, opts PackOptions) (Result, error) {
	site, err := Collect(dir, opts.Skip)
	if err != nil {
		return Result{}, err
	}
	return PackSite(ctx, site, out, opts)
}

// PackSite is Pack for a site already collected.
func PackSite(ctx context.Context, site *Site, out io.Writer, opts PackOptions) (Result, error) {
	res := Result{Warnings: site.Warnings, Skipped: site.Skipped}
	scripts, err := compile(ctx, site, opts.Scripts)
	if err != nil {
		return res, err
	}
	res.Stats, err = archive.Pack(out, site.Files, scripts, opts.Archive)
	return res, err
}

func compile(ctx context.Context, site *Site, sc ScriptCompiler) ([]archive.Script, error) {
	if len(site.Scripts) == 0 {
		return nil, nil
	}
	if sc == nil {
		names := make([]string, len(site.Scripts))
		for i, s := range site.Scripts {
			names[i] = s.Name + ".c"
		}
		return nil, fmt.Errorf("%s has %d script(s) in .zeroserve/scripts (%s): %w", site.Dir, len(names), strings.Join(names, ", "), ErrNoCompiler)
	}
	objs, err := sc.Compile(ctx, site.Dir, site.Scripts)
	if err != nil {
		return nil, err
	}
	if len(objs) != len(site.Scripts) {
		return nil, fmt.Errorf("script compiler returned %d objects for %d scripts", len(objs), len(site.Scripts))
	}
	return objs, nil
}
