package loader

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"zeroserve.dev/zeroserve/pkg/vm"
)

// Sentinel errors; every error from [Load] wraps exactly one of them.
var (
	// ErrMalformed: the input is not a well-formed BPF object.
	ErrMalformed = errors.New("malformed object")
	// ErrUnsupported: a well-formed object uses a feature the VM lacks.
	ErrUnsupported = errors.New("not supported")
	// ErrUnknownHelper: a call to an extern function that Options.Helpers
	// does not know.
	ErrUnknownHelper = errors.New("unknown helper")
)

// DefaultMaxImage bounds the data image when Options.MaxImage is 0.
const DefaultMaxImage = 16 << 20

// Options configure [Load].
type Options struct {
	// Helpers reports whether name is a host helper. nil accepts every name.
	Helpers func(name string) bool
	// MaxImage bounds len(Program.Image) in bytes; 0 means DefaultMaxImage.
	MaxImage int
}

// Error is a load failure. Section and Insn locate it when it concerns one
// instruction; Line is the C source position when BTF line info has it.
type Error struct {
	Section string // ELF section name; "" when not about one section
	Insn    int    // instruction slot within Section; -1 when not about one
	Line    vm.Line
	Reason  string
	Err     error // ErrMalformed, ErrUnsupported or ErrUnknownHelper
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("load")
	if e.Section != "" {
		fmt.Fprintf(&b, ": section %s", e.Section)
		if e.Insn >= 0 {
			fmt.Fprintf(&b, " insn %d", e.Insn)
		}
		if e.Line.File != "" {
			fmt.Fprintf(&b, " (%s:%d)", e.Line.File, e.Line.Line)
		}
	}
	fmt.Fprintf(&b, ": %s", e.Reason)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// BPF relocation types (llvm/BinaryFormat/ELFRelocs/BPF.def).
const (
	rBPFNone     = 0
	rBPF64_64    = 1  // lddw imm64
	rBPFAbs64    = 2  // 64-bit data word
	rBPFAbs32    = 3  // 32-bit data word
	rBPFNoDyld32 = 4  // 32-bit data word, debug info only
	rBPF64_32    = 10 // call imm
)

// Opcodes the linker inspects.
const (
	opLDDW = 0x18 // {IMM, DW, LD}
	opCall = 0x85 // {CALL, K, JMP}
)

// Load links obj, a clang BPF relocatable object, into a program.
func Load(obj []byte, opts Options) (*vm.Program, error) {
	if opts.MaxImage <= 0 {
		opts.MaxImage = DefaultMaxImage
	}
	o := &object{opts: opts}
	steps := []func() error{
		func() error { return o.open(obj) },
		o.readSections,
		o.readSymbols,
		o.readRelocations,
		o.readBTF,
		o.findFunctions,
		o.resolveCalls,
		o.layoutCode,
		o.layoutData,
		o.emit,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return &o.prog, nil
}

// object is the state of one Load.
type object struct {
	opts  Options
	f     *elf.File
	secs  []*section // by ELF section index; nil for sections we skip
	syms  []elf.Symbol
	btf   btfInfo
	order []*function // code layout order
	prog  vm.Program
}

type secKind uint8

const (
	kindIgnored secKind = iota
	kindCode
	kindData
)

type section struct {
	idx    int
	name   string
	kind   secKind
	size   uint64
	data   []byte // nil for NOBITS
	relocs []reloc

	// code
	insns  []vm.Insn
	funcs  []*function // sorted by start, tiling the section
	relAt  map[int]reloc
	isText bool

	// data
	ro    bool
	align uint64
	addr  uint64 // guest address
}

type reloc struct {
	off uint64
	typ uint32
	sym uint32 // index into the ELF symbol table (0 = none)
}

type function struct {
	name       string
	sec        *section
	start, end int // slots in sec
	reached    bool
	pos        int // index of the first slot in Program.Insns
	calls      []call
}

// call is one resolved call instruction of a function.
type call struct {
	slot   int       // in the section
	callee *function // local call, or nil
	helper string    // helper name when callee is nil
}

func malformed(format string, args ...any) error {
	return &Error{Insn: -1, Reason: fmt.Sprintf(format, args...), Err: ErrMalformed}
}

// errAt builds an error about slot of section s.
func (o *object) errAt(s *section, slot int, sentinel error, format string, args ...any) error {
	e := &Error{Section: s.name, Insn: slot, Reason: fmt.Sprintf(format, args...), Err: sentinel}
	if l, ok := o.btf.lineAt(s.name, slot); ok {
		e.Line = l
	}
	return e
}

func (o *object) open(obj []byte) error {
	f, err := elf.NewFile(bytes.NewReader(obj))
	if err != nil {
		return malformed("parse ELF: %v", err)
	}
	switch {
	case f.Class != elf.ELFCLASS64:
		return malformed("ELF class %v, want ELFCLASS64", f.Class)
	case f.Data != elf.ELFDATA2LSB:
		return malformed("ELF data %v, want little-endian (ELFDATA2LSB)", f.Data)
	case f.Type != elf.ET_REL:
		return malformed("ELF type %v, want a relocatable object (ET_REL)", f.Type)
	case f.Machine != elf.EM_BPF && f.Machine != elf.EM_NONE:
		return malformed("ELF machine %v, want EM_BPF (compile with clang -target bpf)", f.Machine)
	}
	o.f = f
	return nil
}

// readSections classifies every section and reads code and data.
func (o *object) readSections() error {
	o.secs = make([]*section, len(o.f.Sections))
	for i, es := range o.f.Sections {
		s := &section{idx: i, name: es.Name, size: es.Size}
		switch {
		case es.Flags&elf.SHF_COMPRESSED != 0 && es.Flags&elf.SHF_ALLOC != 0:
			return &Error{Section: es.Name, Insn: -1, Reason: "compressed section", Err: ErrUnsupported}
		case es.Flags&elf.SHF_EXECINSTR != 0 && es.Flags&elf.SHF_ALLOC != 0:
			if err := o.readCode(s, es); err != nil {
				return err
			}
		case es.Flags&elf.SHF_ALLOC != 0:
			if err := o.readData(s, es); err != nil {
				return err
			}
		}
		o.secs[i] = s
	}
	return nil
}

func (o *object) readCode(s *section, es *elf.Section) error {
	if es.Type != elf.SHT_PROGBITS {
		return malformed("code section %q has type %v", s.name, es.Type)
	}
	if s.size%8 != 0 {
		return malformed("code section %q size %d is not a multiple of 8", s.name, s.size)
	}
	s.kind, s.isText = kindCode, s.name == ".text"
	if s.size == 0 {
		if s.isText {
			return nil
		}
		return malformed("entry section %q is empty", s.name)
	}
	data, err := sectionData(es)
	if err != nil {
		return err
	}
	s.insns = make([]vm.Insn, len(data)/8)
	for i := range s.insns {
		b := data[i*8:]
		s.insns[i] = vm.Insn{
			Op:  b[0],
			Dst: b[1] & 0xf,
			Src: b[1] >> 4,
			Off: int16(binary.LittleEndian.Uint16(b[2:])),
			Imm: int32(binary.LittleEndian.Uint32(b[4:])),
		}
	}
	return nil
}

func (o *object) readData(s *section, es *elf.Section) error {
	name := s.name
	switch {
	case name == ".maps" || name == "maps":
		return &Error{Section: name, Insn: -1, Reason: "maps are not supported; keep state in globals or use helpers", Err: ErrUnsupported}
	case name == "license" || name == "version":
		return nil // kernel metadata, meaningless here
	case !hasAnyPrefix(name, ".rodata", ".data", ".bss"):
		return &Error{Section: name, Insn: -1, Reason: "unsupported allocated section; globals must live in .rodata*, .data* or .bss*", Err: ErrUnsupported}
	}
	s.kind, s.ro = kindData, es.Flags&elf.SHF_WRITE == 0
	s.align = es.Addralign
	if s.align == 0 {
		s.align = 1
	}
	if s.align&(s.align-1) != 0 || s.align > vm.PageSize {
		return malformed("section %q alignment %d is not a power of two up to %d", name, s.align, vm.PageSize)
	}
	if s.size > uint64(o.opts.MaxImage) {
		return &Error{Section: name, Insn: -1, Reason: fmt.Sprintf("size %d exceeds the image limit %d", s.size, o.opts.MaxImage), Err: ErrUnsupported}
	}
	switch es.Type {
	case elf.SHT_NOBITS:
		return nil
	case elf.SHT_PROGBITS:
		data, err := sectionData(es)
		if err != nil {
			return err
		}
		s.data = data
		return nil
	}
	return malformed("data section %q has type %v", name, es.Type)
}

// sectionData reads the contents of es. Compressed sections are refused:
// clang does not compress what the loader reads, and inflating untrusted
// input could exhaust memory.
func sectionData(es *elf.Section) ([]byte, error) {
	if es.Flags&elf.SHF_COMPRESSED != 0 {
		return nil, &Error{Section: es.Name, Insn: -1, Reason: "compressed section", Err: ErrUnsupported}
	}
	data, err := es.Data()
	if err != nil || uint64(len(data)) != es.Size {
		return nil, malformed("read section %q: %v", es.Name, err)
	}
	return data, nil
}

func (o *object) readSymbols() error {
	syms, err := o.f.Symbols()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return malformed("read symbols: %v", err)
	}
	o.syms = syms
	return nil
}

// symbol returns ELF symbol i (debug/elf drops the null symbol 0).
func (o *object) symbol(i uint32) (*elf.Symbol, bool) {
	if i == 0 || uint64(i) > uint64(len(o.syms)) {
		return nil, false
	}
	return &o.syms[i-1], true
}

// symSection returns the section a defined symbol lives in, or nil.
func (o *object) symSection(sym *elf.Symbol) *section {
	i := int(sym.Section)
	if sym.Section == elf.SHN_UNDEF || sym.Section >= elf.SHN_LORESERVE || i >= len(o.secs) {
		return nil
	}
	return o.secs[i]
}

// symName names a symbol for messages (section symbols have no name).
func (o *object) symName(sym *elf.Symbol) string {
	if sym.Name == "" {
		if s := o.symSection(sym); s != nil {
			return s.name
		}
	}
	return sym.Name
}

func (o *object) readRelocations() error {
	for _, es := range o.f.Sections {
		if es.Type != elf.SHT_REL && es.Type != elf.SHT_RELA {
			continue
		}
		if uint64(es.Info) >= uint64(len(o.secs)) {
			return malformed("relocation section %q targets section %d of %d", es.Name, es.Info, len(o.secs))
		}
		target := o.secs[es.Info]
		if target.kind == kindIgnored {
			continue // .BTF, .BTF.ext, .debug_*: nothing to link
		}
		if es.Type == elf.SHT_RELA {
			return &Error{Section: target.name, Insn: -1, Reason: "RELA relocations are not supported (clang emits REL)", Err: ErrUnsupported}
		}
		data, err := sectionData(es)
		if err != nil {
			return err
		}
		if len(data)%16 != 0 {
			return malformed("relocation section %q size %d is not a multiple of 16", es.Name, len(data))
		}
		for b := data; len(b) > 0; b = b[16:] {
			info := binary.LittleEndian.Uint64(b[8:])
			r := reloc{off: binary.LittleEndian.Uint64(b), typ: uint32(info), sym: uint32(info >> 32)}
			if r.typ == rBPFNone {
				continue
			}
			if _, ok := o.symbol(r.sym); !ok {
				return malformed("relocation in %q at %#x: symbol %d out of range", target.name, r.off, r.sym)
			}
			target.relocs = append(target.relocs, r)
		}
	}
	return o.indexCodeRelocations()
}

// indexCodeRelocations checks each code relocation against its instruction.
func (o *object) indexCodeRelocations() error {
	for _, s := range o.secs {
		if s.kind != kindCode {
			continue
		}
		s.relAt = make(map[int]reloc, len(s.relocs))
		for _, r := range s.relocs {
			if r.off%8 != 0 || r.off >= s.size {
				return malformed("relocation in %q at offset %#x is not on an instruction", s.name, r.off)
			}
			slot := int(r.off / 8)
			if _, dup := s.relAt[slot]; dup {
				return o.errAt(s, slot, ErrMalformed, "two relocations on one instruction")
			}
			ins := s.insns[slot]
			switch {
			case r.typ == rBPF64_64 && ins.Op == opLDDW && slot+1 < len(s.insns):
			case r.typ == rBPF64_32 && ins.Op == opCall:
			case r.typ == rBPF64_64 || r.typ == rBPF64_32:
				return o.errAt(s, slot, ErrMalformed, "relocation type %d on opcode %#02x", r.typ, ins.Op)
			default:
				return o.errAt(s, slot, ErrUnsupported, "relocation type %d in code", r.typ)
			}
			s.relAt[slot] = r
		}
	}
	return nil
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
