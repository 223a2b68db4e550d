// Package interp is the reference engine of package vm: an interpreter over
// pre-decoded, specialised instructions.
//
// Compile verifies a vm.Program, binds its helpers by name and translates it
// once into a slice of 16-byte instructions with one internal opcode per
// distinct semantic (class, operation, source, width), immediates extended the
// way the operation needs, jump targets made absolute, lddw merged and the
// budget cost of each basic block attached to the control transfer ending
// it. The result (*Program) is immutable and shared by all instances.
//
// An *Instance holds only per-invocation state: its arena (vm.Arena),
// registers, call frames and budget counters. Run executes one invocation in
// a single function with one dense switch and registers in a local array; it
// allocates nothing per instruction, call or invocation. Instances are reused
// (pool them per worker); an instance is not safe for concurrent use.
//
// Semantics follow RFC 9669 exactly: division by zero yields 0, modulo by
// zero leaves dst (zero-extended for 32-bit), shift counts are masked,
// 32-bit operations zero-extend, INT_MIN / -1 = INT_MIN. Loads are masked
// into the arena; stores and atomics outside the writable window end the
// invocation with vm.ErrStore. Atomics run as plain read-modify-write (an
// instance runs on one goroutine at a time and its arena is private).
package interp
