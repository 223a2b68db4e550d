// Package zeroserve is the zeroserve runtime's command line.
package zeroserve

import (
	"errors"

	"zeroserve.dev/zeroserve/internal/cli"
)

// Main runs zeroserve with args (without the program name) and returns the exit code.
func Main(args []string) int {
	io := cli.SystemIO()
	return cli.ExitCode(io.ErrOut, errors.New("zeroserve: the runtime is not built yet"))
}
