// Package vm defines the script VM's contracts: the linked program image
// (Program, from package loader), guest memory (Arena), traps (Trap), host
// helpers (Helper, Helpers, Call), limits (Limits) and the engine interfaces
// (Engine, Executable, Instance) implemented by package interp.
//
// Pipeline and lifetimes:
//
//	loader.Load(obj)            -> *vm.Program      (immutable after loading)
//	interp.Compile(p, h, limits) -> *interp.Program  (verifies; immutable, shared)
//	prog.Instantiate()           -> *interp.Instance (own Arena; one goroutine at a time)
//	inst.Run(entry, ctx, input)  -> r0, Status, error
//
// An invocation ends with Status Done (r0 is the result) or an error: a *Trap
// for guest faults (store outside the writable window, bad helper argument,
// budget exhausted, ...), never a host panic. It may also pause: Yielded when
// the per-slice instruction budget runs out, Suspended when a helper returns
// ErrPending; Resume continues it, Cancel abandons it. Instances are reused:
// every Run first restores the writable memory (.data, .bss, scratch, stack)
// that the previous invocation dirtied.
//
// Guest pointers are offsets into the power-of-two arena (layout at
// ImageBase). Loads are masked into it; stores must hit the writable window.
// Helpers reach guest memory only through Call.Mem and Call.WritableMem, which
// check bounds and return subslices without copying.
package vm
