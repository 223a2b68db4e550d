package loader

import (
	"debug/elf"
	"fmt"
	"slices"
	"sort"

	"zeroserve.dev/zeroserve/pkg/vm"
)

// findFunctions splits every code section into functions at its STT_FUNC
// symbols. Each function runs to the next one, so they tile the section; code
// before the first symbol becomes a function named after the section.
func (o *object) findFunctions() error {
	starts := map[*section]map[int]string{}
	for i := range o.syms {
		sym := &o.syms[i]
		s := o.symSection(sym)
		if elf.ST_TYPE(sym.Info) != elf.STT_FUNC || s == nil || s.kind != kindCode {
			continue
		}
		if sym.Value%8 != 0 || sym.Value >= s.size {
			return malformed("function %q at %#x is outside section %q or misaligned", sym.Name, sym.Value, s.name)
		}
		if starts[s] == nil {
			starts[s] = map[int]string{}
		}
		if _, dup := starts[s][int(sym.Value/8)]; !dup {
			starts[s][int(sym.Value/8)] = sym.Name
		}
	}
	for _, s := range o.secs {
		if s.kind != kindCode || len(s.insns) == 0 {
			continue
		}
		m := starts[s]
		if _, ok := m[0]; !ok {
			if m == nil {
				m = map[int]string{}
			}
			m[0] = s.name
		}
		at := make([]int, 0, len(m))
		for slot := range m {
			at = append(at, slot)
		}
		slices.Sort(at)
		for i, start := range at {
			end := len(s.insns)
			if i+1 < len(at) {
				end = at[i+1]
			}
			s.funcs = append(s.funcs, &function{name: m[start], sec: s, start: start, end: end})
		}
	}
	return nil
}

// funcAt returns the function of s starting exactly at slot.
func (s *section) funcAt(slot int) *function {
	i := sort.Search(len(s.funcs), func(i int) bool { return s.funcs[i].start >= slot })
	if i < len(s.funcs) && s.funcs[i].start == slot {
		return s.funcs[i]
	}
	return nil
}

// resolveCalls finds the callee of every call in the entry sections and in
// the .text functions they reach, transitively.
func (o *object) resolveCalls() error {
	var work []*function
	for _, s := range o.secs {
		if s.kind == kindCode && !s.isText {
			for _, fn := range s.funcs {
				fn.reached = true
				work = append(work, fn)
			}
		}
	}
	if len(work) == 0 {
		return malformed("no entry sections: mark entry functions with __attribute__((section(\"zeroserve.request\")))")
	}
	for len(work) > 0 {
		fn := work[len(work)-1]
		work = work[:len(work)-1]
		if err := o.resolveFunc(fn); err != nil {
			return err
		}
		for _, c := range fn.calls {
			if c.callee != nil && !c.callee.reached {
				c.callee.reached = true
				work = append(work, c.callee)
			}
		}
	}
	return nil
}

func (o *object) resolveFunc(fn *function) error {
	s := fn.sec
	for slot := fn.start; slot < fn.end; slot++ {
		ins := s.insns[slot]
		if ins.Op == opLDDW {
			slot++ // the second slot is data
			continue
		}
		if ins.Op != opCall {
			continue
		}
		c, err := o.resolveCall(s, slot)
		if err != nil {
			return err
		}
		if c.callee != nil || c.helper != "" {
			fn.calls = append(fn.calls, c)
		}
	}
	return nil
}

// resolveCall resolves the call instruction at slot of s. A call left for
// the verifier to judge (an unknown src) resolves to the zero call.
func (o *object) resolveCall(s *section, slot int) (call, error) {
	ins := s.insns[slot]
	r, ok := s.relAt[slot]
	if !ok {
		switch ins.Src {
		case 0:
			return call{}, o.errAt(s, slot, ErrUnsupported, "call to helper number %d: declare helpers as extern functions, they are linked by name", ins.Imm)
		case 1: // PC-relative inside this section
			return o.localCall(s, slot, s, int64(slot)+1+int64(ins.Imm))
		}
		return call{}, nil
	}
	sym, _ := o.symbol(r.sym)
	name := o.symName(sym)
	switch ts := o.symSection(sym); {
	case sym.Section == elf.SHN_UNDEF:
		if name == "" {
			return call{}, o.errAt(s, slot, ErrMalformed, "call to an unnamed undefined symbol")
		}
		if o.btf.ksyms[name] {
			return call{}, o.errAt(s, slot, ErrUnsupported, "call to kfunc %q: __ksym externs are not supported, declare helpers as plain extern functions", name)
		}
		if o.opts.Helpers != nil && !o.opts.Helpers(name) {
			return call{}, o.errAt(s, slot, ErrUnknownHelper, "call to unknown helper %q", name)
		}
		return call{slot: slot, helper: name}, nil
	case sym.Section == elf.SHN_COMMON:
		return call{}, o.errAt(s, slot, ErrUnsupported, "call to common symbol %q", name)
	case ts == nil || ts.kind != kindCode:
		return call{}, o.errAt(s, slot, ErrMalformed, "call to %q, which is not code", name)
	case sym.Value%8 != 0 || sym.Value > ts.size:
		return call{}, o.errAt(s, slot, ErrMalformed, "call to %q at misaligned or out-of-range offset %#x", name, sym.Value)
	default:
		// libbpf's rule: callee slot = st_value/8 + imm + 1. clang writes imm = -1
		// against a function symbol and imm = slot-1 against a section symbol.
		return o.localCall(s, slot, ts, int64(sym.Value/8)+int64(ins.Imm)+1)
	}
}

func (o *object) localCall(s *section, slot int, ts *section, target int64) (call, error) {
	if target < 0 || target >= int64(len(ts.insns)) {
		return call{}, o.errAt(s, slot, ErrMalformed, "call target %d is outside section %q", target, ts.name)
	}
	callee := ts.funcAt(int(target))
	if callee == nil {
		return call{}, o.errAt(s, slot, ErrMalformed, "call target %s+%d is not the start of a function", ts.name, target)
	}
	return call{slot: slot, callee: callee}, nil
}

// layoutCode orders the functions: entry sections in file order, then the
// reached .text functions in address order.
func (o *object) layoutCode() error {
	var text *section
	for _, s := range o.secs {
		if s.kind != kindCode {
			continue
		}
		if s.isText {
			text = s
			continue
		}
		o.order = append(o.order, s.funcs...)
	}
	if text != nil {
		for _, fn := range text.funcs {
			if fn.reached {
				o.order = append(o.order, fn)
			}
		}
	}
	pos := 0
	for _, fn := range o.order {
		fn.pos = pos
		pos += fn.end - fn.start
	}
	o.prog.Entries = map[string]int{}
	for _, s := range o.secs {
		if s.kind == kindCode && !s.isText {
			if _, dup := o.prog.Entries[s.name]; dup {
				return malformed("two entry sections named %q", s.name)
			}
			o.prog.Entries[s.name] = s.funcs[0].pos
		}
	}
	return nil
}

// emit concatenates the code and applies the code relocations.
func (o *object) emit() error {
	p := &o.prog
	helpers := map[string]int{}
	for _, fn := range o.order {
		p.Funcs = append(p.Funcs, vm.Func{Name: fn.name, Section: fn.sec.name, Start: fn.pos, End: fn.pos + fn.end - fn.start})
		p.Insns = append(p.Insns, fn.sec.insns[fn.start:fn.end]...)
		for _, c := range fn.calls {
			ins := &p.Insns[fn.pos+c.slot-fn.start]
			if c.callee != nil {
				ins.Src, ins.Imm = 1, int32(c.callee.pos-(fn.pos+c.slot-fn.start)-1)
				continue
			}
			id, ok := helpers[c.helper]
			if !ok {
				id = len(p.Helpers)
				helpers[c.helper] = id
				p.Helpers = append(p.Helpers, c.helper)
			}
			ins.Src, ins.Imm = 0, int32(id)
		}
		if err := o.patchLoads(fn); err != nil {
			return err
		}
	}
	o.prog.Lines = o.btf.programLines(o.order)
	return nil
}

// patchLoads turns every lddw of fn relocated against data into a plain
// 64-bit immediate holding the guest address.
func (o *object) patchLoads(fn *function) error {
	s := fn.sec
	for slot := fn.start; slot < fn.end; slot++ {
		r, ok := s.relAt[slot]
		if !ok || r.typ != rBPF64_64 {
			continue
		}
		if slot+1 >= fn.end {
			return o.errAt(s, slot, ErrMalformed, "lddw at the end of function %q", fn.name)
		}
		first, second := &o.prog.Insns[fn.pos+slot-fn.start], &o.prog.Insns[fn.pos+slot+1-fn.start]
		addend := uint64(uint32(first.Imm)) | uint64(uint32(second.Imm))<<32
		addr, err := o.dataAddress(r.sym, addend)
		if err != nil {
			return o.errAt(s, slot, errSentinel(err), "lddw: %v", err)
		}
		first.Src = 0
		first.Imm, second.Imm = int32(uint32(addr)), int32(uint32(addr>>32))
	}
	return nil
}

// dataAddress returns the guest address of symbol i plus addend, which must
// lie in a data section.
func (o *object) dataAddress(i uint32, addend uint64) (uint64, error) {
	sym, _ := o.symbol(i)
	name := o.symName(sym)
	ts := o.symSection(sym)
	switch {
	case sym.Section == elf.SHN_UNDEF && o.btf.ksyms[name]:
		return 0, unsupportedf("ksym %q: __ksym externs are not supported", name)
	case sym.Section == elf.SHN_UNDEF:
		return 0, unsupportedf("extern variable %q: only extern functions (helpers) can be imported", name)
	case sym.Section == elf.SHN_COMMON:
		return 0, unsupportedf("common symbol %q: compile with -fno-common", name)
	case ts == nil:
		return 0, unsupportedf("symbol %q in special section %v", name, sym.Section)
	case ts.kind == kindCode:
		return 0, unsupportedf("address of function %q: function pointers are not supported", name)
	case ts.kind != kindData:
		return 0, unsupportedf("symbol %q in section %q, which is not loaded", name, ts.name)
	case sym.Value > ts.size:
		return 0, malformedf("symbol %q at %#x is outside section %q", name, sym.Value, ts.name)
	}
	return ts.addr + sym.Value + addend, nil
}

// sentinelError carries a sentinel through helpers that build the message
// before the location is known.
type sentinelError struct {
	msg string
	err error
}

func (e *sentinelError) Error() string { return e.msg }
func (e *sentinelError) Unwrap() error { return e.err }

func unsupportedf(format string, args ...any) error {
	return &sentinelError{fmt.Sprintf(format, args...), ErrUnsupported}
}

func malformedf(format string, args ...any) error {
	return &sentinelError{fmt.Sprintf(format, args...), ErrMalformed}
}

func errSentinel(err error) error {
	if se, ok := err.(*sentinelError); ok {
		return se.err
	}
	return ErrMalformed
}
