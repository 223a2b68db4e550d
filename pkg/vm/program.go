package vm

// Insn is one raw eBPF instruction slot (RFC 9669 §3), decoded from its 8 bytes:
//
//	 0       8      12      16              32                              64
//	+--------+------+-------+---------------+-------------------------------+
//	| opcode | dst  |  src  |    offset     |           immediate           |
//	+--------+------+-------+---------------+-------------------------------+
//
// An lddw occupies two slots; the second carries the upper 32 bits in Imm.
type Insn struct {
	Op  uint8
	Dst uint8 // 0..15
	Src uint8 // 0..15
	Off int16
	Imm int32
}

// Guest address space of one instance (the "cage"). Guest pointers are offsets
// into a power-of-two arena:
//
//	0            ImageBase        WritableBase                     Size-StackSize   Size
//	+------------+----------------+----------------+--------------+----------------+
//	| zero guard | .rodata* (RO)  | .data  | .bss  | scratch (RW) |  stack (RW)    |
//	+------------+----------------+----------------+--------------+----------------+
//	 read-only                      writable window ------------------------------->
//
// r10 starts at Size (the stack grows down). The loader lays out the image and
// patches every lddw that refers to data with the absolute guest address.
const (
	ImageBase = 0x1000 // first byte of the program image
	PageSize  = 0x1000 // alignment of WritableBase
	FrameSize = 8192   // stack bytes per call frame; zspack passes it to clang as -bpf-stack-size
	MaxFrames = 8      // call depth limit, entry frame included
	StackSize = FrameSize * MaxFrames
)

// Program is a linked, not yet verified, eBPF program image: what the loader
// produces from a clang object and what the verifier and engines consume.
type Program struct {
	// Insns holds the code of every function, concatenated. bpf-to-bpf calls
	// (src=1) carry the slot offset from the next instruction in Imm; helper
	// calls (src=0) carry an index into Helpers in Imm.
	Insns []Insn
	// Funcs lists every function, sorted by Start, covering Insns without gaps.
	Funcs []Func
	// Entries maps an entry section name (e.g. "zeroserve.request") to the
	// index in Insns of its first instruction.
	Entries map[string]int
	// Helpers are the host helper names the program imports, by index.
	Helpers []string
	// Image is the initial content of guest memory from ImageBase: read-only
	// data first, then .data at WritableBase-ImageBase, then BSS zero bytes.
	Image []byte
	// WritableBase is the guest address where the writable window starts
	// (.data, then .bss, scratch and stack). It is a multiple of PageSize.
	WritableBase uint64
	// Lines maps instruction indexes to C source lines, sorted by PC (from BTF
	// line info; empty when the object has none).
	Lines []Line
}

// Func is one function of a program: Insns[Start:End].
type Func struct {
	Name    string
	Section string
	Start   int
	End     int
}

// Line is the source position of the instructions from PC on.
type Line struct {
	PC   int
	File string
	Line int
	Col  int
	Text string // the source line, when BTF carries it
}

// LineAt returns the source position of instruction pc, if known.
func (p *Program) LineAt(pc int) (Line, bool) {
	lo, hi := 0, len(p.Lines)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if p.Lines[m].PC <= pc {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return Line{}, false
	}
	return p.Lines[lo-1], true
}
