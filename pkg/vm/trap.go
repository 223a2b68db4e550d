package vm

import (
	"errors"
	"fmt"
)

// TrapCode classifies a trap.
type TrapCode uint8

// Trap codes. Each has a package-level Err value for errors.Is.
const (
	TrapBug       TrapCode = iota + 1 // internal error of the engine (ErrBug)
	TrapStore                         // store outside the writable window (ErrStore)
	TrapBadArg                        // helper argument out of bounds or invalid (ErrBadArg)
	TrapBudget                        // hard instruction budget exhausted (ErrBudget)
	TrapCallDepth                     // bpf-to-bpf call depth exceeded (ErrCallDepth)
	TrapNoHelper                      // dynamic helper index out of range (ErrNoHelper)
	TrapHelper                        // a helper failed with a host error (ErrHelper)
)

var trapNames = [...]string{
	TrapBug: "bug", TrapStore: "store", TrapBadArg: "bad-arg", TrapBudget: "budget",
	TrapCallDepth: "call-depth", TrapNoHelper: "no-helper", TrapHelper: "helper",
}

func (c TrapCode) String() string {
	if int(c) < len(trapNames) && trapNames[c] != "" {
		return trapNames[c]
	}
	return fmt.Sprintf("TrapCode(%d)", c)
}

// Trap is a fault of the guest program: the invocation ended at instruction
// PC. errors.Is(err, ErrX) matches any Trap with the same Code.
type Trap struct {
	Code   TrapCode
	PC     int    // instruction index; -1 when not known
	Reason string // human description
	Line   Line   // source position of PC, when the program carries line info
	Err    error  // underlying host error (TrapHelper), if any
}

// The documented trap values, one per code. They carry PC -1; traps returned
// by an engine are copies with the PC filled in.
var (
	ErrBug       = &Trap{Code: TrapBug, PC: -1, Reason: "BUG: internal engine error"}
	ErrStore     = &Trap{Code: TrapStore, PC: -1, Reason: "store outside the writable window"}
	ErrBadArg    = &Trap{Code: TrapBadArg, PC: -1, Reason: "bad helper argument"}
	ErrBudget    = &Trap{Code: TrapBudget, PC: -1, Reason: "instruction budget exhausted"}
	ErrCallDepth = &Trap{Code: TrapCallDepth, PC: -1, Reason: "call depth exceeded"}
	ErrNoHelper  = &Trap{Code: TrapNoHelper, PC: -1, Reason: "no such helper"}
	ErrHelper    = &Trap{Code: TrapHelper, PC: -1, Reason: "helper failed"}
)

// ErrPending is returned by a helper whose result is not ready: the engine
// suspends the invocation (Status Suspended) and the caller later continues it
// with Resume(result).
var ErrPending = errors.New("vm: helper result pending")

// BadArg returns a TrapBadArg trap with a specific reason, for helpers.
func BadArg(reason string) *Trap {
	return &Trap{Code: TrapBadArg, PC: -1, Reason: reason}
}

func (t *Trap) Error() string {
	s := "vm: trap: " + t.Reason // not raised yet (a helper's error value)
	if t.PC >= 0 {
		s = fmt.Sprintf("vm: trap at insn %d: %s", t.PC, t.Reason)
	}
	if t.Line.Line > 0 {
		s += fmt.Sprintf(" (%s:%d)", t.Line.File, t.Line.Line)
	}
	if t.Err != nil {
		s += ": " + t.Err.Error()
	}
	return s
}

// Is reports whether target is a *Trap with the same Code.
func (t *Trap) Is(target error) bool {
	tt, ok := target.(*Trap)
	return ok && tt.Code == t.Code
}

// Unwrap returns the underlying host error, if any.
func (t *Trap) Unwrap() error { return t.Err }

// TrapAt converts an error that ended an invocation at pc into a *Trap with
// that PC and the source line from p (which may be nil). A *Trap is copied
// with the PC filled in; any other error becomes TrapHelper wrapping it.
// Engines call it on their (rare) failure path.
func TrapAt(err error, pc int, p *Program) *Trap {
	var t Trap
	var inner *Trap
	switch {
	case !errors.As(err, &inner):
		t = Trap{Code: TrapHelper, Reason: ErrHelper.Reason, Err: err}
	case error(inner) == err:
		t = *inner
	default: // a wrapped trap keeps its code and the wrapping message
		t = Trap{Code: inner.Code, Reason: inner.Reason, Err: err}
	}
	t.PC = pc
	if p != nil {
		if l, ok := p.LineAt(pc); ok {
			t.Line = l
		}
	}
	return &t
}
