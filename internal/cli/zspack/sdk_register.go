package zspack

import (
	"github.com/spf13/cobra"

	"zeroserve.dev/zeroserve/internal/cli"
	"zeroserve.dev/zeroserve/internal/cli/zspack/sdk"
)

func init() {
	commands = append(commands, func(io cli.IO) *cobra.Command { return sdk.NewCmdSDK(io, nil) })
}
