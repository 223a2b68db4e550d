package verify

import (
	"fmt"

	"github.com/spf13/cobra"

	"zeroserve.dev/zeroserve/internal/cli"
	"zeroserve.dev/zeroserve/pkg/archive"
)

// Options are the inputs of `zspack verify`.
type Options struct {
	IO   cli.IO
	Path string
	// Scripts, when set, loads and verifies every compiled script (the
	// scripting work plugs its loader and verifier in here).
	Scripts func(archive.Script) error
}

// NewCmdVerify builds the cobra command; runF replaces verifyRun in tests.
func NewCmdVerify(io cli.IO, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io, Scripts: DefaultScriptCheck}
	return &cobra.Command{
		Use:   "verify FILE",
		Short: "Check an archive completely: index against tar, every hash, every variant",
		Args:  cli.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Path = args[0]
			if runF != nil {
				return runF(opts)
			}
			return verifyRun(opts)
		},
	}
}

// DefaultScriptCheck is the script check NewCmdVerify configures; nil until
// the scripting work sets it.
var DefaultScriptCheck func(archive.Script) error

func verifyRun(opts *Options) error {
	r, err := archive.Open(opts.Path)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := r.Verify(); err != nil {
		return fmt.Errorf("%s: %w", opts.Path, err)
	}
	scripts := r.Scripts()
	if opts.Scripts != nil {
		for _, s := range scripts {
			if err := opts.Scripts(s); err != nil {
				return fmt.Errorf("%s: script %s: %w", opts.Path, s.Name, err)
			}
		}
	}
	variants := 0
	for i := range r.Len() {
		variants += int(r.At(i).NVariants)
	}
	fmt.Fprintf(opts.IO.Out, "ok %s: %d files, %d variants, %d scripts\n", opts.Path, r.Len(), variants, len(scripts))
	return nil
}
