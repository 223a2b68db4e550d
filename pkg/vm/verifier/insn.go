package verifier

import (
	"fmt"

	"zeroserve.dev/zeroserve/pkg/vm"
	"zeroserve.dev/zeroserve/pkg/vm/asm"
)

const r10 = 10

// checkInsn validates the encoding of one instruction (not the second slot of
// an lddw) and returns a reason, or "" when it is valid.
func checkInsn(in vm.Insn, nHelpers int) string {
	if in.Dst > r10 {
		return fmt.Sprintf("invalid destination register r%d", in.Dst)
	}
	if in.Src > r10 {
		return fmt.Sprintf("invalid source register r%d", in.Src)
	}
	switch asm.Class(in.Op) {
	case asm.ClassLD:
		return checkLD(in)
	case asm.ClassLDX:
		return checkLDX(in)
	case asm.ClassST, asm.ClassSTX:
		return checkStore(in)
	case asm.ClassALU, asm.ClassALU64:
		return checkALU(in)
	default:
		return checkJump(in, nHelpers)
	}
}

func unknown(in vm.Insn) string { return fmt.Sprintf("unknown opcode %#02x", in.Op) }

func reserved(field string) string { return fmt.Sprintf("reserved field %s is not zero", field) }

const writeR10 = "write to the read-only frame pointer r10"

func checkLD(in vm.Insn) string {
	switch {
	case in.Op&0xe0 == asm.ModeABS || in.Op&0xe0 == asm.ModeIND:
		return fmt.Sprintf("legacy packet access (opcode %#02x) is not supported", in.Op)
	case in.Op != asm.OpLDDW:
		return unknown(in)
	case in.Src != 0:
		return fmt.Sprintf("lddw with src=%d (an unresolved pseudo load) is not supported", in.Src)
	case in.Off != 0:
		return reserved("offset")
	case in.Dst == r10:
		return writeR10
	}
	return ""
}

func checkLDX(in vm.Insn) string {
	mode := in.Op & 0xe0
	switch {
	case mode != asm.ModeMEM && !(mode == asm.ModeMEMSX && in.Op&0x18 != asm.SizeDW):
		return unknown(in)
	case in.Imm != 0:
		return reserved("imm")
	case in.Dst == r10:
		return writeR10
	}
	return ""
}

func checkStore(in vm.Insn) string {
	mode := in.Op & 0xe0
	switch {
	case mode == asm.ModeMEM && asm.Class(in.Op) == asm.ClassST:
		if in.Src != 0 {
			return reserved("src")
		}
	case mode == asm.ModeMEM:
		if in.Imm != 0 {
			return reserved("imm")
		}
	case mode == asm.ModeATOMIC && asm.Class(in.Op) == asm.ClassSTX && (in.Op&0x18 == asm.SizeW || in.Op&0x18 == asm.SizeDW):
		switch in.Imm {
		case asm.AtomicAdd, asm.AtomicOr, asm.AtomicAnd, asm.AtomicXor, asm.AtomicCmpXchg:
		case asm.AtomicAdd | asm.AtomicFetch, asm.AtomicOr | asm.AtomicFetch, asm.AtomicAnd | asm.AtomicFetch,
			asm.AtomicXor | asm.AtomicFetch, asm.AtomicXchg:
			if in.Src == r10 {
				return writeR10 + " (atomic fetch into r10)"
			}
		default:
			return fmt.Sprintf("unknown atomic operation %#x", in.Imm)
		}
	default:
		return unknown(in)
	}
	return ""
}

func checkALU(in vm.Insn) string {
	op, x, alu64 := in.Op&0xf0, in.Op&asm.SrcX != 0, asm.Class(in.Op) == asm.ClassALU64
	switch op {
	case 0xe0, 0xf0:
		return unknown(in)
	case asm.ALUNeg:
		if x {
			return unknown(in)
		}
		if in.Src != 0 || in.Off != 0 || in.Imm != 0 {
			return reserved("src, offset or imm")
		}
	case asm.ALUEnd:
		if alu64 && x {
			return unknown(in)
		}
		if in.Src != 0 || in.Off != 0 {
			return reserved("src or offset")
		}
		if in.Imm != 16 && in.Imm != 32 && in.Imm != 64 {
			return fmt.Sprintf("byte swap width %d is not 16, 32 or 64", in.Imm)
		}
		if in.Dst == r10 {
			return writeR10
		}
		return "" // imm is the width for both le (K) and be (X)
	case asm.ALUMov:
		if x && !(in.Off == 0 || in.Off == 8 || in.Off == 16 || in.Off == 32 && alu64) {
			return fmt.Sprintf("invalid movsx offset %d", in.Off)
		}
		if !x && in.Off != 0 {
			return reserved("offset")
		}
	case asm.ALUDiv, asm.ALUMod:
		if in.Off != 0 && in.Off != 1 {
			return fmt.Sprintf("invalid div/mod offset %d (0 unsigned, 1 signed)", in.Off)
		}
	default:
		if in.Off != 0 {
			return reserved("offset")
		}
	}
	switch {
	case x && in.Imm != 0:
		return reserved("imm")
	case !x && in.Src != 0:
		return reserved("src")
	case in.Dst == r10:
		return writeR10
	}
	return ""
}

func checkJump(in vm.Insn, nHelpers int) string {
	op, x, j32 := in.Op&0xf0, in.Op&asm.SrcX != 0, asm.Class(in.Op) == asm.ClassJMP32
	switch op {
	case 0xe0, 0xf0:
		return unknown(in)
	case asm.JmpJA:
		switch {
		case x:
			return unknown(in)
		case in.Dst != 0 || in.Src != 0:
			return reserved("dst or src")
		case j32 && in.Off != 0:
			return reserved("offset")
		case !j32 && in.Imm != 0:
			return reserved("imm")
		}
		return ""
	case asm.JmpExit:
		if j32 || x {
			return unknown(in)
		}
		if in.Dst != 0 || in.Src != 0 || in.Off != 0 || in.Imm != 0 {
			return reserved("dst, src, offset or imm")
		}
		return ""
	case asm.JmpCall:
		if j32 {
			return unknown(in)
		}
		return checkCall(in, x, nHelpers)
	}
	switch {
	case x && in.Imm != 0:
		return reserved("imm")
	case !x && in.Src != 0:
		return reserved("src")
	}
	return ""
}

func checkCall(in vm.Insn, x bool, nHelpers int) string {
	if x {
		// callx (uBPF): the helper index is in register dst.
		if in.Src != 0 || in.Off != 0 || in.Imm != 0 {
			return reserved("src, offset or imm")
		}
		return ""
	}
	if in.Dst != 0 || in.Off != 0 {
		return reserved("dst or offset")
	}
	switch in.Src {
	case asm.CallHelper:
		if in.Imm < 0 || int(in.Imm) >= nHelpers {
			return fmt.Sprintf("call to unknown helper %d (the program imports %d)", in.Imm, nHelpers)
		}
	case asm.CallLocal:
	case asm.CallBTF:
		return "call of a helper by BTF id is not supported"
	default:
		return fmt.Sprintf("invalid call src %d", in.Src)
	}
	return ""
}
