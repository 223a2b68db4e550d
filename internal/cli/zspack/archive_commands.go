package zspack

import (
	"github.com/spf13/cobra"

	"zeroserve.dev/zeroserve/internal/cli"
	"zeroserve.dev/zeroserve/internal/cli/zspack/build"
	"zeroserve.dev/zeroserve/internal/cli/zspack/inspect"
	"zeroserve.dev/zeroserve/internal/cli/zspack/verify"
)

func init() {
	commands = append(commands,
		func(io cli.IO) *cobra.Command { return build.NewCmdBuild(io, nil) },
		func(io cli.IO) *cobra.Command { return inspect.NewCmdInspect(io, nil) },
		func(io cli.IO) *cobra.Command { return verify.NewCmdVerify(io, nil) },
	)
}
