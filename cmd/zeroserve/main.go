// Command zeroserve serves a site archive built by zspack.
package main

import (
	"os"

	"zeroserve.dev/zeroserve/internal/cli/zeroserve"
)

func main() { os.Exit(zeroserve.Main(os.Args[1:])) }
