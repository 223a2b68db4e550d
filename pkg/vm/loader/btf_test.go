package loader

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"testing"
)

// btfExt builds a .BTF.ext section whose line info has one section record
// (named by string offset 0) with one 16-byte record per element of
// textOffs, each naming string 0 as its file and textOffs[i] as its text.
func btfExt(textOffs []uint32) []byte {
	le := binary.LittleEndian
	area := le.AppendUint32(nil, 16)
	area = le.AppendUint32(area, 0)
	area = le.AppendUint32(area, uint32(len(textOffs)))
	for i, off := range textOffs {
		area = le.AppendUint32(area, uint32(i*8))
		area = le.AppendUint32(area, 0)
		area = le.AppendUint32(area, off)
		area = le.AppendUint32(area, uint32(i+1)<<10)
	}
	hdr := make([]byte, 24)
	le.PutUint16(hdr, btfMagic)
	hdr[2] = 1
	le.PutUint32(hdr[4:], 24)
	le.PutUint32(hdr[20:], uint32(len(area)))
	return append(hdr, area...)
}

// Line records that all point at one long string must not each copy it: a
// small object could otherwise make the loader allocate gigabytes.
func TestBTFLinesShareStrings(t *testing.T) {
	strs := append(bytes.Repeat([]byte{'a'}, 64<<10), 0)
	offs := make([]uint32, 1024)
	ext := btfExt(offs)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	lines, err := btfLines(ext, newBTFStrings(strs))
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	for name, ls := range lines {
		if len(name) != 64<<10 || len(ls) != len(offs) || len(ls[0].line.Text) != 64<<10 {
			t.Fatalf("section %d bytes, %d lines; want %d lines of 64 KiB", len(name), len(ls), len(offs))
		}
	}
	// Copying would take 2 × 1024 × 64 KiB = 128 MiB.
	if n := after.TotalAlloc - before.TotalAlloc; n > 8<<20 {
		t.Errorf("parsing %d bytes of line info allocated %d bytes", len(ext), n)
	}
}

func TestBTFString(t *testing.T) {
	bs := newBTFStrings([]byte("\x00abc\x00de\x00fgh"))
	tests := []struct {
		off  uint32
		want string
		ok   bool
	}{
		{0, "", true},
		{1, "abc", true},
		{3, "c", true},
		{4, "", true},
		{5, "de", true},
		{8, "", false}, // "fgh" has no terminator
		{11, "", false},
		{1 << 31, "", false},
	}
	for _, tt := range tests {
		got, ok := bs.at(tt.off)
		if got != tt.want || ok != tt.ok {
			t.Errorf("at(%d) = %q, %v; want %q, %v", tt.off, got, ok, tt.want, tt.ok)
		}
	}
	if got, ok := newBTFStrings(nil).at(0); got != "" || !ok {
		t.Errorf("empty table at(0) = %q, %v; want \"\", true", got, ok)
	}
}
