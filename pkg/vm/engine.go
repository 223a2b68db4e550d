package vm

import "fmt"

// Status is the state in which Run or Resume returned without error.
type Status uint8

const (
	// Done: the entry function exited; r0 is its result.
	Done Status = iota
	// Yielded: the slice budget ran out. Call Resume (its argument is
	// ignored) to continue, or Cancel.
	Yielded
	// Suspended: a helper returned ErrPending. Call Resume(result) to
	// continue with result as the helper's r0, or Cancel.
	Suspended
)

func (s Status) String() string {
	switch s {
	case Done:
		return "done"
	case Yielded:
		return "yielded"
	case Suspended:
		return "suspended"
	}
	return fmt.Sprintf("Status(%d)", s)
}

// Default budgets, in instructions.
const (
	DefaultBudget = 1 << 24
)

// Limits configures one compiled program's instances. The zero value means
// the defaults.
type Limits struct {
	// Budget is the hard limit of instructions per invocation (summed over
	// all its slices); exceeding it ends the invocation with ErrBudget.
	// 0 means DefaultBudget.
	Budget uint64
	// Slice is the number of instructions after which Run or Resume returns
	// Yielded so the caller can run other work; 0 means no slicing.
	Slice uint64
	// Memory is the arena size (a power of two); 0 means
	// MinArenaSize(program, DefaultScratch).
	Memory uint64
}

// WithDefaults returns l with zero fields replaced by defaults.
func (l Limits) WithDefaults() Limits {
	if l.Budget == 0 {
		l.Budget = DefaultBudget
	}
	return l
}

// Engine compiles verified programs for execution.
type Engine interface {
	// Compile verifies p, binds its helpers by name against h (an unknown
	// name is an error naming it) and prepares it for execution.
	Compile(p *Program, h Helpers, l Limits) (Executable, error)
}

// Executable is a compiled program, immutable and safe for concurrent use.
type Executable interface {
	// Entry returns the instruction index of the named entry point.
	Entry(name string) (int, bool)
	// NewInstance creates an instance with its own arena.
	NewInstance() (Instance, error)
}

// Instance runs invocations of an Executable one at a time. It is not safe
// for concurrent use; pool instances per worker and reuse them.
type Instance interface {
	// Run starts the function at instruction index entry. ctx is passed to
	// helpers (Call.Ctx). The writable memory is reset first; input is then
	// copied to the scratch area, with r1 = its address and r2 = its length
	// (r1 = r2 = 0 when input is nil).
	Run(entry int, ctx any, input []byte) (r0 uint64, st Status, err error)
	// Resume continues a Yielded or Suspended invocation; for Suspended, r0
	// is the result of the pending helper.
	Resume(r0 uint64) (uint64, Status, error)
	// Cancel abandons a Yielded or Suspended invocation.
	Cancel()
	// Arena returns the instance's guest memory.
	Arena() *Arena
	// Close releases the arena.
	Close() error
}
