package loader

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"zeroserve.dev/zeroserve/pkg/vm"
)

const clangDir = "../testdata/clang"

var testHelpers = map[string]bool{"zs_test_sum": true, "zs_test_fill": true, "zs_test_record": true}

func knownHelper(name string) bool { return testHelpers[name] }

func readObject(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(clangDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustLoad(t *testing.T, name string) *vm.Program {
	t.Helper()
	p, err := Load(readObject(t, name), Options{Helpers: knownHelper})
	if err != nil {
		t.Fatalf("Load(%s): %v", name, err)
	}
	checkInvariants(t, p, DefaultMaxImage)
	return p
}

// checkInvariants checks what every loaded program promises.
func checkInvariants(t testing.TB, p *vm.Program, maxImage int) {
	t.Helper()
	next := 0
	for _, f := range p.Funcs {
		if f.Start != next || f.End <= f.Start {
			t.Fatalf("funcs do not tile insns: %+v after %d", f, next)
		}
		next = f.End
	}
	if next != len(p.Insns) {
		t.Fatalf("funcs cover %d of %d insns", next, len(p.Insns))
	}
	for name, pc := range p.Entries {
		if !slices.ContainsFunc(p.Funcs, func(f vm.Func) bool { return f.Start == pc && f.Section == name }) {
			t.Fatalf("entry %s at %d is not the start of a function of that section", name, pc)
		}
	}
	// Calls are instructions, not the data slot of an lddw: walk each
	// function as the loader does, skipping second slots (RFC 9669 §3, wide
	// encoding). Their contents are left for the verifier to reject.
	var calls []int
	for _, f := range p.Funcs {
		for pc := f.Start; pc < f.End; pc++ {
			switch p.Insns[pc].Op {
			case opLDDW:
				pc++
			case opCall:
				calls = append(calls, pc)
			}
		}
	}
	for _, pc := range calls {
		ins := p.Insns[pc]
		switch ins.Src {
		case 0:
			if ins.Imm < 0 || int(ins.Imm) >= len(p.Helpers) {
				t.Fatalf("insn %d: helper index %d of %d", pc, ins.Imm, len(p.Helpers))
			}
		case 1:
			target := pc + 1 + int(ins.Imm)
			if !slices.ContainsFunc(p.Funcs, func(f vm.Func) bool { return f.Start == target }) {
				t.Fatalf("insn %d: call target %d is not a function start", pc, target)
			}
		}
	}
	if p.WritableBase%vm.PageSize != 0 || p.WritableBase < vm.ImageBase || p.WritableBase-vm.ImageBase > uint64(len(p.Image))+vm.PageSize {
		t.Fatalf("WritableBase %#x with image of %d bytes", p.WritableBase, len(p.Image))
	}
	if len(p.Image) > maxImage {
		t.Fatalf("image of %d bytes over the limit %d", len(p.Image), maxImage)
	}
	for i, l := range p.Lines {
		if l.PC < 0 || l.PC >= len(p.Insns) || i > 0 && l.PC < p.Lines[i-1].PC {
			t.Fatalf("line %d: %+v out of order or range", i, l)
		}
	}
}

// lddwAddrs returns the 64-bit immediates of the lddw instructions of section
// entry, in order.
func lddwAddrs(p *vm.Program, section string) []uint64 {
	var out []uint64
	for _, f := range p.Funcs {
		if f.Section != section {
			continue
		}
		for pc := f.Start; pc+1 < f.End; pc++ {
			if p.Insns[pc].Op == opLDDW {
				out = append(out, uint64(uint32(p.Insns[pc].Imm))|uint64(uint32(p.Insns[pc+1].Imm))<<32)
				pc++
			}
		}
	}
	return out
}

// guest returns n image bytes at guest address addr.
func guest(t *testing.T, p *vm.Program, addr uint64, n int) []byte {
	t.Helper()
	if addr < vm.ImageBase || addr-vm.ImageBase+uint64(n) > uint64(len(p.Image)) {
		t.Fatalf("address %#x+%d outside the image [%#x, %#x)", addr, n, vm.ImageBase, vm.ImageBase+len(p.Image))
	}
	return p.Image[addr-vm.ImageBase:][:n]
}

func cstring(t *testing.T, p *vm.Program, addr uint64) string {
	t.Helper()
	guest(t, p, addr, 1) // bounds
	b := p.Image[addr-vm.ImageBase:]
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		t.Fatalf("no NUL after %#x", addr)
	}
	return string(b[:i])
}

func funcNames(p *vm.Program) []string {
	var out []string
	for _, f := range p.Funcs {
		out = append(out, f.Section+":"+f.Name)
	}
	return out
}

func TestLoadStructure(t *testing.T) {
	tests := []struct {
		obj     string
		entries []string
		funcs   []string
		helpers []string
	}{
		{
			obj:     "calls.o",
			entries: []string{"zeroserve.call.sum", "zeroserve.call.twice", "zeroserve.request"},
			funcs: []string{"zeroserve.request:request", "zeroserve.call.sum:sum", "zeroserve.call.twice:twice",
				".text:top", ".text:mid", ".text:sum_to", ".text:leaf", ".text:add"},
			helpers: []string{"zs_test_record"},
		},
		{
			obj: "chain.o", entries: []string{"zeroserve.request"},
			funcs: []string{"zeroserve.request:request", ".text:f1", ".text:f2", ".text:f3", ".text:f4",
				".text:f5", ".text:f6", ".text:f7", ".text:f8", ".text:f9", ".text:f10"},
			helpers: []string{"zs_test_record"},
		},
		{
			obj:     "recursion.o",
			entries: []string{"zeroserve.request"},
			funcs:   []string{"zeroserve.request:request", ".text:even", ".text:odd"},
		},
		{
			obj:     "globals.o",
			entries: []string{"zeroserve.call.bss", "zeroserve.call.counter", "zeroserve.call.greeting", "zeroserve.call.words"},
			funcs: []string{"zeroserve.call.counter:bump", "zeroserve.call.greeting:greet",
				"zeroserve.call.words:word", "zeroserve.call.bss:bss"},
			helpers: []string{"zs_test_sum"},
		},
		{
			obj:     "structs.o",
			entries: []string{"zeroserve.call.bytes", "zeroserve.call.fill", "zeroserve.call.point"},
			funcs: []string{"zeroserve.call.point:point", "zeroserve.call.bytes:bytes",
				"zeroserve.call.fill:fill", ".text:move"},
			helpers: []string{"zs_test_sum", "zs_test_fill"},
		},
		{
			obj:     "loops.o",
			entries: []string{"zeroserve.call.signed", "zeroserve.call.sort", "zeroserve.call.squares"},
			funcs:   []string{"zeroserve.call.squares:squares", "zeroserve.call.sort:sort", "zeroserve.call.signed:sdiv"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.obj, func(t *testing.T) {
			p := mustLoad(t, tt.obj)
			var entries []string
			for name := range p.Entries {
				entries = append(entries, name)
			}
			slices.Sort(entries)
			if !slices.Equal(entries, tt.entries) {
				t.Errorf("entries = %v, want %v", entries, tt.entries)
			}
			if got := funcNames(p); !slices.Equal(got, tt.funcs) {
				t.Errorf("funcs = %v, want %v", got, tt.funcs)
			}
			if !slices.Equal(p.Helpers, tt.helpers) {
				t.Errorf("helpers = %v, want %v", p.Helpers, tt.helpers)
			}
		})
	}
}

// TestLoadCalls follows the local calls of calls.o by name.
func TestLoadCalls(t *testing.T) {
	p := mustLoad(t, "calls.o")
	callees := func(fn string) []string {
		var out []string
		for _, f := range p.Funcs {
			if f.Name != fn {
				continue
			}
			for pc := f.Start; pc < f.End; pc++ {
				ins := p.Insns[pc]
				switch {
				case ins.Op == opCall && ins.Src == 1:
					target := pc + 1 + int(ins.Imm)
					i := slices.IndexFunc(p.Funcs, func(f vm.Func) bool { return f.Start == target })
					out = append(out, p.Funcs[i].Name)
				case ins.Op == opCall && ins.Src == 0:
					out = append(out, p.Helpers[ins.Imm])
				}
			}
		}
		return out
	}
	tests := []struct {
		fn   string
		want []string
	}{
		{"request", []string{"top"}}, // global function, relocated by symbol
		{"top", []string{"mid"}},     // PC-relative inside .text
		{"mid", []string{"leaf", "leaf"}},
		{"leaf", []string{"zs_test_record"}},
		{"sum", []string{"sum_to"}}, // static function, relocated by section symbol
		{"sum_to", []string{"add"}},
		{"twice", []string{"top", "top"}},
	}
	for _, tt := range tests {
		if got := callees(tt.fn); !slices.Equal(got, tt.want) {
			t.Errorf("%s calls %v, want %v", tt.fn, got, tt.want)
		}
	}
}

func TestLoadData(t *testing.T) {
	p := mustLoad(t, "globals.o")
	if p.WritableBase != vm.ImageBase+vm.PageSize {
		t.Errorf("WritableBase = %#x, want one page of read-only data", p.WritableBase)
	}
	greet := lddwAddrs(p, "zeroserve.call.greeting")
	if len(greet) != 1 || greet[0] >= p.WritableBase || cstring(t, p, greet[0]) != "hello, world" {
		t.Fatalf("greeting lddw %#x does not point at the read-only string", greet)
	}
	// words[] is a pointer table in .rodata relocated against .rodata.str1.1.
	words := lddwAddrs(p, "zeroserve.call.words")
	var got []string
	for _, a := range words {
		if a >= p.WritableBase { // skip the volatile index in .data
			continue
		}
		for i := range 3 {
			ptr := binary.LittleEndian.Uint64(guest(t, p, a+uint64(8*i), 8))
			if ptr >= p.WritableBase {
				t.Fatalf("words[%d] = %#x, not in read-only data", i, ptr)
			}
			got = append(got, cstring(t, p, ptr))
		}
	}
	if want := []string{"alpha", "beta", "gamma"}; !slices.Equal(got, want) {
		t.Errorf("pointer table reads %q, want %q", got, want)
	}
	counter := lddwAddrs(p, "zeroserve.call.counter")
	if len(counter) != 1 || counter[0] < p.WritableBase || binary.LittleEndian.Uint64(guest(t, p, counter[0], 8)) != 40 {
		t.Errorf("counter lddw %#x: want the writable .data word holding 40", counter)
	}
	bss := lddwAddrs(p, "zeroserve.call.bss")
	if len(slices.Compact(slices.Clone(bss))) != 1 || bss[0] < p.WritableBase || !bytes.Equal(guest(t, p, bss[0], 256), make([]byte, 256)) {
		t.Errorf("scratch lddw %#x: want 256 zero writable bytes", bss)
	}
	if bss[0] < counter[0] {
		t.Errorf(".bss at %#x before .data at %#x", bss[0], counter[0])
	}
}

func TestLoadLines(t *testing.T) {
	p := mustLoad(t, "calls.o")
	if len(p.Lines) == 0 {
		t.Fatal("no lines")
	}
	for _, l := range p.Lines {
		if !strings.HasSuffix(l.File, "calls.c") || l.Line <= 0 {
			t.Fatalf("line %+v", l)
		}
	}
	tests := []struct {
		entry, text string
		line        int
	}{
		{"zeroserve.request", "return top(seed, 10);", 35},
		{"zeroserve.call.sum", "return sum_to(seed * 33 + 1);", 41},
	}
	for _, tt := range tests {
		l, ok := p.LineAt(p.Entries[tt.entry])
		if !ok || l.Line != tt.line || strings.TrimSpace(l.Text) != tt.text {
			t.Errorf("%s: line %+v, want %d %q", tt.entry, l, tt.line, tt.text)
		}
	}
	// The first line record of every function points into its own source.
	for _, f := range p.Funcs {
		l, ok := p.LineAt(f.Start)
		if !ok || l.PC != f.Start {
			t.Errorf("%s: no line record at its first instruction (got %+v)", f.Name, l)
		}
	}
}

// stripBTF renames .BTF and .BTF.ext so the loader does not find them.
func stripBTF(t *testing.T, obj []byte) []byte {
	t.Helper()
	out := bytes.Clone(obj)
	n := 0
	for _, from := range []string{".BTF.ext\x00", ".BTF\x00"} {
		i := bytes.Index(out, []byte(from))
		for i >= 0 {
			out[i+1] = 'X'
			n++
			j := bytes.Index(out[i+1:], []byte(from))
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
	if n == 0 {
		t.Fatal("no .BTF section names found")
	}
	return out
}

func TestLoadWithoutBTF(t *testing.T) {
	p, err := Load(stripBTF(t, readObject(t, "calls.o")), Options{Helpers: knownHelper})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Lines) != 0 {
		t.Errorf("%d lines without BTF", len(p.Lines))
	}
	with := mustLoad(t, "calls.o")
	if !reflect.DeepEqual(p.Insns, with.Insns) {
		t.Error("code differs without BTF")
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		obj      string
		opts     Options
		sentinel error
		want     []string // substrings of the message
	}{
		{"unknown_helper.o", Options{Helpers: knownHelper}, ErrUnknownHelper,
			[]string{`"zs_test_missing"`, "zeroserve.request", "unknown_helper.c:"}},
		{"kfunc.o", Options{}, ErrUnsupported, []string{`"bpf_kfunc_example"`, "__ksym"}},
		{"maps.o", Options{}, ErrUnsupported, []string{".maps", "maps are not supported"}},
		{"funcptr.o", Options{}, ErrUnsupported, []string{".rodata", "function pointers"}},
		{"globals.o", Options{MaxImage: 100}, ErrUnsupported, []string{"limit"}},
		{"calls.o", Options{Helpers: func(string) bool { return false }}, ErrUnknownHelper,
			[]string{`"zs_test_record"`, "section .text"}},
	}
	for _, tt := range tests {
		t.Run(tt.obj, func(t *testing.T) {
			_, err := Load(readObject(t, tt.obj), tt.opts)
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("err = %v, want %v", err, tt.sentinel)
			}
			var le *Error
			if !errors.As(err, &le) {
				t.Fatalf("err %T is not *loader.Error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestLoadUnknownHelperLocation(t *testing.T) {
	_, err := Load(readObject(t, "unknown_helper.o"), Options{Helpers: knownHelper})
	var le *Error
	if !errors.As(err, &le) {
		t.Fatalf("err = %v", err)
	}
	p, err := Load(readObject(t, "unknown_helper.o"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// With every helper accepted, the same instruction calls zs_test_missing.
	ins := p.Insns[p.Entries["zeroserve.request"]+le.Insn]
	if ins.Op != opCall || p.Helpers[ins.Imm] != "zs_test_missing" {
		t.Errorf("error at insn %d, which is %+v", le.Insn, ins)
	}
	if le.Line.Line != 8 {
		t.Errorf("error at line %+v, want unknown_helper.c:8", le.Line)
	}
}

func TestLoadHeader(t *testing.T) {
	valid := readObject(t, "calls.o")
	tests := []struct {
		name  string
		patch func(b []byte)
		want  string
	}{
		{"not ELF", func(b []byte) { b[0] = 'X' }, "parse ELF"},
		{"32-bit", func(b []byte) { b[elf.EI_CLASS] = byte(elf.ELFCLASS32) }, ""},
		{"big-endian", func(b []byte) { b[elf.EI_DATA] = byte(elf.ELFDATA2MSB) }, ""},
		{"executable", func(b []byte) { binary.LittleEndian.PutUint16(b[16:], uint16(elf.ET_EXEC)) }, "ET_REL"},
		{"x86", func(b []byte) { binary.LittleEndian.PutUint16(b[18:], uint16(elf.EM_X86_64)) }, "EM_BPF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bytes.Clone(valid)
			tt.patch(b)
			_, err := Load(b, Options{})
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrMalformed mentioning %q", err, tt.want)
			}
		})
	}
	// EM_NONE (old LLVM) is accepted.
	b := bytes.Clone(valid)
	binary.LittleEndian.PutUint16(b[18:], uint16(elf.EM_NONE))
	if _, err := Load(b, Options{}); err != nil {
		t.Errorf("EM_NONE: %v", err)
	}
}

func validObjects(t testing.TB) [][]byte {
	names, err := filepath.Glob(filepath.Join(clangDir, "*.o"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no objects in %s: %v", clangDir, err)
	}
	var out [][]byte
	for _, n := range names {
		b := readObject(t, filepath.Base(n))
		if _, err := Load(b, Options{}); err == nil {
			out = append(out, b)
		}
	}
	return out
}

// TestLoadPrefixes: every strict prefix of a valid object is rejected.
func TestLoadPrefixes(t *testing.T) {
	for _, obj := range validObjects(t) {
		for n := range len(obj) {
			if _, err := Load(obj[:n], Options{}); err == nil {
				t.Fatalf("prefix of %d of %d bytes accepted", n, len(obj))
			}
		}
	}
}

// TestLoadRoundTrip encodes the linked code back to bytes and compares it
// with the object's sections: only relocated instructions may differ.
func TestLoadRoundTrip(t *testing.T) {
	for _, obj := range validObjects(t) {
		f, err := elf.NewFile(bytes.NewReader(obj))
		if err != nil {
			t.Fatal(err)
		}
		p, err := Load(obj, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, fn := range p.Funcs {
			code, err := f.Section(fn.Section).Data()
			if err != nil {
				t.Fatal(err)
			}
			orig := code[symbolSlot(t, f, fn.Section, fn.Name)*8:]
			for pc := fn.Start; pc < fn.End; pc++ {
				ins := p.Insns[pc]
				var enc [8]byte
				enc[0], enc[1] = ins.Op, ins.Dst|ins.Src<<4
				binary.LittleEndian.PutUint16(enc[2:], uint16(ins.Off))
				binary.LittleEndian.PutUint32(enc[4:], uint32(ins.Imm))
				relocated := ins.Op == opCall || ins.Op == opLDDW || pc > fn.Start && p.Insns[pc-1].Op == opLDDW
				if want := orig[(pc-fn.Start)*8:][:8]; !relocated && !bytes.Equal(enc[:], want) {
					t.Fatalf("%s insn %d: % x, object has % x", fn.Name, pc, enc, want)
				}
			}
		}
	}
}

// symbolSlot returns the slot where function name starts in section sec.
func symbolSlot(t *testing.T, f *elf.File, sec, name string) int {
	t.Helper()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range syms {
		if s.Name == name && int(s.Section) < len(f.Sections) && f.Sections[s.Section].Name == sec {
			return int(s.Value / 8)
		}
	}
	t.Fatalf("no symbol %s in %s", name, sec)
	return 0
}

func TestLoadDeterministic(t *testing.T) {
	for _, obj := range validObjects(t) {
		a, errA := Load(obj, Options{})
		b, errB := Load(obj, Options{})
		if errA != nil || errB != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("two loads differ: %v %v", errA, errB)
		}
	}
}

func FuzzLoad(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join(clangDir, "*.o"))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	const maxImage = 1 << 20
	f.Fuzz(func(t *testing.T, obj []byte) {
		p, err := Load(obj, Options{MaxImage: maxImage, Helpers: knownHelper})
		if err != nil {
			var le *Error
			if !errors.As(err, &le) {
				t.Fatalf("error %T %v is not *loader.Error", err, err)
			}
			return
		}
		checkInvariants(t, p, maxImage)
		// Loading is a pure function of the object (no map-order or
		// aliasing effects): a second load gives the same program.
		if p2, err := Load(obj, Options{MaxImage: maxImage, Helpers: knownHelper}); err != nil || !reflect.DeepEqual(p, p2) {
			t.Fatalf("second load differs: %v", err)
		}
	})
}

// objectPatcher edits a valid object in place for negative tests.
type objectPatcher struct {
	t *testing.T
	b []byte
	f *elf.File
}

func newPatcher(t *testing.T, name string) *objectPatcher {
	b := readObject(t, name)
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return &objectPatcher{t, b, f}
}

// header returns the 64-byte section header of section name.
func (p *objectPatcher) header(name string) []byte {
	shoff := binary.LittleEndian.Uint64(p.b[0x28:])
	for i, s := range p.f.Sections {
		if s.Name == name {
			return p.b[shoff+uint64(i)*64:][:64]
		}
	}
	p.t.Fatalf("no section %q", name)
	return nil
}

// contents returns the file bytes of section name.
func (p *objectPatcher) contents(name string) []byte {
	s := p.f.Section(name)
	if s == nil {
		p.t.Fatalf("no section %q", name)
	}
	return p.b[s.Offset:][:s.Size]
}

func TestLoadMalformed(t *testing.T) {
	le := binary.LittleEndian
	tests := []struct {
		name     string
		obj      string
		patch    func(p *objectPatcher)
		sentinel error
		want     string
	}{
		{"reloc symbol out of range", "calls.o", func(p *objectPatcher) {
			le.PutUint32(p.contents(".relzeroserve.request")[12:], 9999)
		}, ErrMalformed, "symbol 9999 out of range"},
		{"reloc inside an instruction", "calls.o", func(p *objectPatcher) {
			r := p.contents(".relzeroserve.request")
			le.PutUint64(r, le.Uint64(r)+3)
		}, ErrMalformed, "not on an instruction"},
		{"reloc beyond the section", "calls.o", func(p *objectPatcher) {
			le.PutUint64(p.contents(".relzeroserve.request"), 1<<40)
		}, ErrMalformed, "not on an instruction"},
		{"reloc on a non-call", "calls.o", func(p *objectPatcher) {
			r := p.contents(".relzeroserve.request")
			p.contents("zeroserve.request")[le.Uint64(r)] = 0xb7 // mov
		}, ErrMalformed, "on opcode 0xb7"},
		{"unknown reloc type", "calls.o", func(p *objectPatcher) {
			le.PutUint32(p.contents(".relzeroserve.request")[8:], 77)
		}, ErrUnsupported, "relocation type 77"},
		{"call outside the section", "calls.o", func(p *objectPatcher) {
			// sum calls sum_to through the .text section symbol: imm = slot-1.
			code := p.contents("zeroserve.call.sum")
			for i := 0; i < len(code); i += 8 {
				if code[i] == opCall {
					le.PutUint32(code[i+4:], 100000)
				}
			}
		}, ErrMalformed, "outside section"},
		{"call into a function's middle", "calls.o", func(p *objectPatcher) {
			code := p.contents("zeroserve.call.sum")
			for i := 0; i < len(code); i += 8 {
				if code[i] == opCall {
					le.PutUint32(code[i+4:], le.Uint32(code[i+4:])+1)
				}
			}
		}, ErrMalformed, "not the start of a function"},
		{"local call outside the section", "calls.o", func(p *objectPatcher) {
			code := p.contents(".text") // top calls mid PC-relative
			for i := 0; i < len(code); i += 8 {
				if code[i] == opCall && code[i+1] == 0x10 && int32(le.Uint32(code[i+4:])) > 0 {
					le.PutUint32(code[i+4:], uint32(0xffff0000))
				}
			}
		}, ErrMalformed, "outside section"},
		{"helper by number", "calls.o", func(p *objectPatcher) {
			code := p.contents(".text")
			for i := 0; i < len(code); i += 8 {
				if code[i] == opCall && code[i+1] == 0x10 && int32(le.Uint32(code[i+4:])) > 0 {
					code[i+1] = 0 // src=0: a static helper ID
				}
			}
		}, ErrUnsupported, "helper number"},
		{"huge .bss", "globals.o", func(p *objectPatcher) {
			le.PutUint64(p.header(".bss")[32:], 1<<62)
		}, ErrUnsupported, "limit"},
		{"bad alignment", "globals.o", func(p *objectPatcher) {
			le.PutUint64(p.header(".data")[48:], 3)
		}, ErrMalformed, "alignment"},
		{"code size not a multiple of 8", "calls.o", func(p *objectPatcher) {
			h := p.header("zeroserve.call.sum")
			le.PutUint64(h[32:], le.Uint64(h[32:])-4)
		}, ErrMalformed, "multiple of 8"},
		{"empty entry section", "calls.o", func(p *objectPatcher) {
			le.PutUint64(p.header("zeroserve.call.sum")[32:], 0)
		}, ErrMalformed, "empty"},
		{"compressed code", "calls.o", func(p *objectPatcher) {
			h := p.header("zeroserve.call.sum")
			le.PutUint64(h[8:], le.Uint64(h[8:])|uint64(elf.SHF_COMPRESSED))
		}, ErrUnsupported, "compressed"},
		{"RELA relocations", "calls.o", func(p *objectPatcher) {
			le.PutUint32(p.header(".relzeroserve.request")[4:], uint32(elf.SHT_RELA))
		}, ErrUnsupported, "RELA"},
		{"pointer table beyond .rodata", "globals.o", func(p *objectPatcher) {
			le.PutUint64(p.contents(".rel.rodata"), 1<<20)
		}, ErrMalformed, "outside data section"},
		{"bad BTF magic", "calls.o", func(p *objectPatcher) {
			p.contents(".BTF")[0] = 0
		}, ErrMalformed, ".BTF"},
		{"BTF.ext line info out of range", "calls.o", func(p *objectPatcher) {
			le.PutUint32(p.contents(".BTF.ext")[20:], 1<<30)
		}, ErrMalformed, ".BTF.ext"},
		{"BTF string offset out of range", "calls.o", func(p *objectPatcher) {
			le.PutUint32(p.contents(".BTF")[16:], 1<<30)
		}, ErrMalformed, ".BTF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPatcher(t, tt.obj)
			tt.patch(p)
			_, err := Load(p.b, Options{Helpers: knownHelper})
			if !errors.Is(err, tt.sentinel) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %v mentioning %q", err, tt.sentinel, tt.want)
			}
		})
	}
}
