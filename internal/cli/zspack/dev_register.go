package zspack

import (
	"github.com/spf13/cobra"

	"zeroserve.dev/zeroserve/internal/cli"
	"zeroserve.dev/zeroserve/internal/cli/zspack/dev"
)

func init() {
	commands = append(commands, func(io cli.IO) *cobra.Command { return dev.NewCmdDev(io, nil) })
}
