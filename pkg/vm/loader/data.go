package loader

import (
	"encoding/binary"
	"fmt"
	"math"

	"zeroserve.dev/zeroserve/pkg/vm"
)

// layoutData places the data sections in guest memory, builds the image and
// applies the relocations inside data sections:
//
//	ImageBase                   WritableBase (page aligned)
//	| .rodata, .rodata.str1.1 … | .data … (PROGBITS) | .bss … (NOBITS) |
func (o *object) layoutData() error {
	limit := uint64(o.opts.MaxImage)
	addr := uint64(vm.ImageBase)
	place := func(pick func(*section) bool) error {
		for _, s := range o.secs {
			if s.kind != kindData || !pick(s) {
				continue
			}
			addr = alignUp(addr, s.align)
			s.addr = addr
			addr += s.size // s.size <= limit, checked in readData
			if addr-vm.ImageBase > limit {
				return &Error{Section: s.name, Insn: -1, Reason: fmt.Sprintf("data image exceeds the limit of %d bytes", limit), Err: ErrUnsupported}
			}
		}
		return nil
	}
	if err := place(func(s *section) bool { return s.ro }); err != nil {
		return err
	}
	addr = alignUp(addr, vm.PageSize)
	o.prog.WritableBase = addr
	if err := place(func(s *section) bool { return !s.ro && s.data != nil }); err != nil {
		return err
	}
	if err := place(func(s *section) bool { return !s.ro && s.data == nil }); err != nil {
		return err
	}
	o.prog.Image = make([]byte, addr-vm.ImageBase)
	for _, s := range o.secs {
		if s.kind == kindData {
			copy(o.prog.Image[s.addr-vm.ImageBase:], s.data)
		}
	}
	for _, s := range o.secs {
		if s.kind == kindData {
			if err := o.relocateData(s); err != nil {
				return err
			}
		}
	}
	return nil
}

// relocateData applies the absolute relocations of data section s: pointers
// to other globals (e.g. a table of strings in .rodata). The addend is the
// value clang left in place.
func (o *object) relocateData(s *section) error {
	for _, r := range s.relocs {
		width := uint64(8)
		switch r.typ {
		case rBPFAbs64:
		case rBPFAbs32:
			width = 4
		default:
			return &Error{Section: s.name, Insn: -1, Reason: fmt.Sprintf("relocation type %d at %#x in a data section", r.typ, r.off), Err: ErrUnsupported}
		}
		if s.data == nil || r.off > s.size || s.size-r.off < width {
			return malformed("relocation at %#x outside data section %q", r.off, s.name)
		}
		b := o.prog.Image[s.addr-vm.ImageBase+r.off:]
		if width == 8 {
			a, err := o.dataAddress(r.sym, binary.LittleEndian.Uint64(b))
			if err != nil {
				return &Error{Section: s.name, Insn: -1, Reason: fmt.Sprintf("pointer at %#x: %v", r.off, err), Err: errSentinel(err)}
			}
			binary.LittleEndian.PutUint64(b, a)
			continue
		}
		a, err := o.dataAddress(r.sym, uint64(binary.LittleEndian.Uint32(b)))
		if err != nil {
			return &Error{Section: s.name, Insn: -1, Reason: fmt.Sprintf("pointer at %#x: %v", r.off, err), Err: errSentinel(err)}
		}
		if a > math.MaxUint32 {
			return &Error{Section: s.name, Insn: -1, Reason: fmt.Sprintf("32-bit pointer at %#x cannot hold address %#x", r.off, a), Err: ErrUnsupported}
		}
		binary.LittleEndian.PutUint32(b, uint32(a))
	}
	return nil
}

func alignUp(x, a uint64) uint64 { return (x + a - 1) &^ (a - 1) }
