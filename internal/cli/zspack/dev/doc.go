// Package dev is `zspack dev DIR`: it builds DIR in memory, serves it with
// the real server, watches DIR and hot-swaps each rebuild into the running
// server while open browser tabs reload themselves. The machinery lives in
// internal/dev; this package is the command line and the terminal output.
package dev
