package dev

import (
	"fmt"
	"io"
	"strings"
	"time"

	"zeroserve.dev/zeroserve/internal/cli/zspack/build"
	"zeroserve.dev/zeroserve/internal/dev"
)

// printer writes what a person watching the terminal wants to see: the
// URL, one line per rebuild, errors in colour on a terminal.
type printer struct {
	out, errOut io.Writer
	color       bool
}

func newPrinter(opts *Options) *printer {
	return &printer{
		out:    opts.IO.Out,
		errOut: opts.IO.ErrOut,
		color:  opts.IO.Terminal && opts.Getenv("NO_COLOR") == "",
	}
}

// ANSI SGR codes.
const (
	red    = "31"
	green  = "32"
	yellow = "33"
	bold   = "1"
	dim    = "2"
)

func (p *printer) paint(code, s string) string {
	if !p.color {
		return s
	}
	return "\033[" + code + "m" + s + "\033[0m"
}

func (p *printer) serving(dir, url, transport string, n int) {
	nw := workers(n)
	unit := "workers"
	if nw == 1 {
		unit = "worker"
	}
	fmt.Fprintf(p.out, "serving %s at %s (%s, %d %s)\n", dir, p.paint(bold, url), transport, nw, unit)
	fmt.Fprintln(p.out, p.paint(dim, "watching for changes; Ctrl-C to stop"))
}

// certificate prints the fingerprint of --tls's throwaway certificate, so
// the browser's warning can be checked against it.
func (p *printer) certificate(fingerprint string) {
	fmt.Fprintf(p.out, "throwaway TLS certificate, SHA-256 %s\n", fingerprint)
}

func (p *printer) warn(msg string) {
	fmt.Fprintf(p.errOut, "%s %s\n", p.paint(yellow, "warning:"), msg)
}

// serverLog is where the server's own warnings go.
func (p *printer) serverLog() io.Writer { return &prefixWriter{w: p.errOut, prefix: "server: "} }

// outcome prints one build: verb is "built" for the first one.
func (p *printer) outcome(o dev.Outcome, took time.Duration, verb string) {
	for _, w := range o.Warnings {
		p.warn(w)
	}
	ms := took.Round(time.Millisecond)
	if o.Err != nil {
		still := "nothing to serve yet"
		if o.Build > 0 {
			still = fmt.Sprintf("still serving build %d", o.Build)
		}
		fmt.Fprintf(p.errOut, "%s in %s (%s):\n", p.paint(red+";"+bold, "build failed"), ms, still)
		fmt.Fprintln(p.errOut, p.paint(red, indent(o.Err.Error())))
		return
	}
	what := changeList(o.Changes)
	if what == "" {
		what = "no content changes"
	}
	if verb == "built" {
		what = fmt.Sprintf("%d files, %s", o.Files, build.Bytes(o.Stats.Bytes))
		switch {
		case o.Scripts == 1:
			what += ", 1 script"
		case o.Scripts > 1:
			what += fmt.Sprintf(", %d scripts", o.Scripts)
		}
	}
	extra := ""
	if o.StylesOnly {
		extra = ", styles only"
	}
	fmt.Fprintf(p.out, "%s in %s: %s %s\n", p.paint(green, verb), ms, what, p.paint(dim, fmt.Sprintf("(build %d%s)", o.Build, extra)))
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

// prefixWriter prefixes each line written to it.
type prefixWriter struct {
	w      io.Writer
	prefix string
}

func (pw *prefixWriter) Write(b []byte) (int, error) {
	lines := strings.SplitAfter(string(b), "\n")
	var sb strings.Builder
	for _, l := range lines {
		if l != "" {
			sb.WriteString(pw.prefix + l)
		}
	}
	if _, err := io.WriteString(pw.w, sb.String()); err != nil {
		return 0, err
	}
	return len(b), nil
}
