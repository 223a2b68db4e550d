package loader

import (
	"bytes"
	"encoding/binary"
	"slices"
	"sort"

	"zeroserve.dev/zeroserve/pkg/vm"
)

// btfInfo is what the loader takes from BTF: source lines per section and the
// names of __ksym externs (kfuncs and kernel variables) to reject clearly.
type btfInfo struct {
	lines map[string][]secLine // by ELF section name, sorted by slot
	ksyms map[string]bool
}

type secLine struct {
	slot int
	line vm.Line // PC unset
}

const btfMagic = 0xeb9f

// readBTF parses .BTF and .BTF.ext when present. Layouts (kernel
// Documentation/bpf/btf.rst):
//
//	.BTF:     magic u16 | version u8 | flags u8 | hdr_len u32 |
//	          type_off u32 | type_len u32 | str_off u32 | str_len u32
//	.BTF.ext: magic u16 | version u8 | flags u8 | hdr_len u32 |
//	          func_info_off u32 | func_info_len u32 |
//	          line_info_off u32 | line_info_len u32 | ...
//
// Offsets count from the end of the header.
func (o *object) readBTF() error {
	raw, ok, err := o.sectionBytes(".BTF")
	if err != nil || !ok {
		return err
	}
	types, area, err := btfSplit(raw)
	if err != nil {
		return err
	}
	strs := newBTFStrings(area)
	if o.btf.ksyms, err = btfKsyms(types, strs); err != nil {
		return err
	}
	ext, ok, err := o.sectionBytes(".BTF.ext")
	if err != nil || !ok {
		return err
	}
	o.btf.lines, err = btfLines(ext, strs)
	return err
}

func (o *object) sectionBytes(name string) ([]byte, bool, error) {
	es := o.f.Section(name)
	if es == nil {
		return nil, false, nil
	}
	b, err := sectionData(es)
	return b, err == nil, err
}

// subslice returns b[off:off+n] or false when out of range.
func subslice(b []byte, off, n uint64) ([]byte, bool) {
	if off > uint64(len(b)) || n > uint64(len(b))-off {
		return nil, false
	}
	return b[off : off+n], true
}

// btfSplit returns the type and string areas of a .BTF section.
func btfSplit(raw []byte) (types, strs []byte, err error) {
	if len(raw) < 24 || binary.LittleEndian.Uint16(raw) != btfMagic {
		return nil, nil, malformed(".BTF: bad header")
	}
	le := binary.LittleEndian
	hdr := uint64(le.Uint32(raw[4:]))
	if hdr < 24 || hdr > uint64(len(raw)) {
		return nil, nil, malformed(".BTF: header length %d out of range", hdr)
	}
	body := raw[hdr:]
	types, ok1 := subslice(body, uint64(le.Uint32(raw[8:])), uint64(le.Uint32(raw[12:])))
	strs, ok2 := subslice(body, uint64(le.Uint32(raw[16:])), uint64(le.Uint32(raw[20:])))
	if !ok1 || !ok2 {
		return nil, nil, malformed(".BTF: type or string area out of range")
	}
	return types, strs, nil
}

// btfStrings is a BTF string area. Its strings are substrings of one copy
// of the area, found through the sorted positions of its NUL bytes, so that
// records naming the same long string neither copy it nor rescan it.
type btfStrings struct {
	s   string
	nul []uint32
}

func newBTFStrings(strs []byte) *btfStrings {
	bs := &btfStrings{s: string(strs)}
	for i := 0; ; {
		j := bytes.IndexByte(strs[i:], 0)
		if j < 0 {
			break
		}
		bs.nul = append(bs.nul, uint32(i+j))
		i += j + 1
	}
	return bs
}

// at returns the NUL-terminated string at off.
func (bs *btfStrings) at(off uint32) (string, bool) {
	if uint64(off) >= uint64(len(bs.s)) {
		return "", off == 0
	}
	i, _ := slices.BinarySearch(bs.nul, off)
	if i == len(bs.nul) {
		return "", false
	}
	return bs.s[off:bs.nul[i]], true
}

// BTF kinds whose records have a trailer (btf.rst §2.2).
const (
	btfKindInt     = 1
	btfKindArray   = 3
	btfKindStruct  = 4
	btfKindUnion   = 5
	btfKindEnum    = 6
	btfKindProto   = 13
	btfKindVar     = 14
	btfKindDatasec = 15
	btfKindDecl    = 17
	btfKindEnum64  = 19
	btfKindMax     = 19
)

// btfKsyms walks the type records and returns the names of the variables and
// functions listed in the DATASEC ".ksyms".
func btfKsyms(types []byte, strs *btfStrings) (map[string]bool, error) {
	le := binary.LittleEndian
	var names []uint32 // name_off by type ID - 1
	var ksymIDs []uint32
	for off := 0; off < len(types); {
		if len(types)-off < 12 {
			return nil, malformed(".BTF: truncated type %d", len(names)+1)
		}
		nameOff, info := le.Uint32(types[off:]), le.Uint32(types[off+4:])
		kind, vlen := (info>>24)&0x1f, int(info&0xffff)
		names = append(names, nameOff)
		trailer := 0
		switch kind {
		case btfKindInt, btfKindVar, btfKindDecl:
			trailer = 4
		case btfKindArray:
			trailer = 12
		case btfKindStruct, btfKindUnion, btfKindEnum64, btfKindDatasec:
			trailer = 12 * vlen
		case btfKindEnum, btfKindProto:
			trailer = 8 * vlen
		case 0:
			return nil, malformed(".BTF: type %d has kind 0", len(names))
		default:
			if kind > btfKindMax {
				return nil, malformed(".BTF: type %d has unknown kind %d", len(names), kind)
			}
		}
		off += 12
		if len(types)-off < trailer {
			return nil, malformed(".BTF: truncated type %d", len(names))
		}
		if name, _ := strs.at(nameOff); kind == btfKindDatasec && name == ".ksyms" {
			for i := range vlen {
				ksymIDs = append(ksymIDs, le.Uint32(types[off+12*i:]))
			}
		}
		off += trailer
	}
	ksyms := map[string]bool{}
	for _, id := range ksymIDs {
		if id == 0 || uint64(id) > uint64(len(names)) {
			return nil, malformed(".BTF: .ksyms refers to type %d of %d", id, len(names))
		}
		if name, ok := strs.at(names[id-1]); ok && name != "" {
			ksyms[name] = true
		}
	}
	return ksyms, nil
}

// btfLines parses the line_info area of .BTF.ext:
//
//	rec_size u32, then per section: sec_name_off u32 | num_info u32 |
//	num_info × (insn_off u32 | file_name_off u32 | line_off u32 | line_col u32)
//
// insn_off is a byte offset in the section; line_col = line<<10 | col.
func btfLines(ext []byte, strs *btfStrings) (map[string][]secLine, error) {
	le := binary.LittleEndian
	if len(ext) < 24 || le.Uint16(ext) != btfMagic {
		return nil, malformed(".BTF.ext: bad header")
	}
	hdr := uint64(le.Uint32(ext[4:]))
	if hdr < 24 || hdr > uint64(len(ext)) {
		return nil, malformed(".BTF.ext: header length %d out of range", hdr)
	}
	area, ok := subslice(ext[hdr:], uint64(le.Uint32(ext[16:])), uint64(le.Uint32(ext[20:])))
	if !ok {
		return nil, malformed(".BTF.ext: line info out of range")
	}
	out := map[string][]secLine{}
	if len(area) == 0 {
		return out, nil
	}
	if len(area) < 4 {
		return nil, malformed(".BTF.ext: truncated line info")
	}
	recSize := uint64(le.Uint32(area))
	if recSize < 16 || recSize > uint64(len(area)) {
		return nil, malformed(".BTF.ext: line info record size %d", recSize)
	}
	for b := area[4:]; len(b) > 0; {
		if len(b) < 8 {
			return nil, malformed(".BTF.ext: truncated line info")
		}
		sec, okSec := strs.at(le.Uint32(b))
		n := uint64(le.Uint32(b[4:]))
		if n > uint64(len(b)) {
			return nil, malformed(".BTF.ext: line info count %d out of range", n)
		}
		recs, ok := subslice(b, 8, n*recSize) // n, recSize <= len(ext): no overflow
		if !ok || !okSec {
			return nil, malformed(".BTF.ext: line info for section %q out of range", sec)
		}
		for i := range n {
			r := recs[i*recSize:]
			file, ok1 := strs.at(le.Uint32(r[4:]))
			text, ok2 := strs.at(le.Uint32(r[8:]))
			if !ok1 || !ok2 {
				return nil, malformed(".BTF.ext: line info string out of range")
			}
			lc := le.Uint32(r[12:])
			out[sec] = append(out[sec], secLine{
				slot: int(le.Uint32(r) / 8),
				line: vm.Line{File: file, Line: int(lc >> 10), Col: int(lc & 0x3ff), Text: text},
			})
		}
		b = b[8+n*recSize:]
	}
	for _, ls := range out {
		slices.SortStableFunc(ls, func(a, b secLine) int { return a.slot - b.slot })
	}
	return out, nil
}

// lineAt returns the source line of slot in section sec.
func (bi *btfInfo) lineAt(sec string, slot int) (vm.Line, bool) {
	ls := bi.lines[sec]
	i := sort.Search(len(ls), func(i int) bool { return ls[i].slot > slot })
	if i == 0 {
		return vm.Line{}, false
	}
	return ls[i-1].line, true
}

// programLines maps the line records of the laid-out functions to PCs.
func (bi *btfInfo) programLines(order []*function) []vm.Line {
	var out []vm.Line
	for _, fn := range order {
		// Each function visits only its own records (they are sorted by
		// slot), so many functions and many records cost no product.
		ls := bi.lines[fn.sec.name]
		i := sort.Search(len(ls), func(i int) bool { return ls[i].slot >= fn.start })
		for ; i < len(ls) && ls[i].slot < fn.end; i++ {
			l := ls[i].line
			l.PC = fn.pos + ls[i].slot - fn.start
			out = append(out, l)
		}
	}
	slices.SortStableFunc(out, func(a, b vm.Line) int { return a.PC - b.PC })
	return out
}
