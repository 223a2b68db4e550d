// Package cli holds what the zspack and zeroserve command trees share: the
// IO streams commands write to, and the error kinds Main turns into exit codes.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// IO are the streams a command reads and writes; tests inject buffers.
type IO struct {
	In       io.Reader
	Out      io.Writer
	ErrOut   io.Writer
	Terminal bool // Out is a terminal: progress bars and colour allowed
}

// SystemIO returns the process's standard streams.
func SystemIO() IO {
	fi, err := os.Stdout.Stat()
	term := err == nil && fi.Mode()&os.ModeCharDevice != 0
	return IO{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, Terminal: term}
}

// FlagError is a usage mistake: Main prints it with the command's usage.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// SilentError only sets the exit code; the command already printed why.
var SilentError = errors.New("silent error")

// ExitCode prints err once, at the top, and returns the process exit code.
func ExitCode(stderr io.Writer, err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, SilentError):
		return 1
	}
	var fe *FlagError
	if errors.As(err, &fe) {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 2
	}
	fmt.Fprintf(stderr, "error: %v\n", err)
	return 1
}

// ExactArgs is cobra.ExactArgs reported as a usage mistake (a FlagError,
// exit status 2).
func ExactArgs(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(c, args); err != nil {
			return &FlagError{Err: err}
		}
		return nil
	}
}
