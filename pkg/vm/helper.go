package vm

import "fmt"

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

// Call is what a helper sees of the running invocation. Engines own it (one
// per instance, reused: no allocation per call).
type Call struct {
	// Arena is the instance's guest memory.
	Arena *Arena
	// Ctx is the per-invocation host value passed to Run (the request).
	Ctx any
	// PC is the index of the call instruction.
	PC int
}

// Mem returns n bytes of guest memory at addr for reading (see Arena.Mem).
func (c *Call) Mem(addr, n uint64) ([]byte, error) { return c.Arena.Mem(addr, n) }

// WritableMem returns n writable bytes at addr (see Arena.WritableMem).
func (c *Call) WritableMem(addr, n uint64) ([]byte, error) { return c.Arena.WritableMem(addr, n) }
