package vmtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"zeroserve.dev/zeroserve/pkg/vm"
	"zeroserve.dev/zeroserve/pkg/vm/asm"
)

// Case is one parsed conformance file.
type Case struct {
	Name      string
	Asm       string    // the -- asm section
	Raw       []vm.Insn // the -- raw section, when present (it replaces Asm)
	Mem       []byte    // the -- mem section; nil when absent
	Result    uint64
	HasResult bool
	Error     string // the -- error section: an error is expected
	HasError  bool
}

// ParseCase parses the text of a conformance file.
func ParseCase(name string, data []byte) (*Case, error) {
	c := &Case{Name: name}
	sections := map[string]*strings.Builder{}
	var cur *strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "--"); i >= 0 && strings.TrimSpace(line[:i]) == "" {
			sec := strings.TrimSpace(line[i+2:])
			if _, dup := sections[sec]; dup {
				return nil, fmt.Errorf("%s: section %q repeated", name, sec)
			}
			cur = &strings.Builder{}
			sections[sec] = cur
			continue
		}
		if cur != nil {
			cur.WriteString(line)
			cur.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	text := func(sec string) (string, bool) {
		b, ok := sections[sec]
		if !ok {
			return "", false
		}
		return b.String(), true
	}
	var ok bool
	if c.Asm, ok = text("asm"); !ok {
		if _, raw := sections["raw"]; !raw {
			return nil, fmt.Errorf("%s: no asm or raw section", name)
		}
	}
	if s, ok := text("raw"); ok {
		raw, err := parseRaw(s)
		if err != nil {
			return nil, fmt.Errorf("%s: raw: %w", name, err)
		}
		c.Raw = raw
	}
	if s, ok := text("mem"); ok {
		mem, err := parseMem(s)
		if err != nil {
			return nil, fmt.Errorf("%s: mem: %w", name, err)
		}
		c.Mem = mem
	}
	if s, ok := text("result"); ok {
		v, err := parseResult(s)
		if err != nil {
			return nil, fmt.Errorf("%s: result: %w", name, err)
		}
		c.Result, c.HasResult = v, true
	}
	if s, ok := text("error"); ok {
		c.Error, c.HasError = strings.TrimSpace(stripComments(s)), true
	}
	if c.HasResult == c.HasError {
		return nil, fmt.Errorf("%s: want exactly one of the result and error sections", name)
	}
	return c, nil
}

func stripComments(s string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i] + "\n"
		}
		b.WriteString(line)
	}
	return b.String()
}

func parseRaw(s string) ([]vm.Insn, error) {
	var out []vm.Insn
	for _, f := range strings.Fields(stripComments(s)) {
		v, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(f), "0x"), 16, 64)
		if err != nil {
			return nil, fmt.Errorf("bad word %q", f)
		}
		var b [8]byte
		for i := range b {
			b[i] = byte(v >> (8 * i))
		}
		out = append(out, asm.DecodeInsn(b[:]))
	}
	return out, nil
}

func parseMem(s string) ([]byte, error) {
	out := []byte{}
	for _, f := range strings.Fields(stripComments(s)) {
		v, err := strconv.ParseUint(f, 16, 8)
		if err != nil {
			return nil, fmt.Errorf("bad byte %q", f)
		}
		out = append(out, byte(v))
	}
	return out, nil
}

func parseResult(s string) (uint64, error) {
	f := strings.Fields(stripComments(s))
	if len(f) != 1 {
		return 0, fmt.Errorf("want one value, got %q", strings.TrimSpace(s))
	}
	v := strings.ToLower(f[0])
	if h, ok := strings.CutPrefix(v, "0x"); ok {
		return strconv.ParseUint(h, 16, 64)
	}
	if strings.HasPrefix(v, "-") {
		n, err := strconv.ParseInt(v, 10, 64)
		return uint64(n), err
	}
	return strconv.ParseUint(v, 10, 64)
}

// Insns returns the case's instructions: Raw if present, else the
// assembled Asm.
func (c *Case) Insns() ([]vm.Insn, error) {
	if c.Raw != nil {
		return c.Raw, nil
	}
	return asm.Assemble(c.Asm)
}

// Program assembles the case into a program with ConformanceHelpers' names.
func (c *Case) Program() (*vm.Program, error) {
	insns, err := c.Insns()
	if err != nil {
		return nil, err
	}
	return NewProgram(insns, HelperNames), nil
}

// NewProgram wraps raw instructions into a vm.Program: a function starts at
// 0 and at every in-range local-call target, the entry "main" is at 0, and
// WritableBase is ImageBase (no image).
func NewProgram(insns []vm.Insn, helpers []string) *vm.Program {
	starts := []int{0}
	for pc, in := range insns {
		if in.Op == asm.OpCall && in.Src == asm.CallLocal {
			if t := pc + 1 + int(in.Imm); t > 0 && t < len(insns) {
				starts = append(starts, t)
			}
		}
	}
	slices.Sort(starts)
	starts = slices.Compact(starts)
	p := &vm.Program{
		Insns:        insns,
		Entries:      map[string]int{"main": 0},
		Helpers:      helpers,
		WritableBase: vm.ImageBase,
	}
	for i, s := range starts {
		end := len(insns)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		name := fmt.Sprintf("f%d", s)
		if s == 0 {
			name = "main"
		}
		p.Funcs = append(p.Funcs, vm.Func{Name: name, Section: ".text", Start: s, End: end})
	}
	if len(insns) == 0 {
		p.Funcs = nil
	}
	return p
}

// ErrUnwind is returned by the unwind helper when its argument is zero.
var ErrUnwind = errors.New("vmtest: unwind")

// HelperNames is the helper import list of conformance programs: index 5 is
// "unwind", the others are placeholders that trap.
var HelperNames = []string{"unassigned", "unassigned", "unassigned", "unassigned", "unassigned", "unwind"}

// ConformanceHelpers is the host table for HelperNames.
var ConformanceHelpers = vm.Helpers{
	"unwind": func(_ *vm.Call, r1, _, _, _, _ uint64) (uint64, error) {
		if r1 == 0 {
			return 0, ErrUnwind
		}
		return r1, nil
	},
	"unassigned": func(c *vm.Call, _, _, _, _, _ uint64) (uint64, error) {
		return 0, vm.ErrNoHelper
	},
}

// Run executes the case on engine e and returns nil when the outcome matches
// the expectation: r0 == Result, or an error (from the assembler, verifier,
// compiler or a trap) when the file has an error section.
func Run(e vm.Engine, c *Case) error {
	r0, err := execute(e, c)
	switch {
	case c.HasError && err == nil:
		return fmt.Errorf("%s: got r0 = %#x, want error %q", c.Name, r0, c.Error)
	case c.HasError:
		return nil
	case err != nil:
		return fmt.Errorf("%s: %w", c.Name, err)
	case r0 != c.Result:
		return fmt.Errorf("%s: r0 = %#x, want %#x", c.Name, r0, c.Result)
	}
	return nil
}

func execute(e vm.Engine, c *Case) (uint64, error) {
	p, err := c.Program()
	if err != nil {
		return 0, err
	}
	x, err := e.Compile(p, ConformanceHelpers, vm.Limits{Budget: 1 << 20})
	if err != nil {
		return 0, err
	}
	inst, err := x.NewInstance()
	if err != nil {
		return 0, err
	}
	defer inst.Close()
	r0, st, err := inst.Run(0, nil, c.Mem)
	if err == nil && st != vm.Done {
		return 0, fmt.Errorf("status %v, want done", st)
	}
	return r0, err
}
