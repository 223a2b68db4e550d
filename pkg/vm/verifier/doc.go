// Package verifier performs the static checks that make a vm.Program safe to
// hand to an engine, in time linear in the program size (no path
// exploration).
//
// Verify checks every instruction against the RFC 9669 ISA (including v4:
// sdiv/smod, movsx, sign-extending loads, bswap, gotol, atomics) with all
// reserved fields zero, lddw pairs (second slot zeroed, src=0 only, i.e. no
// unresolved pseudo loads), jump targets inside their function and not into
// an lddw's second slot, no write to r10, functions ending in exit or an
// unconditional jump, local calls targeting function starts, an acyclic call
// graph at most vm.MaxFrames deep, helper indexes within Program.Helpers and
// at most MaxInsns instructions.
//
// What the verifier cannot decide (memory addresses, termination) is enforced
// at run time by the engines: the arena masks loads and checks stores, and the
// instruction budget bounds execution.
//
// A rejection is an *Error with the instruction index, a one-line reason and
// a disassembly excerpt.
package verifier
