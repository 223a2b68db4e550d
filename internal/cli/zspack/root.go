// Package zspack is the zspack command tree: build, inspect, verify, sdk, dev.
package zspack

import (
	"github.com/spf13/cobra"

	"zeroserve.dev/zeroserve/internal/cli"
)

// Main runs zspack with args (without the program name) and returns the exit code.
func Main(args []string) int {
	io := cli.SystemIO()
	cmd := NewCmdRoot(io)
	cmd.SetArgs(args)
	return cli.ExitCode(io.ErrOut, cmd.Execute())
}

// NewCmdRoot builds the zspack command tree.
func NewCmdRoot(io cli.IO) *cobra.Command {
	root := &cobra.Command{
		Use:           "zspack",
		Short:         "Pack a site directory into one zeroserve archive",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &cli.FlagError{Err: err}
	})
	for _, add := range commands {
		root.AddCommand(add(io))
	}
	return root
}

// commands lists the subcommand constructors, in help order.
var commands []func(cli.IO) *cobra.Command
