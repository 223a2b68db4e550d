package asm

// Instruction classes (the low 3 bits of the opcode, RFC 9669 §3.1).
const (
	ClassLD    = 0x00
	ClassLDX   = 0x01
	ClassST    = 0x02
	ClassSTX   = 0x03
	ClassALU   = 0x04
	ClassJMP   = 0x05
	ClassJMP32 = 0x06
	ClassALU64 = 0x07
)

// Source bit of ALU and JMP opcodes (RFC 9669 §4).
const (
	SrcK = 0x00 // operand is the immediate
	SrcX = 0x08 // operand is the src register
)

// ALU operations (high 4 bits of ALU and ALU64 opcodes, RFC 9669 §4.1).
const (
	ALUAdd  = 0x00
	ALUSub  = 0x10
	ALUMul  = 0x20
	ALUDiv  = 0x30 // offset 1: sdiv
	ALUOr   = 0x40
	ALUAnd  = 0x50
	ALULsh  = 0x60
	ALURsh  = 0x70
	ALUNeg  = 0x80
	ALUMod  = 0x90 // offset 1: smod
	ALUXor  = 0xa0
	ALUMov  = 0xb0 // X with offset 8/16/32: movsx
	ALUArsh = 0xc0
	ALUEnd  = 0xd0 // byte swaps
)

// Jump operations (high 4 bits of JMP and JMP32 opcodes, RFC 9669 §4.3).
const (
	JmpJA   = 0x00
	JmpJEQ  = 0x10
	JmpJGT  = 0x20
	JmpJGE  = 0x30
	JmpJSET = 0x40
	JmpJNE  = 0x50
	JmpJSGT = 0x60
	JmpJSGE = 0x70
	JmpCall = 0x80
	JmpExit = 0x90
	JmpJLT  = 0xa0
	JmpJLE  = 0xb0
	JmpJSLT = 0xc0
	JmpJSLE = 0xd0
)

// Load and store modes (high 3 bits) and sizes (bits 3-4), RFC 9669 §5.
const (
	ModeIMM    = 0x00
	ModeABS    = 0x20
	ModeIND    = 0x40
	ModeMEM    = 0x60
	ModeMEMSX  = 0x80
	ModeATOMIC = 0xc0

	SizeW  = 0x00
	SizeH  = 0x08
	SizeB  = 0x10
	SizeDW = 0x18
)

// Atomic operations, carried in the imm of {ATOMIC, W|DW, STX} (RFC 9669 §5.3).
const (
	AtomicAdd     = 0x00
	AtomicOr      = 0x40
	AtomicAnd     = 0x50
	AtomicXor     = 0xa0
	AtomicFetch   = 0x01
	AtomicXchg    = 0xe0 | AtomicFetch
	AtomicCmpXchg = 0xf0 | AtomicFetch
)

// Values of the src field of CALL (RFC 9669 §4.3.1).
const (
	CallHelper = 0 // imm is a helper index
	CallLocal  = 1 // imm is the slot offset of a function from the next insn
	CallBTF    = 2 // imm is a BTF id (not supported by this VM)
)

// Frequently used whole opcodes.
const (
	OpLDDW   = ClassLD | ModeIMM | SizeDW     // 0x18
	OpCall   = ClassJMP | JmpCall | SrcK      // 0x85
	OpCallX  = ClassJMP | JmpCall | SrcX      // 0x8d (uBPF extension)
	OpExit   = ClassJMP | JmpExit             // 0x95
	OpJA     = ClassJMP | JmpJA               // 0x05
	OpJA32   = ClassJMP32 | JmpJA             // 0x06 (gotol)
	OpBswap  = ClassALU64 | ALUEnd | SrcK     // 0xd7
	OpLE     = ClassALU | ALUEnd | SrcK       // 0xd4
	OpBE     = ClassALU | ALUEnd | SrcX       // 0xdc
	OpNeg64  = ClassALU64 | ALUNeg | SrcK     // 0x87
	OpNeg32  = ClassALU | ALUNeg | SrcK       // 0x84
	OpAtom   = ClassSTX | ModeATOMIC | SizeW  // 0xc3
	OpAtom64 = ClassSTX | ModeATOMIC | SizeDW // 0xdb
)

// Class returns the class bits of an opcode.
func Class(op uint8) uint8 { return op & 0x07 }

// SizeBytes returns the access width of a load/store size field.
func SizeBytes(op uint8) int {
	switch op & 0x18 {
	case SizeB:
		return 1
	case SizeH:
		return 2
	case SizeW:
		return 4
	}
	return 8
}
