// Command zspack packs a site directory into one zeroserve archive.
package main

import (
	"os"

	"zeroserve.dev/zeroserve/internal/cli/zspack"
)

func main() { os.Exit(zspack.Main(os.Args[1:])) }
