package asm

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"zeroserve.dev/zeroserve/pkg/vm"
)

// Error is an assembler error at a 1-based source line.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("asm: line %d: %s", e.Line, e.Msg) }

// Assemble translates the bpf_conformance assembler syntax (see
// testdata/conformance/README.md in package vm) into instruction slots. An
// lddw produces two slots. Comments start with '#'; a line "name:" defines a
// label; the label "exit" is implicitly the first exit instruction unless
// defined explicitly.
func Assemble(src string) ([]vm.Insn, error) {
	type item struct {
		line   int
		fields []string
		slot   int
	}
	var items []item
	labels := map[string]int{}
	slot, firstExit := 0, -1
	for n, line := range strings.Split(src, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if name, ok := strings.CutSuffix(line, ":"); ok {
			name = strings.TrimSpace(name)
			if !isLabel(name) {
				return nil, &Error{n + 1, fmt.Sprintf("bad label %q", name)}
			}
			if _, dup := labels[name]; dup {
				return nil, &Error{n + 1, fmt.Sprintf("label %q defined twice", name)}
			}
			labels[name] = slot
			continue
		}
		f := fields(line)
		if len(f) == 0 {
			return nil, &Error{n + 1, "no instruction"}
		}
		items = append(items, item{n + 1, f, slot})
		switch f[0] {
		case "lddw":
			slot += 2
		case "exit":
			if firstExit < 0 {
				firstExit = slot
			}
			slot++
		default:
			slot++
		}
	}
	if _, ok := labels["exit"]; !ok && firstExit >= 0 {
		labels["exit"] = firstExit
	}
	out := make([]vm.Insn, 0, slot)
	for _, it := range items {
		a := assembler{fields: it.fields, slot: it.slot, labels: labels}
		ins, err := a.insn()
		if err != nil {
			return nil, &Error{it.line, err.Error()}
		}
		out = append(out, ins...)
	}
	return out, nil
}

// fields splits an instruction line on spaces and commas, keeping a bracketed
// memory operand (which may contain spaces) as one field.
func fields(line string) []string {
	var b strings.Builder
	depth := 0
	for _, c := range line {
		switch {
		case c == '[':
			depth++
		case c == ']':
			depth--
		case depth > 0 && (c == ' ' || c == '\t'):
			continue
		case depth == 0 && c == ',':
			c = ' '
		}
		b.WriteRune(c)
	}
	return strings.Fields(b.String())
}

func isLabel(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

type assembler struct {
	fields []string
	slot   int
	labels map[string]int
}

var aluOps = map[string]struct {
	op  uint8
	off int16
}{
	"add": {ALUAdd, 0}, "sub": {ALUSub, 0}, "mul": {ALUMul, 0}, "div": {ALUDiv, 0},
	"sdiv": {ALUDiv, 1}, "mod": {ALUMod, 0}, "smod": {ALUMod, 1}, "or": {ALUOr, 0},
	"and": {ALUAnd, 0}, "xor": {ALUXor, 0}, "lsh": {ALULsh, 0}, "rsh": {ALURsh, 0},
	"arsh": {ALUArsh, 0}, "neg": {ALUNeg, 0}, "mov": {ALUMov, 0},
}

var jmpOps = map[string]uint8{
	"jeq": JmpJEQ, "jgt": JmpJGT, "jge": JmpJGE, "jset": JmpJSET, "jne": JmpJNE,
	"jsgt": JmpJSGT, "jsge": JmpJSGE, "jlt": JmpJLT, "jle": JmpJLE, "jslt": JmpJSLT,
	"jsle": JmpJSLE,
}

var sizes = map[string]uint8{"b": SizeB, "h": SizeH, "w": SizeW, "dw": SizeDW}

var movsx = map[string]struct {
	class uint8
	off   int16
}{
	"movsx832": {ClassALU, 8}, "movsx1632": {ClassALU, 16},
	"movsx864": {ClassALU64, 8}, "movsx1664": {ClassALU64, 16}, "movsx3264": {ClassALU64, 32},
}

var atomicOps = map[string]int32{
	"add": AtomicAdd, "or": AtomicOr, "and": AtomicAnd, "xor": AtomicXor,
	"xchg": AtomicXchg, "cmpxchg": AtomicCmpXchg,
}

func (a *assembler) args(n int) error {
	if len(a.fields)-1 != n {
		return fmt.Errorf("%s: want %d operands, got %d", a.fields[0], n, len(a.fields)-1)
	}
	return nil
}

func (a *assembler) insn() ([]vm.Insn, error) {
	m := a.fields[0]
	switch {
	case m == "exit":
		return one(vm.Insn{Op: OpExit}), a.args(0)
	case m == "lddw":
		return a.lddw()
	case m == "call":
		return a.call()
	case m == "lock":
		return a.atomic()
	case m == "ja" || m == "ja32":
		return a.ja(m == "ja32")
	case movsx[m].off != 0:
		return a.aluReg(movsx[m].class|ALUMov|SrcX, movsx[m].off)
	}
	if ins, ok, err := a.byteSwap(m); ok {
		return ins, err
	}
	if ins, ok, err := a.memory(m); ok {
		return ins, err
	}
	base, class := m, uint8(ClassALU64)
	if b, ok := strings.CutSuffix(m, "32"); ok {
		base, class = b, ClassALU
	}
	if op, ok := aluOps[base]; ok {
		return a.alu(class, op.op, op.off)
	}
	if op, ok := jmpOps[base]; ok {
		if class == ClassALU {
			class = ClassJMP32
		} else {
			class = ClassJMP
		}
		return a.cond(class | op)
	}
	return nil, fmt.Errorf("unknown mnemonic %q", m)
}

func one(in vm.Insn) []vm.Insn { return []vm.Insn{in} }

func (a *assembler) alu(class, op uint8, off int16) ([]vm.Insn, error) {
	if op == ALUNeg {
		if err := a.args(1); err != nil {
			return nil, err
		}
		dst, err := reg(a.fields[1])
		return one(vm.Insn{Op: class | op | SrcK, Dst: dst}), err
	}
	if err := a.args(2); err != nil {
		return nil, err
	}
	if isReg(a.fields[2]) {
		return a.aluReg(class|op|SrcX, off)
	}
	dst, err := reg(a.fields[1])
	if err != nil {
		return nil, err
	}
	imm, err := imm32(a.fields[2])
	return one(vm.Insn{Op: class | op | SrcK, Dst: dst, Off: off, Imm: imm}), err
}

func (a *assembler) aluReg(op uint8, off int16) ([]vm.Insn, error) {
	if err := a.args(2); err != nil {
		return nil, err
	}
	dst, err := reg(a.fields[1])
	if err != nil {
		return nil, err
	}
	src, err := reg(a.fields[2])
	return one(vm.Insn{Op: op, Dst: dst, Src: src, Off: off}), err
}

func (a *assembler) byteSwap(m string) ([]vm.Insn, bool, error) {
	var op uint8
	var width string
	switch {
	case strings.HasPrefix(m, "le"):
		op, width = OpLE, m[2:]
	case strings.HasPrefix(m, "be"):
		op, width = OpBE, m[2:]
	case strings.HasPrefix(m, "bswap"):
		op, width = OpBswap, m[5:]
	case strings.HasPrefix(m, "swap"):
		op, width = OpBswap, m[4:]
	default:
		return nil, false, nil
	}
	if width != "16" && width != "32" && width != "64" {
		return nil, false, nil
	}
	if err := a.args(1); err != nil {
		return nil, true, err
	}
	dst, err := reg(a.fields[1])
	w, _ := strconv.Atoi(width)
	return one(vm.Insn{Op: op, Dst: dst, Imm: int32(w)}), true, err
}

// memory assembles ldx*, ldxs*, st* and stx*.
func (a *assembler) memory(m string) ([]vm.Insn, bool, error) {
	var op uint8
	var rest string
	load := false
	switch {
	case strings.HasPrefix(m, "ldxs") && sizes[m[4:]] != SizeDW && hasSize(m[4:]):
		op, rest, load = ClassLDX|ModeMEMSX, m[4:], true
	case strings.HasPrefix(m, "ldx") && hasSize(m[3:]):
		op, rest, load = ClassLDX|ModeMEM, m[3:], true
	case strings.HasPrefix(m, "stx") && hasSize(m[3:]):
		op, rest = ClassSTX|ModeMEM, m[3:]
	case strings.HasPrefix(m, "st") && hasSize(m[2:]):
		op, rest = ClassST|ModeMEM, m[2:]
	default:
		return nil, false, nil
	}
	op |= sizes[rest]
	if err := a.args(2); err != nil {
		return nil, true, err
	}
	if load {
		dst, err := reg(a.fields[1])
		if err != nil {
			return nil, true, err
		}
		src, off, err := memRef(a.fields[2])
		return one(vm.Insn{Op: op, Dst: dst, Src: src, Off: off}), true, err
	}
	dst, off, err := memRef(a.fields[1])
	if err != nil {
		return nil, true, err
	}
	if op&0x07 == ClassSTX {
		src, err := reg(a.fields[2])
		return one(vm.Insn{Op: op, Dst: dst, Src: src, Off: off}), true, err
	}
	imm, err := imm32(a.fields[2])
	return one(vm.Insn{Op: op, Dst: dst, Off: off, Imm: imm}), true, err
}

func hasSize(s string) bool { _, ok := sizes[s]; return ok }

func (a *assembler) lddw() ([]vm.Insn, error) {
	if err := a.args(2); err != nil {
		return nil, err
	}
	dst, err := reg(a.fields[1])
	if err != nil {
		return nil, err
	}
	v, err := imm64(a.fields[2])
	if err != nil {
		return nil, err
	}
	p := LDDW(dst, v)
	return p[:], nil
}

func (a *assembler) call() ([]vm.Insn, error) {
	f := a.fields
	switch {
	case len(f) == 2 && isReg(f[1]):
		r, err := reg(f[1])
		return one(vm.Insn{Op: OpCallX, Dst: r}), err
	case len(f) == 2:
		imm, err := imm32(f[1])
		return one(vm.Insn{Op: OpCall, Imm: imm}), err
	case len(f) == 3 && f[1] == "local":
		rel, err := a.target(f[2], math.MinInt32, math.MaxInt32)
		return one(vm.Insn{Op: OpCall, Src: CallLocal, Imm: int32(rel)}), err
	case len(f) == 3 && f[1] == "runtime":
		imm, err := imm32(f[2])
		return one(vm.Insn{Op: OpCall, Src: CallBTF, Imm: imm}), err
	}
	return nil, fmt.Errorf("bad call operands %q", strings.Join(f[1:], " "))
}

func (a *assembler) ja(long bool) ([]vm.Insn, error) {
	if err := a.args(1); err != nil {
		return nil, err
	}
	if long {
		rel, err := a.target(a.fields[1], math.MinInt32, math.MaxInt32)
		return one(vm.Insn{Op: OpJA32, Imm: int32(rel)}), err
	}
	rel, err := a.target(a.fields[1], math.MinInt16, math.MaxInt16)
	return one(vm.Insn{Op: OpJA, Off: int16(rel)}), err
}

func (a *assembler) cond(op uint8) ([]vm.Insn, error) {
	if err := a.args(3); err != nil {
		return nil, err
	}
	dst, err := reg(a.fields[1])
	if err != nil {
		return nil, err
	}
	rel, err := a.target(a.fields[3], math.MinInt16, math.MaxInt16)
	if err != nil {
		return nil, err
	}
	if isReg(a.fields[2]) {
		src, err := reg(a.fields[2])
		return one(vm.Insn{Op: op | SrcX, Dst: dst, Src: src, Off: int16(rel)}), err
	}
	imm, err := imm32(a.fields[2])
	return one(vm.Insn{Op: op | SrcK, Dst: dst, Off: int16(rel), Imm: imm}), err
}

func (a *assembler) atomic() ([]vm.Insn, error) {
	f := a.fields[1:]
	var fetch int32
	if len(f) > 0 && f[0] == "fetch" {
		fetch, f = AtomicFetch, f[1:]
	}
	if len(f) != 3 {
		return nil, fmt.Errorf("lock: want op [dst+off], src")
	}
	name, size := f[0], uint8(SizeDW)
	if b, ok := strings.CutSuffix(name, "32"); ok {
		name, size = b, SizeW
	}
	imm, ok := atomicOps[name]
	if !ok {
		return nil, fmt.Errorf("unknown atomic operation %q", f[0])
	}
	dst, off, err := memRef(f[1])
	if err != nil {
		return nil, err
	}
	src, err := reg(f[2])
	return one(vm.Insn{Op: ClassSTX | ModeATOMIC | size, Dst: dst, Src: src, Off: off, Imm: imm | fetch}), err
}

// target resolves a jump target, "+N", "-N" or a label, to a slot offset
// from the next instruction.
func (a *assembler) target(s string, lo, hi int64) (int64, error) {
	var rel int64
	if pos, ok := a.labels[s]; ok {
		rel = int64(pos - (a.slot + 1))
	} else {
		v, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			return 0, fmt.Errorf("unknown jump target %q", s)
		}
		rel = v
	}
	if rel < lo || rel > hi {
		return 0, fmt.Errorf("jump offset %d out of range", rel)
	}
	return rel, nil
}

func isReg(s string) bool {
	return strings.HasPrefix(s, "%r") || strings.HasPrefix(s, "r") && len(s) > 1 && s[1] >= '0' && s[1] <= '9'
}

func reg(s string) (uint8, error) {
	t := strings.TrimPrefix(strings.TrimPrefix(s, "%"), "r")
	n, err := strconv.ParseUint(t, 10, 8)
	if err != nil || !isReg(s) || n > 10 {
		return 0, fmt.Errorf("bad register %q", s)
	}
	return uint8(n), nil
}

// memRef parses "[%rN+off]", "[%rN-off]" or "[%rN]".
func memRef(s string) (uint8, int16, error) {
	in, ok := strings.CutPrefix(s, "[")
	if in, ok = strings.CutSuffix(in, "]"); !ok {
		return 0, 0, fmt.Errorf("bad memory operand %q", s)
	}
	i := strings.IndexAny(in, "+-")
	if i < 0 {
		r, err := reg(in)
		return r, 0, err
	}
	r, err := reg(in[:i])
	if err != nil {
		return 0, 0, err
	}
	off, err := strconv.ParseInt(in[i:], 0, 16)
	if err != nil {
		return 0, 0, fmt.Errorf("bad offset in %q", s)
	}
	return r, int16(off), nil
}

// imm32 parses a 32-bit immediate: hex literals are bit patterns (0xffffffff
// is -1), decimal literals must fit in int32.
func imm32(s string) (int32, error) {
	neg, body := false, s
	if b, ok := strings.CutPrefix(s, "-"); ok {
		neg, body = true, b
	}
	body = strings.TrimPrefix(body, "+")
	if strings.HasPrefix(body, "0x") || strings.HasPrefix(body, "0X") {
		v, err := strconv.ParseUint(body[2:], 16, 32)
		if err != nil {
			return 0, fmt.Errorf("bad 32-bit immediate %q", s)
		}
		if neg {
			return -int32(uint32(v)), nil
		}
		return int32(uint32(v)), nil
	}
	v, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("bad 32-bit immediate %q", s)
	}
	return int32(v), nil
}

// imm64 parses an lddw immediate: hex is unsigned 64-bit, decimal is signed.
func imm64(s string) (uint64, error) {
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		v, err := strconv.ParseUint(s[2:], 16, 64)
		if err != nil {
			return 0, fmt.Errorf("bad 64-bit immediate %q", s)
		}
		return v, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad 64-bit immediate %q", s)
	}
	return uint64(v), nil
}
