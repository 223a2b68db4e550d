package asm

import (
	"fmt"

	"zeroserve.dev/zeroserve/pkg/vm"
)

var aluNames = [16]string{"add", "sub", "mul", "div", "or", "and", "lsh", "rsh", "neg", "mod", "xor", "mov", "arsh", "end", "", ""}

var jmpNames = [16]string{"ja", "jeq", "jgt", "jge", "jset", "jne", "jsgt", "jsge", "call", "exit", "jlt", "jle", "jslt", "jsle", "", ""}

var sizeNames = [4]string{"w", "h", "b", "dw"}

var atomicNames = map[int32]string{
	AtomicAdd: "add", AtomicOr: "or", AtomicAnd: "and", AtomicXor: "xor",
	AtomicAdd | AtomicFetch: "fetch add", AtomicOr | AtomicFetch: "fetch or",
	AtomicAnd | AtomicFetch: "fetch and", AtomicXor | AtomicFetch: "fetch xor",
	AtomicXchg: "xchg", AtomicCmpXchg: "cmpxchg",
}

// Format renders one instruction in the conformance assembler syntax, with
// jump targets as relative offsets. For lddw, next is the second slot;
// otherwise it is ignored. Encodings with no mnemonic are shown as raw fields.
func Format(in, next vm.Insn) string {
	r := func(n uint8) string { return fmt.Sprintf("%%r%d", n) }
	mem := func(n uint8, off int16) string { return fmt.Sprintf("[%%r%d%+d]", n, off) }
	op := in.Op
	switch Class(op) {
	case ClassALU, ClassALU64:
		sfx := ""
		if Class(op) == ClassALU {
			sfx = "32"
		}
		name := aluNames[op>>4]
		switch {
		case op == OpLE:
			return fmt.Sprintf("le%d %s", in.Imm, r(in.Dst))
		case op == OpBE:
			return fmt.Sprintf("be%d %s", in.Imm, r(in.Dst))
		case op == OpBswap:
			return fmt.Sprintf("bswap%d %s", in.Imm, r(in.Dst))
		case op&0xf0 == ALUNeg:
			return fmt.Sprintf("neg%s %s", sfx, r(in.Dst))
		case op&0xf0 == ALUMov && op&SrcX != 0 && in.Off != 0:
			to := "64"
			if Class(op) == ClassALU {
				to = "32"
			}
			return fmt.Sprintf("movsx%d%s %s, %s", in.Off, to, r(in.Dst), r(in.Src))
		case (op&0xf0 == ALUDiv || op&0xf0 == ALUMod) && in.Off == 1:
			name = "s" + name
		}
		if name == "" || name == "end" {
			break
		}
		if op&SrcX != 0 {
			return fmt.Sprintf("%s%s %s, %s", name, sfx, r(in.Dst), r(in.Src))
		}
		return fmt.Sprintf("%s%s %s, %d", name, sfx, r(in.Dst), in.Imm)
	case ClassJMP, ClassJMP32:
		sfx := ""
		if Class(op) == ClassJMP32 {
			sfx = "32"
		}
		switch {
		case op == OpExit:
			return "exit"
		case op == OpCall && in.Src == CallLocal:
			return fmt.Sprintf("call local %+d", in.Imm)
		case op == OpCall && in.Src == CallBTF:
			return fmt.Sprintf("call runtime %d", in.Imm)
		case op == OpCall:
			return fmt.Sprintf("call %d", in.Imm)
		case op == OpCallX:
			return "call " + r(in.Dst)
		case op == OpJA:
			return fmt.Sprintf("ja %+d", in.Off)
		case op == OpJA32:
			return fmt.Sprintf("ja32 %+d", in.Imm)
		}
		name := jmpNames[op>>4]
		if name == "" || op&0xf0 == JmpCall || op&0xf0 == JmpExit || op&0xf0 == JmpJA {
			break
		}
		if op&SrcX != 0 {
			return fmt.Sprintf("%s%s %s, %s, %+d", name, sfx, r(in.Dst), r(in.Src), in.Off)
		}
		return fmt.Sprintf("%s%s %s, %d, %+d", name, sfx, r(in.Dst), in.Imm, in.Off)
	case ClassLD:
		if op == OpLDDW {
			return fmt.Sprintf("lddw %s, %#x", r(in.Dst), uint64(uint32(in.Imm))|uint64(uint32(next.Imm))<<32)
		}
	case ClassLDX:
		s := sizeNames[op>>3&3]
		switch op & 0xe0 {
		case ModeMEM:
			return fmt.Sprintf("ldx%s %s, %s", s, r(in.Dst), mem(in.Src, in.Off))
		case ModeMEMSX:
			return fmt.Sprintf("ldxs%s %s, %s", s, r(in.Dst), mem(in.Src, in.Off))
		}
	case ClassST:
		if op&0xe0 == ModeMEM {
			return fmt.Sprintf("st%s %s, %d", sizeNames[op>>3&3], mem(in.Dst, in.Off), in.Imm)
		}
	case ClassSTX:
		switch op & 0xe0 {
		case ModeMEM:
			return fmt.Sprintf("stx%s %s, %s", sizeNames[op>>3&3], mem(in.Dst, in.Off), r(in.Src))
		case ModeATOMIC:
			if name, ok := atomicNames[in.Imm]; ok {
				sfx := ""
				if op&0x18 == SizeW {
					sfx = "32"
				}
				return fmt.Sprintf("lock %s%s %s, %s", name, sfx, mem(in.Dst, in.Off), r(in.Src))
			}
		}
	}
	return fmt.Sprintf(".insn op=%#02x dst=%d src=%d off=%d imm=%d", in.Op, in.Dst, in.Src, in.Off, in.Imm)
}
