package scriptc

import (
	"fmt"
	"strings"

	"zeroserve.dev/zeroserve/pkg/vm"
)

// Stage says which step rejected a script.
type Stage string

// Stages of CompileFile.
const (
	StageCompile Stage = "compile" // clang failed; Detail is its output
	StageHelper  Stage = "helper"  // the script calls a helper abi does not know
	StageLoad    Stage = "load"    // the loader rejected the object
	StageVerify  Stage = "verify"  // the verifier rejected the program
)

// Error is a script the build cannot use.
type Error struct {
	Script  string // source path
	Stage   Stage
	Section string  // ELF section, when known
	PC      int     // instruction index, or -1
	Line    vm.Line // C source position, when BTF line info has it
	// Detail is clang's output (StageCompile) or the one-line reason.
	Detail string
	Err    error // the loader's or verifier's error, if any
}

func (e *Error) Error() string {
	if e.Stage == StageCompile {
		return fmt.Sprintf("compile %s:\n%s", e.Script, strings.TrimRight(e.Detail, "\n"))
	}
	var b strings.Builder
	b.WriteString(e.Script)
	if e.Line.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line.Line)
	}
	fmt.Fprintf(&b, ": %s", e.Stage)
	if e.Section != "" {
		fmt.Fprintf(&b, ": section %s", e.Section)
	}
	if e.PC >= 0 {
		fmt.Fprintf(&b, ": insn %d", e.PC)
	}
	fmt.Fprintf(&b, ": %s", e.Detail)
	if t := strings.TrimSpace(e.Line.Text); t != "" {
		fmt.Fprintf(&b, "\n    %d | %s", e.Line.Line, t)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }
