package verifier

import (
	"fmt"
	"strings"

	"zeroserve.dev/zeroserve/pkg/vm"
	"zeroserve.dev/zeroserve/pkg/vm/asm"
)

// MaxInsns is the largest accepted program, in instruction slots.
const MaxInsns = 1 << 16

// Error is a verifier rejection at instruction PC.
type Error struct {
	PC     int    // instruction index (slot) of the problem
	Reason string // one-line human reason
	Log    string // disassembly around PC, and the C source line when known
	Line   vm.Line
}

func (e *Error) Error() string {
	s := fmt.Sprintf("verifier: insn %d: %s", e.PC, e.Reason)
	if e.Line.Line > 0 {
		s += fmt.Sprintf(" (%s:%d", e.Line.File, e.Line.Line)
		if t := strings.TrimSpace(e.Line.Text); t != "" {
			s += ": " + t
		}
		s += ")"
	}
	return s
}

type checker struct {
	p      *vm.Program
	second []bool  // slot is the second half of an lddw
	fn     []int32 // function index of each slot
	starts map[int]int
	calls  [][]call // local calls per function
}

type call struct{ pc, callee int }

// Verify checks p and returns nil or an *Error.
func Verify(p *vm.Program) error {
	n := len(p.Insns)
	switch {
	case n == 0:
		return newError(p, 0, "empty program")
	case n > MaxInsns:
		return newError(p, MaxInsns, fmt.Sprintf("program has %d instructions, more than the limit %d", n, MaxInsns))
	}
	c := &checker{p: p, second: make([]bool, n), fn: make([]int32, n), starts: map[int]int{}}
	for _, step := range []func() *Error{c.funcs, c.pairs, c.insns, c.ends, c.entries, c.callGraph} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

func newError(p *vm.Program, pc int, reason string) *Error {
	e := &Error{PC: pc, Reason: reason}
	var b strings.Builder
	for i := max(0, pc-3); i < min(len(p.Insns), pc+2); i++ {
		mark := "  "
		if i == pc {
			mark = "> "
		}
		var next vm.Insn
		if i+1 < len(p.Insns) {
			next = p.Insns[i+1]
		}
		fmt.Fprintf(&b, "%s%5d: %s\n", mark, i, asm.Format(p.Insns[i], next))
	}
	if l, ok := p.LineAt(pc); ok {
		e.Line = l
		fmt.Fprintf(&b, "at %s:%d:%d: %s\n", l.File, l.Line, l.Col, strings.TrimSpace(l.Text))
	}
	e.Log = b.String()
	return e
}

func (c *checker) fail(pc int, format string, args ...any) *Error {
	return newError(c.p, pc, fmt.Sprintf(format, args...))
}

// funcs checks that Funcs cover Insns contiguously.
func (c *checker) funcs() *Error {
	fs := c.p.Funcs
	if len(fs) == 0 {
		return c.fail(0, "program has no function table")
	}
	next := 0
	for i, f := range fs {
		if f.Start != next || f.End <= f.Start || f.End > len(c.p.Insns) {
			return c.fail(min(max(f.Start, 0), len(c.p.Insns)-1), "function %q spans [%d,%d), want it to start at %d and be non-empty", f.Name, f.Start, f.End, next)
		}
		for pc := f.Start; pc < f.End; pc++ {
			c.fn[pc] = int32(i)
		}
		c.starts[f.Start] = i
		next = f.End
	}
	if next != len(c.p.Insns) {
		return c.fail(next, "instructions from %d on belong to no function", next)
	}
	c.calls = make([][]call, len(fs))
	return nil
}

// pairs checks lddw pairs and marks their second slots.
func (c *checker) pairs() *Error {
	ins := c.p.Insns
	for pc := 0; pc < len(ins); pc++ {
		if ins[pc].Op != asm.OpLDDW {
			continue
		}
		if pc+1 >= len(ins) || c.fn[pc+1] != c.fn[pc] {
			return c.fail(pc, "lddw is missing its second slot")
		}
		if s := ins[pc+1]; s.Op != 0 || s.Dst != 0 || s.Src != 0 || s.Off != 0 {
			return c.fail(pc+1, "second slot of lddw has non-zero opcode, registers or offset")
		}
		c.second[pc+1] = true
		pc++
	}
	return nil
}

func (c *checker) insns() *Error {
	for pc, in := range c.p.Insns {
		if c.second[pc] {
			continue
		}
		if r := checkInsn(in, len(c.p.Helpers)); r != "" {
			return c.fail(pc, "%s", r)
		}
		if err := c.flow(pc, in); err != nil {
			return err
		}
	}
	return nil
}

// flow checks jump targets and records local calls.
func (c *checker) flow(pc int, in vm.Insn) *Error {
	cl := asm.Class(in.Op)
	if cl != asm.ClassJMP && cl != asm.ClassJMP32 {
		return nil
	}
	switch in.Op {
	case asm.OpExit, asm.OpCallX:
		return nil
	case asm.OpCall:
		if in.Src != asm.CallLocal {
			return nil
		}
		t := pc + 1 + int(in.Imm)
		callee, ok := c.starts[t]
		if !ok {
			return c.fail(pc, "local call to insn %d, which is not the start of a function", t)
		}
		f := c.fn[pc]
		c.calls[f] = append(c.calls[f], call{pc, callee})
		return nil
	}
	t := pc + 1 + int(in.Off)
	if in.Op == asm.OpJA32 {
		t = pc + 1 + int(in.Imm)
	}
	f := c.p.Funcs[c.fn[pc]]
	switch {
	case t < f.Start || t >= f.End:
		return c.fail(pc, "jump to insn %d, outside function %q [%d,%d)", t, f.Name, f.Start, f.End)
	case c.second[t]:
		return c.fail(pc, "jump to insn %d, the middle of an lddw", t)
	}
	return nil
}

// ends checks that no function falls through its last instruction.
func (c *checker) ends() *Error {
	for _, f := range c.p.Funcs {
		last := f.End - 1
		op := c.p.Insns[last].Op
		if c.second[last] || op != asm.OpExit && op != asm.OpJA && op != asm.OpJA32 {
			return c.fail(last, "function %q does not end with exit or an unconditional jump", f.Name)
		}
	}
	return nil
}

func (c *checker) entries() *Error {
	for name, pc := range c.p.Entries {
		if _, ok := c.starts[pc]; !ok {
			return c.fail(max(0, min(pc, len(c.p.Insns)-1)), "entry %q at insn %d is not the start of a function", name, pc)
		}
	}
	return nil
}

// callGraph rejects recursion and call chains deeper than vm.MaxFrames.
func (c *checker) callGraph() *Error {
	const (
		unseen = iota
		active
		done
	)
	state := make([]uint8, len(c.p.Funcs))
	height := make([]int, len(c.p.Funcs))
	var visit func(f int) *Error
	visit = func(f int) *Error {
		state[f] = active
		height[f] = 1
		for _, cl := range c.calls[f] {
			switch state[cl.callee] {
			case active:
				return c.fail(cl.pc, "recursive call to function %q", c.p.Funcs[cl.callee].Name)
			case unseen:
				if err := visit(cl.callee); err != nil {
					return err
				}
			}
			if h := height[cl.callee] + 1; h > vm.MaxFrames {
				return c.fail(cl.pc, "call chain of %d frames through function %q exceeds the limit of %d", h, c.p.Funcs[cl.callee].Name, vm.MaxFrames)
			} else if h > height[f] {
				height[f] = h
			}
		}
		state[f] = done
		return nil
	}
	for f := range c.p.Funcs {
		if state[f] == unseen {
			if err := visit(f); err != nil {
				return err
			}
		}
	}
	return nil
}
