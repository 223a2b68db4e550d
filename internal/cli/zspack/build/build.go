package build

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"zeroserve.dev/zeroserve/internal/cli"
	"zeroserve.dev/zeroserve/pkg/archive"
)

// DefaultOutput is where `zspack build` writes when -o is not given.
const DefaultOutput = "site.zs.tar"

// progressMin is the smallest site that gets a progress bar.
const progressMin = 200

// Options are the inputs of `zspack build`.
type Options struct {
	IO      cli.IO
	Now     func() time.Time // clock for the elapsed time in the summary
	Scripts ScriptCompiler   // nil until the scripting work provides one

	Dir    string
	Output string
	Quiet  bool
}

// NewCmdBuild builds the cobra command; runF replaces buildRun in tests.
func NewCmdBuild(io cli.IO, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io, Now: time.Now, Scripts: DefaultCompiler}
	cmd := &cobra.Command{
		Use:   "build DIR",
		Short: "Pack a site directory into one archive",
		Long: `Pack DIR into one pre-indexed tar archive: every file, precompressed
variants (br, zstd, gzip) of compressible files, and compiled scripts from
DIR/.zeroserve/scripts. The same input gives the same bytes.`,
		Args: cli.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Dir = args[0]
			if runF != nil {
				return runF(opts)
			}
			return buildRun(c.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", DefaultOutput, "archive file to write")
	cmd.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, "print nothing but warnings and errors")
	return cmd
}

// DefaultCompiler is the compiler NewCmdBuild configures. It is nil until
// script compilation exists; the scripting work sets it (from an init
// function in its own file) so every entry point picks it up.
var DefaultCompiler ScriptCompiler

func buildRun(ctx context.Context, opts *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	start := opts.Now()
	out := opts.Output
	if out == "" {
		out = DefaultOutput
	}
	site, err := Collect(opts.Dir, out)
	if err != nil {
		return err
	}
	// Write beside the output and rename: a failed build leaves no partial
	// archive, and a server reloading the old one never sees a torn file.
	f, err := os.CreateTemp(filepath.Dir(out), ".zspack-*.tmp")
	if err != nil {
		return fmt.Errorf("create output: %w", err)
	}
	defer os.Remove(f.Name())
	bar := newProgress(opts.IO, opts.Quiet)
	res, err := PackSite(ctx, site, f, PackOptions{
		Scripts: opts.Scripts,
		Archive: archive.Options{Progress: bar.update},
	})
	bar.done()
	for _, w := range res.Warnings {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", w)
	}
	if err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := os.Rename(f.Name(), out); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if !opts.Quiet {
		printSummary(opts.IO.Out, opts.Dir, out, res, opts.Now().Sub(start))
	}
	return nil
}

func printSummary(w io.Writer, dir, out string, res Result, took time.Duration) {
	st := res.Stats
	fmt.Fprintf(w, "packed %s -> %s\n", dir, out)
	fmt.Fprintf(w, "  files     %d (%s)\n", st.Files, Bytes(st.Bytes))
	printSkipped(w, res.Skipped)
	if st.Scripts > 0 {
		fmt.Fprintf(w, "  scripts   %d (%s)\n", st.Scripts, Bytes(st.ScriptBytes))
	}
	var parts []string
	for _, enc := range []archive.Encoding{archive.Brotli, archive.Zstd, archive.Gzip} {
		if es := st.ByEncoding[enc]; es.Count > 0 {
			parts = append(parts, fmt.Sprintf("%s %d (saves %s)", enc.Token(), es.Count, Bytes(es.Saved)))
		}
	}
	if len(parts) == 0 {
		parts = []string{"none"}
	}
	fmt.Fprintf(w, "  variants  %d: %s\n", st.Variants, strings.Join(parts, ", "))
	fmt.Fprintf(w, "  archive   %s (index %s)\n", Bytes(st.ArchiveBytes), Bytes(st.IndexBytes))
	fmt.Fprintf(w, "  time      %s\n", took.Round(time.Millisecond))
}

// skippedShown is how many skipped paths the summary names.
const skippedShown = 3

// printSkipped prints the summary line for version-control entries left
// out, naming the first few; nothing when there are none.
func printSkipped(w io.Writer, skipped []string) {
	if len(skipped) == 0 {
		return
	}
	names := strings.Join(skipped[:min(len(skipped), skippedShown)], ", ")
	if n := len(skipped) - skippedShown; n > 0 {
		names += fmt.Sprintf(", and %d more", n)
	}
	fmt.Fprintf(w, "  skipped   %d (version control): %s\n", len(skipped), names)
}

// Bytes formats a byte count for people: 512 B, 1.5 KiB, 3.2 MiB.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, suffix := float64(n)/unit, "KiB"
	for _, s := range []string{"MiB", "GiB", "TiB"} {
		if v < unit {
			break
		}
		v, suffix = v/unit, s
	}
	return fmt.Sprintf("%.1f %s", v, suffix)
}

// progress draws a one-line bar on a terminal for large sites.
type progress struct {
	w    io.Writer
	on   bool
	last int // last percentage drawn
	drew bool
}

func newProgress(io cli.IO, quiet bool) *progress {
	return &progress{w: io.ErrOut, on: io.Terminal && !quiet, last: -1}
}

func (p *progress) update(done, total int) {
	if !p.on || total < progressMin {
		return
	}
	pct := done * 100 / total
	if pct == p.last {
		return
	}
	p.last, p.drew = pct, true
	const width = 30
	fill := pct * width / 100
	fmt.Fprintf(p.w, "\rpacking [%s%s] %3d%% %d/%d files", strings.Repeat("#", fill), strings.Repeat(".", width-fill), pct, done, total)
}

func (p *progress) done() {
	if p.drew {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
