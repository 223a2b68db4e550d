package vm

import (
	"fmt"
	"math"
)

// Helper is a host function callable by guest code. It receives the
// invocation's Call (checked memory access and the caller's context value) and
// the argument registers r1-r5, and returns r0.
//
// A helper returns:
//   - (r0, nil) to continue the guest with r0;
//   - (_, ErrPending) to suspend the invocation; the caller resumes it later
//     with the result;
//   - (_, err) to end the invocation with a trap: a *Trap (ErrBadArg or
//     BadArg(reason) for bad guest arguments) keeps its code, any other error
//     becomes TrapHelper wrapping it.
//
// A helper's work is charged to the invocation's instruction budget: the
// guest memory it reaches through Call.Mem and Call.WritableMem at
// HelperBytesPerInsn, and whatever it adds with Call.Charge (for work not
// proportional to those bytes, such as walking a host-side tree). A helper
// whose cost grows with its arguments must be covered by one of the two.
//
// Helpers must not retain c or slices of guest memory after returning.
type Helper func(c *Call, r1, r2, r3, r4, r5 uint64) (uint64, error)

// Helpers is a host helper table by name. Programs import helpers by name
// (Program.Helpers); engines bind them with Bind when compiling.
type Helpers map[string]Helper

// Bind resolves names against the table, in order.
func (h Helpers) Bind(names []string) ([]Helper, error) {
	out := make([]Helper, len(names))
	for i, n := range names {
		f, ok := h[n]
		if !ok || f == nil {
			return nil, fmt.Errorf("bind helpers: unknown helper %q", n)
		}
		out[i] = f
	}
	return out, nil
}

// HelperBytesPerInsn is the number of bytes of guest memory a helper may
// reach through Call.Mem or Call.WritableMem for the price of one instruction.
const HelperBytesPerInsn = 32

// Call is what a helper sees of the running invocation. Engines own it (one
// per instance, reused: no allocation per call).
type Call struct {
	// Arena is the instance's guest memory.
	Arena *Arena
	// Ctx is the per-invocation host value passed to Run (the request).
	Ctx any
	// PC is the index of the call instruction.
	PC int

	charge uint64 // instructions to add to the budget, see TakeCharge
}

// Mem returns n bytes of guest memory at addr for reading (see Arena.Mem)
// and charges them to the budget.
func (c *Call) Mem(addr, n uint64) ([]byte, error) {
	b, err := c.Arena.Mem(addr, n)
	if err == nil {
		c.Charge(n / HelperBytesPerInsn)
	}
	return b, err
}

// WritableMem returns n writable bytes at addr (see Arena.WritableMem) and
// charges them to the budget.
func (c *Call) WritableMem(addr, n uint64) ([]byte, error) {
	b, err := c.Arena.WritableMem(addr, n)
	if err == nil {
		c.Charge(n / HelperBytesPerInsn)
	}
	return b, err
}

// Charge adds n instructions to the invocation's budget, for helper work
// that Mem and WritableMem do not account for.
func (c *Call) Charge(n uint64) { c.charge = min(c.charge+min(n, maxCharge), maxCharge) }

const maxCharge = math.MaxInt64 / 4 // so that engines can add it to an int64 budget

// TakeCharge returns the instructions charged since the last TakeCharge
// (at most MaxInt64/4) and resets the count. Engines call it after
// every helper call and subtract the result from the budget.
func (c *Call) TakeCharge() uint64 {
	n := c.charge
	c.charge = 0
	return n
}
