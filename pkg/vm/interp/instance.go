package interp

import (
	"errors"
	"fmt"
	"math"

	"zeroserve.dev/zeroserve/pkg/vm"
)

// Errors of the invocation lifecycle (not traps).
var (
	ErrBusy      = errors.New("interp: instance has an invocation in progress")
	ErrNotPaused = errors.New("interp: no yielded or suspended invocation to resume")
	ErrEntry     = errors.New("interp: entry is not the start of a function")
)

type state uint8

const (
	idle state = iota
	running
	yielded
	suspended
)

type frame struct {
	ret                int
	r6, r7, r8, r9, fp uint64
}

// Instance runs invocations of a Program, one at a time.
type Instance struct {
	prog  *Program
	arena *vm.Arena
	call  vm.Call

	regs   [16]uint64
	pc     int
	depth  int
	frames [vm.MaxFrames]frame
	state  state

	used  int64 // instructions charged in finished slices of this invocation
	slice int64 // budget of the current slice when it started
}

// Instantiate creates an instance with its own arena.
func (c *Program) Instantiate() (*Instance, error) {
	a, err := vm.NewArena(c.prog, c.memory)
	if err != nil {
		return nil, err
	}
	in := &Instance{prog: c, arena: a}
	in.call.Arena = a
	return in, nil
}

// NewInstance implements vm.Executable.
func (c *Program) NewInstance() (vm.Instance, error) { return c.Instantiate() }

// Arena returns the instance's guest memory.
func (in *Instance) Arena() *vm.Arena { return in.arena }

// Close releases the arena.
func (in *Instance) Close() error {
	if in.state == running {
		return ErrBusy
	}
	in.state = idle
	in.call.Ctx = nil
	return in.arena.Close()
}

// Run starts an invocation of the function at instruction index entry (see
// vm.Instance.Run).
func (in *Instance) Run(entry int, ctx any, input []byte) (uint64, vm.Status, error) {
	switch {
	case in.state != idle:
		return 0, 0, ErrBusy
	case in.arena.Size() == 0:
		return 0, 0, vm.ErrClosed
	case entry < 0 || entry >= len(in.prog.start) || !in.prog.start[entry]:
		return 0, 0, fmt.Errorf("run entry %d: %w", entry, ErrEntry)
	}
	in.arena.Reset()
	var addr uint64
	if input != nil {
		var err error
		if addr, err = in.arena.PutInput(input); err != nil {
			return 0, 0, err
		}
	}
	in.regs = [16]uint64{1: addr, 2: uint64(len(input)), 10: in.arena.Size()}
	in.pc, in.depth, in.used = entry, 0, 0
	in.call.Ctx = ctx
	in.state = running
	return in.start()
}

// Resume continues a Yielded or Suspended invocation. For a Suspended one,
// r0 is the result of the helper that returned vm.ErrPending.
func (in *Instance) Resume(r0 uint64) (uint64, vm.Status, error) {
	switch in.state {
	case suspended:
		in.regs[0] = r0
	case yielded:
	case running:
		return 0, 0, ErrBusy
	default:
		return 0, 0, ErrNotPaused
	}
	in.state = running
	return in.start()
}

// Cancel abandons a Yielded or Suspended invocation and releases its
// context. It does nothing to an idle or running instance.
func (in *Instance) Cancel() {
	if in.state != yielded && in.state != suspended {
		return
	}
	in.state = idle
	in.depth = 0
	in.call.Ctx = nil
}

// Used returns the instructions charged so far to the current or last
// invocation.
func (in *Instance) Used() uint64 { return uint64(in.used) }

// start runs one slice and turns a host panic (a bug: the interpreter cannot
// fault on guest input) into a TrapBug.
func (in *Instance) start() (r0 uint64, st vm.Status, err error) {
	defer func() {
		if p := recover(); p != nil {
			t := vm.TrapAt(vm.ErrBug, in.pc, in.prog.prog)
			t.Reason = fmt.Sprintf("BUG: panic: %v", p)
			r0, st, err = 0, vm.Done, t
			in.finish()
		}
	}()
	left := int64(min(in.prog.limits.Budget, math.MaxInt64/2)) - in.used
	if left < 0 {
		// A helper that returned pending charged the call past the hard
		// budget; without a control transfer to check it, a chain of such
		// calls would run on, so the check is made here.
		in.finish()
		return 0, vm.Done, vm.TrapAt(vm.ErrBudget, in.pc, in.prog.prog)
	}
	if s := in.prog.limits.Slice; s > 0 && int64(min(s, math.MaxInt64/2)) < left {
		left = int64(s)
	}
	in.slice = left
	return in.exec(left)
}

// finish ends an invocation: the instance becomes idle and drops ctx.
func (in *Instance) finish() {
	in.state = idle
	in.call.Ctx = nil
	in.call.TakeCharge() // left over when a helper panicked
}

// outOfBudget is reached when the slice counter went negative at a control
// transfer at insn at; pc is where to continue.
//
//go:noinline
func (in *Instance) outOfBudget(r *[16]uint64, at, pc int, left int64) (uint64, vm.Status, error) {
	in.used += in.slice - left
	if in.used > int64(min(in.prog.limits.Budget, math.MaxInt64/2)) {
		in.finish()
		return 0, vm.Done, vm.TrapAt(vm.ErrBudget, at, in.prog.prog)
	}
	in.regs, in.pc, in.state = *r, pc, yielded
	return 0, vm.Yielded, nil
}

// helperError handles a helper's error at the call instruction pc: pending
// suspends, anything else is a trap.
//
//go:noinline
func (in *Instance) helperError(err error, r *[16]uint64, pc int, left int64) (uint64, vm.Status, error) {
	if errors.Is(err, vm.ErrPending) {
		in.used += in.slice - left
		in.regs, in.pc, in.state = *r, pc+1, suspended
		return 0, vm.Suspended, nil
	}
	in.finish()
	return 0, vm.Done, vm.TrapAt(err, pc, in.prog.prog)
}

// fault ends the invocation with trap t at pc.
//
//go:noinline
func (in *Instance) fault(t *vm.Trap, pc int, format string, args ...any) (uint64, vm.Status, error) {
	in.finish()
	tr := vm.TrapAt(t, pc, in.prog.prog)
	if format != "" {
		tr.Reason = fmt.Sprintf(format, args...)
	}
	return 0, vm.Done, tr
}

//go:noinline
func (in *Instance) storeFault(pc int, addr uint64, n int) (uint64, vm.Status, error) {
	return in.fault(vm.ErrStore, pc, "store of %d bytes at %#x outside the writable window [%#x, %#x)",
		n, addr, in.arena.WritableBase(), in.arena.Size())
}
