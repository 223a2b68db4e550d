package interp

import (
	"fmt"
	"math"

	"zeroserve.dev/zeroserve/pkg/vm"
	"zeroserve.dev/zeroserve/pkg/vm/asm"
	"zeroserve.dev/zeroserve/pkg/vm/verifier"
)

// inst is one pre-decoded instruction (16 bytes).
//
//	op    internal opcode
//	regs  dst | src<<4
//	cost  for control transfers: slots since the previous transfer (see costs)
//	off   memory offset, absolute jump target, local call target or helper index
//	imm   immediate, extended as the operation needs
type inst struct {
	op   uint8
	regs uint8
	cost uint16
	off  int32
	imm  uint64
}

// Program is a compiled program: immutable, shared by its instances and
// safe for concurrent use.
type Program struct {
	prog    *vm.Program
	code    []inst
	start   []bool // function starts (valid Run entries)
	credit  []uint16
	helpers []vm.Helper
	limits  vm.Limits
	memory  uint64
}

// Engine implements vm.Engine with the interpreter.
type Engine struct{}

// Compile implements vm.Engine.
func (Engine) Compile(p *vm.Program, h vm.Helpers, l vm.Limits) (vm.Executable, error) {
	return Compile(p, h, l)
}

// Compile verifies p, binds p.Helpers against h and pre-decodes the code.
func Compile(p *vm.Program, h vm.Helpers, l vm.Limits) (*Program, error) {
	if err := verifier.Verify(p); err != nil {
		return nil, err
	}
	helpers, err := h.Bind(p.Helpers)
	if err != nil {
		return nil, err
	}
	l = l.WithDefaults()
	mem := l.Memory
	if mem == 0 {
		mem = vm.MinArenaSize(p, vm.DefaultScratch)
	}
	c := &Program{prog: p, helpers: helpers, limits: l, memory: mem}
	c.code = make([]inst, len(p.Insns))
	c.start = make([]bool, len(p.Insns))
	for _, f := range p.Funcs {
		c.start[f.Start] = true
	}
	for pc := 0; pc < len(p.Insns); pc++ {
		in := p.Insns[pc]
		c.code[pc] = translate(in, pc)
		if in.Op == asm.OpLDDW {
			c.code[pc].imm = uint64(uint32(in.Imm)) | uint64(uint32(p.Insns[pc+1].Imm))<<32
			pc++ // the second slot stays opBad: the verifier keeps jumps out of it
		}
	}
	c.costs()
	return c, nil
}

// Source returns the program this was compiled from.
func (c *Program) Source() *vm.Program { return c.prog }

// Limits returns the effective limits.
func (c *Program) Limits() vm.Limits { return c.limits }

// Entry returns the instruction index of a named entry point.
func (c *Program) Entry(name string) (int, bool) {
	pc, ok := c.prog.Entries[name]
	return pc, ok
}

// costs attaches to each control transfer the number of instruction slots
// since the previous transfer, and to each jump target the number of those
// slots before it (its credit): a transfer charges its cost minus the credit
// of the instruction it continues at, so every path is charged exactly the
// slots it runs, including a block that falls through into a jump target.
func (c *Program) costs() {
	c.credit = make([]uint16, len(c.code)+1)
	prev := -1 // the last transfer seen; functions end with one
	for pc := range c.code {
		i := &c.code[pc]
		if i.op < opJA {
			continue
		}
		// Capped so that a capped cost still exceeds any credit it pays
		// for: every transfer charges at least one.
		i.cost = uint16(min(pc-prev, math.MaxUint16))
		for t := prev + 1; t <= pc; t++ { // the transfer itself may be a target
			c.credit[t] = uint16(min(t-prev-1, math.MaxUint16-1))
		}
		prev = pc
	}
}

var (
	alu64K = [16]uint8{opAdd64K, opSub64K, opMul64K, opDiv64K, opOr64K, opAnd64K, opLsh64K, opRsh64K, opNeg64, opMod64K, opXor64K, opMov64K, opArsh64K}
	alu32K = [16]uint8{opAdd32K, opSub32K, opMul32K, opDiv32K, opOr32K, opAnd32K, opLsh32K, opRsh32K, opNeg32, opMod32K, opXor32K, opMov32K, opArsh32K}
	jmp64K = [16]uint8{asm.JmpJEQ >> 4: opJEQ64K, asm.JmpJGT >> 4: opJGT64K, asm.JmpJGE >> 4: opJGE64K,
		asm.JmpJSET >> 4: opJSET64K, asm.JmpJNE >> 4: opJNE64K, asm.JmpJSGT >> 4: opJSGT64K,
		asm.JmpJSGE >> 4: opJSGE64K, asm.JmpJLT >> 4: opJLT64K, asm.JmpJLE >> 4: opJLE64K,
		asm.JmpJSLT >> 4: opJSLT64K, asm.JmpJSLE >> 4: opJSLE64K}
	loads  = [4]uint8{asm.SizeW >> 3: opLdxW, asm.SizeH >> 3: opLdxH, asm.SizeB >> 3: opLdxB, asm.SizeDW >> 3: opLdxDW}
	loadsx = [4]uint8{asm.SizeW >> 3: opLdxSW, asm.SizeH >> 3: opLdxSH, asm.SizeB >> 3: opLdxSB}
	stores = [4]uint8{asm.SizeW >> 3: opStW, asm.SizeH >> 3: opStH, asm.SizeB >> 3: opStB, asm.SizeDW >> 3: opStDW}
	storex = [4]uint8{asm.SizeW >> 3: opStxW, asm.SizeH >> 3: opStxH, asm.SizeB >> 3: opStxB, asm.SizeDW >> 3: opStxDW}
	atom   = map[int32]uint8{
		asm.AtomicAdd: opAtomAdd32, asm.AtomicOr: opAtomOr32, asm.AtomicAnd: opAtomAnd32, asm.AtomicXor: opAtomXor32,
		asm.AtomicAdd | asm.AtomicFetch: opAtomFAdd32, asm.AtomicOr | asm.AtomicFetch: opAtomFOr32,
		asm.AtomicAnd | asm.AtomicFetch: opAtomFAnd32, asm.AtomicXor | asm.AtomicFetch: opAtomFXor32,
		asm.AtomicXchg: opXchg32, asm.AtomicCmpXchg: opCmpXchg32,
	}
)

// translate maps one verified instruction at pc to its internal form.
func translate(in vm.Insn, pc int) inst {
	i := inst{regs: in.Dst&15 | in.Src<<4, off: int32(in.Off), imm: uint64(int64(in.Imm))}
	x := in.Op&asm.SrcX != 0
	xo := uint8(0)
	if x {
		xo = 1
	}
	switch asm.Class(in.Op) {
	case asm.ClassLD:
		i.op = opLDDW
	case asm.ClassLDX:
		if in.Op&0xe0 == asm.ModeMEMSX {
			i.op = loadsx[in.Op>>3&3]
		} else {
			i.op = loads[in.Op>>3&3]
		}
	case asm.ClassST:
		i.op = stores[in.Op>>3&3]
	case asm.ClassSTX:
		if in.Op&0xe0 == asm.ModeMEM {
			i.op = storex[in.Op>>3&3]
			break
		}
		i.op = atom[in.Imm]
		if in.Op&0x18 == asm.SizeDW {
			i.op += opAtomAdd64 - opAtomAdd32
		}
	case asm.ClassALU64:
		i = alu(i, in, x, xo, alu64K[in.Op>>4], true)
	case asm.ClassALU:
		i.imm = uint64(uint32(in.Imm))
		i = alu(i, in, x, xo, alu32K[in.Op>>4], false)
	default:
		i = jump(i, in, pc, xo)
	}
	return i
}

func alu(i inst, in vm.Insn, x bool, xo, base uint8, wide bool) inst {
	op := in.Op & 0xf0
	mask := uint64(31)
	if wide {
		mask = 63
	}
	switch {
	case op == asm.ALUEnd:
		i.op = byteSwap(in, wide)
	case op == asm.ALUNeg:
		i.op = base
	case op == asm.ALUMov && x && in.Off != 0:
		i.op = movsx(in.Off, wide)
	case (op == asm.ALUDiv || op == asm.ALUMod) && !x && in.Imm == 0:
		// Division by a zero constant: div gives 0, mod leaves dst
		// (zero-extended for ALU32).
		switch {
		case op == asm.ALUDiv && wide:
			i.op, i.imm = opMov64K, 0
		case op == asm.ALUDiv:
			i.op, i.imm = opMov32K, 0
		case wide:
			i.op = opNop
		default:
			i.op, i.regs = opMov32X, in.Dst|in.Dst<<4
		}
		return i
	case op == asm.ALUDiv || op == asm.ALUMod:
		i.op = base + xo
		if in.Off == 1 {
			i.op += opSdiv64K - opDiv64K // signed form follows each unsigned K/X pair
		}
	case (op == asm.ALULsh || op == asm.ALURsh || op == asm.ALUArsh) && !x:
		i.op = base
		i.imm = uint64(in.Imm) & mask
	default:
		i.op = base + xo
	}
	i.off = 0
	return i
}

func byteSwap(in vm.Insn, wide bool) uint8 {
	if !wide && in.Op&asm.SrcX == 0 { // le
		switch in.Imm {
		case 16:
			return opLE16
		case 32:
			return opLE32
		}
		return opNop
	}
	switch in.Imm { // be, and bswap (ALU64)
	case 16:
		return opBE16
	case 32:
		return opBE32
	}
	return opBE64
}

func movsx(off int16, wide bool) uint8 {
	switch {
	case off == 8 && wide:
		return opMovsx8to64
	case off == 16 && wide:
		return opMovsx16to64
	case off == 32:
		return opMovsx32to64
	case off == 8:
		return opMovsx8to32
	}
	return opMovsx16to32
}

func jump(i inst, in vm.Insn, pc int, xo uint8) inst {
	switch in.Op {
	case asm.OpExit:
		i.op = opExit
	case asm.OpCall:
		if in.Src == asm.CallLocal {
			i.op, i.off = opCallLocal, int32(pc+1+int(in.Imm))
		} else {
			i.op, i.off = opCall, in.Imm
		}
	case asm.OpCallX:
		i.op = opCallX
	case asm.OpJA:
		i.op, i.off = opJA, int32(pc+1+int(in.Off))
	case asm.OpJA32:
		i.op, i.off = opJA, int32(pc+1+int(in.Imm))
	default:
		i.op = jmp64K[in.Op>>4] + xo
		if asm.Class(in.Op) == asm.ClassJMP32 {
			i.op += opJEQ32K - opJEQ64K
		}
		i.off = int32(pc + 1 + int(in.Off))
	}
	return i
}

func (c *Program) String() string {
	return fmt.Sprintf("interp.Program(%d insns, %d helpers)", len(c.code), len(c.helpers))
}
