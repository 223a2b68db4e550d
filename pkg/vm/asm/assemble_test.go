package asm_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zeroserve.dev/zeroserve/pkg/vm"
	"zeroserve.dev/zeroserve/pkg/vm/asm"
	"zeroserve.dev/zeroserve/pkg/vm/vmtest"
)

func TestAssemble(t *testing.T) {
	tests := []struct {
		src  string
		want []vm.Insn
	}{
		{"mov %r1, -1", []vm.Insn{{Op: 0xb7, Dst: 1, Imm: -1}}},
		{"mov32 %r1, 0xffffffff", []vm.Insn{{Op: 0xb4, Dst: 1, Imm: -1}}},
		{"sdiv32 %r2, %r3", []vm.Insn{{Op: 0x3c, Dst: 2, Src: 3, Off: 1}}},
		{"smod %r2, 7", []vm.Insn{{Op: 0x97, Dst: 2, Off: 1, Imm: 7}}},
		{"movsx1664 %r1, %r2", []vm.Insn{{Op: 0xbf, Dst: 1, Src: 2, Off: 16}}},
		{"be16 %r3", []vm.Insn{{Op: 0xdc, Dst: 3, Imm: 16}}},
		{"le64 %r3", []vm.Insn{{Op: 0xd4, Dst: 3, Imm: 64}}},
		{"swap32 %r3", []vm.Insn{{Op: 0xd7, Dst: 3, Imm: 32}}},
		{"ldxsh %r0, [%r10-2]", []vm.Insn{{Op: 0x89, Dst: 0, Src: 10, Off: -2}}},
		{"stw [%r1], 5", []vm.Insn{{Op: 0x62, Dst: 1, Imm: 5}}},
		{"stxb [%r1+3], %r2", []vm.Insn{{Op: 0x73, Dst: 1, Src: 2, Off: 3}}},
		{"lock fetch or32 [%r10-4], %r3", []vm.Insn{{Op: 0xc3, Dst: 10, Src: 3, Off: -4, Imm: 0x41}}},
		{"lock cmpxchg [%r10-8], %r1", []vm.Insn{{Op: 0xdb, Dst: 10, Src: 1, Off: -8, Imm: 0xf1}}},
		{"lddw %r0, -1", []vm.Insn{{Op: 0x18, Imm: -1}, {Imm: -1}}},
		{"ja +1\nexit\nexit", []vm.Insn{{Op: 0x05, Off: 1}, {Op: 0x95}, {Op: 0x95}}},
		{"ja32 L\nL:\nexit", []vm.Insn{{Op: 0x06}, {Op: 0x95}}},
		{"jsgt32 %r1, -3, exit\nlddw %r1, 1\nexit", []vm.Insn{{Op: 0x66, Dst: 1, Off: 2, Imm: -3}, {Op: 0x18, Dst: 1, Imm: 1}, {}, {Op: 0x95}}},
		{"call local f\nexit\nf:\nexit", []vm.Insn{{Op: 0x85, Src: 1, Imm: 1}, {Op: 0x95}, {Op: 0x95}}},
		{"call %r2", []vm.Insn{{Op: 0x8d, Dst: 2}}},
		{"call runtime 3  # BTF", []vm.Insn{{Op: 0x85, Src: 2, Imm: 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			got, err := asm.Assemble(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("slot %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestAssembleErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"frob %r1", "unknown mnemonic"},
		{"mov %r11, 1", "bad register"},
		{"mov %r1, 4294967296", "bad 32-bit immediate"},
		{"mov %r1, 2147483648", "bad 32-bit immediate"},
		{"mov %r1", "want 2 operands"},
		{"ja nowhere", "unknown jump target"},
		{"ja +40000", "out of range"},
		{"ldxw %r1, %r2", "bad memory operand"},
		{"lock nand [%r1], %r2", "unknown atomic"},
		{"x:\nx:\nexit", "defined twice"},
		{"exit\n9bad:", "bad label"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := asm.Assemble(tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestConformanceRoundTrip assembles every conformance program, formats
// each instruction and assembles the text again: same slots. For lddw.data
// the raw section must equal the assembled asm section.
func TestConformanceRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("../testdata/conformance/*.data")
	if len(files) == 0 {
		t.Fatal("no conformance files")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c, err := vmtest.ParseCase(f, data)
		if err != nil {
			t.Fatal(err)
		}
		insns, err := asm.Assemble(c.Asm)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if c.Raw != nil && string(asm.Encode(c.Raw)) != string(asm.Encode(insns)) {
			t.Errorf("%s: raw and asm sections differ", f)
		}
		roundTrip(t, f, insns)
	}
}

func roundTrip(t *testing.T, name string, insns []vm.Insn) {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(insns); i++ {
		var next vm.Insn
		if i+1 < len(insns) {
			next = insns[i+1]
		}
		b.WriteString(asm.Format(insns[i], next) + "\n")
		if insns[i].Op == asm.OpLDDW {
			i++
		}
	}
	again, err := asm.Assemble(b.String())
	if err != nil {
		t.Fatalf("%s: reassemble: %v\n%s", name, err, b.String())
	}
	if string(asm.Encode(again)) != string(asm.Encode(insns)) {
		t.Errorf("%s: round trip differs:\n%s", name, b.String())
	}
}

// FuzzAssemble: the assembler never panics, and what it accepts formats and
// reassembles to the same slots.
func FuzzAssemble(f *testing.F) {
	files, _ := filepath.Glob("../testdata/conformance/*.data")
	for _, name := range files {
		data, _ := os.ReadFile(name)
		if c, err := vmtest.ParseCase(name, data); err == nil {
			f.Add(c.Asm)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		insns, err := asm.Assemble(src)
		if err != nil {
			return
		}
		for i, in := range insns {
			if in.Op == asm.OpLDDW && i+1 == len(insns) {
				t.Fatal("lddw without second slot")
			}
		}
		roundTrip(t, "fuzz", insns)
	})
}
