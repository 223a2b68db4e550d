package inspect

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"zeroserve.dev/zeroserve/internal/cli"
	"zeroserve.dev/zeroserve/pkg/abi"
	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/vm/loader"
)

// Options are the inputs of `zspack inspect`.
type Options struct {
	IO   cli.IO
	Path string
	JSON bool
}

// NewCmdInspect builds the cobra command; runF replaces inspectRun in tests.
func NewCmdInspect(io cli.IO, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	cmd := &cobra.Command{
		Use:   "inspect FILE",
		Short: "List an archive's index: paths, sizes, types, ETags, variants, scripts",
		Args:  cli.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Path = args[0]
			if runF != nil {
				return runF(opts)
			}
			return inspectRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON instead of a table")
	return cmd
}

// Listing is the JSON form of an archive's index.
type Listing struct {
	Archive string   `json:"archive"`
	Size    int64    `json:"size"`
	Entries []Entry  `json:"entries"`
	Scripts []Script `json:"scripts"`
}

// Entry is one site file in a Listing.
type Entry struct {
	Path        string    `json:"path"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type"`
	ETag        string    `json:"etag"`
	ModTime     string    `json:"mtime"` // RFC 3339, UTC
	Flags       []string  `json:"flags"`
	Variants    []Variant `json:"variants"`
}

// Variant is one precompressed form in a Listing.
type Variant struct {
	Encoding string `json:"encoding"`
	Size     int64  `json:"size"`
	ETag     string `json:"etag"`
}

// Script is one compiled script in a Listing: what the VM's loader reads
// from its object. Sections and Helpers are sorted; when the object does not
// load, Error says why and the other lists are empty.
type Script struct {
	Name      string   `json:"name"`
	Size      int      `json:"size"`
	Sections  []string `json:"sections"`  // entry sections, e.g. "zeroserve.request"
	Helpers   []string `json:"helpers"`   // imported host helpers, e.g. "zs_respond"
	Functions int      `json:"functions"` // BPF functions, entries included
	Error     string   `json:"error,omitempty"`
}

func inspectRun(opts *Options) error {
	r, err := archive.Open(opts.Path)
	if err != nil {
		return err
	}
	defer r.Close()
	l := List(opts.Path, r)
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(l)
	}
	return printTable(opts.IO.Out, l)
}

// List converts an open archive's index into a Listing.
func List(name string, r *archive.Reader) Listing {
	l := Listing{Archive: name, Size: r.Size(), Entries: []Entry{}, Scripts: []Script{}}
	for i := range r.Len() {
		e := r.At(i)
		le := Entry{
			Path: e.Path, Size: e.Size, ContentType: e.ContentType, ETag: e.ETag,
			ModTime:  time.Unix(e.ModTime, 0).UTC().Format(time.RFC3339),
			Flags:    flagNames(e.Flags),
			Variants: []Variant{},
		}
		for _, v := range e.Variants[:e.NVariants] {
			le.Variants = append(le.Variants, Variant{Encoding: v.Encoding.Token(), Size: v.Size, ETag: v.ETag})
		}
		l.Entries = append(l.Entries, le)
	}
	for _, s := range r.Scripts() {
		l.Scripts = append(l.Scripts, describeScript(s))
	}
	return l
}

// describeScript links a script's object with the VM's loader (against the
// helper table of package abi) to learn its entry sections and imports. It
// does not run the verifier: a script that loads but would not verify is
// listed; `zspack verify` is the check that fails.
func describeScript(s archive.Script) Script {
	ls := Script{Name: s.Name, Size: len(s.Object), Sections: []string{}, Helpers: []string{}}
	p, err := loader.Load(s.Object, loader.Options{Helpers: abi.Known})
	if err != nil {
		ls.Error = err.Error()
		return ls
	}
	for sec := range p.Entries {
		ls.Sections = append(ls.Sections, sec)
	}
	slices.Sort(ls.Sections)
	ls.Helpers = append(ls.Helpers, p.Helpers...)
	slices.Sort(ls.Helpers)
	ls.Helpers = slices.Compact(ls.Helpers)
	ls.Functions = len(p.Funcs)
	return ls
}

func flagNames(f archive.Flags) []string {
	out := []string{}
	for _, n := range []struct {
		f    archive.Flags
		name string
	}{{archive.FlagHTML, "html"}, {archive.FlagTemplate, "template"}, {archive.FlagHashedName, "hashed-name"}} {
		if f&n.f != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

func printTable(w io.Writer, l Listing) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PATH\tSIZE\tTYPE\tETAG\tMTIME\tVARIANTS\tFLAGS")
	for _, e := range l.Entries {
		var vs []string
		for _, v := range e.Variants {
			vs = append(vs, fmt.Sprintf("%s:%d", v.Encoding, v.Size))
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", e.Path, e.Size, e.ContentType, e.ETag, e.ModTime, orDash(strings.Join(vs, " ")), orDash(strings.Join(e.Flags, ",")))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d files, %d scripts, %d bytes\n", len(l.Entries), len(l.Scripts), l.Size)
	if len(l.Scripts) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "SCRIPT\tSIZE\tSECTIONS\tHELPERS")
		for _, s := range l.Scripts {
			if s.Error != "" {
				fmt.Fprintf(tw, "%s\t%d\t-\terror: %s\n", s.Name, s.Size, oneLine(s.Error))
				continue
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", s.Name, s.Size, orDash(strings.Join(s.Sections, ",")), orDash(strings.Join(s.Helpers, ",")))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// oneLine keeps a table row on one line whatever an error message holds.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
