// Package sdk is the `zspack sdk` command: it prints the C SDK header
// zeroserve.h, so a script author needs nothing but zspack.
package sdk

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"zeroserve.dev/zeroserve/internal/cli"
	zsdk "zeroserve.dev/zeroserve/sdk"
)

// Options are the inputs of `zspack sdk`.
type Options struct {
	IO     cli.IO
	Output string // write the header to this file instead of IO.Out
}

// NewCmdSDK builds the command; runF replaces sdkRun in tests.
func NewCmdSDK(io cli.IO, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	cmd := &cobra.Command{
		Use:   "sdk [-o FILE]",
		Short: "Print the C SDK header zeroserve.h",
		Long: `Print the C SDK header zeroserve.h for writing request scripts.

The header is self-contained (no libc) and declares every helper a script can
call. zspack build puts the same header on clang's include path, so scripts
only need #include "zeroserve.h"; save it with -o for your editor.`,
		Example: "  zspack sdk -o zeroserve.h",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return sdkRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "write the header to `FILE` instead of standard output")
	return cmd
}

func sdkRun(opts *Options) error {
	if opts.Output == "" {
		_, err := opts.IO.Out.Write(zsdk.Header())
		return err
	}
	if err := os.WriteFile(opts.Output, zsdk.Header(), 0o644); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	return nil
}
