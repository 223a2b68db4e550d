// Package asm encodes and decodes raw eBPF instructions (RFC 9669), names
// their opcodes, formats them for humans and assembles the text format of the
// bpf_conformance test vectors.
//
// An instruction slot is 8 bytes, little endian:
//
//	 0       8      12      16              32                              64
//	+--------+------+-------+---------------+-------------------------------+
//	| opcode | dst  |  src  |    offset     |           immediate           |
//	+--------+------+-------+---------------+-------------------------------+
//
// The opcode is class(3 low bits) plus, for ALU and JMP classes,
// source(1 bit, K=imm or X=register) and operation (4 high bits); for loads
// and stores, size (2 bits) and mode (3 high bits).
//
// Decode and Encode convert between bytes and [vm.Insn]; Assemble turns the
// conformance assembler syntax into instructions; Format renders one
// instruction in the same syntax.
package asm
