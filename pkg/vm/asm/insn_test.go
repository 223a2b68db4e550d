package asm

import (
	"bytes"
	"testing"

	"zeroserve.dev/zeroserve/pkg/vm"
)

func TestEncodeDecodeRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   vm.Insn
		raw  []byte
	}{
		{"exit", vm.Insn{Op: OpExit}, []byte{0x95, 0, 0, 0, 0, 0, 0, 0}},
		{"mov r1, -1", vm.Insn{Op: 0xb7, Dst: 1, Imm: -1}, []byte{0xb7, 0x01, 0, 0, 0xff, 0xff, 0xff, 0xff}},
		{"stxdw [r10-8], r3", vm.Insn{Op: 0x7b, Dst: 10, Src: 3, Off: -8}, []byte{0x7b, 0x3a, 0xf8, 0xff, 0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Encode([]vm.Insn{tt.in})
			if !bytes.Equal(got, tt.raw) {
				t.Fatalf("Encode = % x, want % x", got, tt.raw)
			}
			back, err := Decode(got)
			if err != nil || len(back) != 1 || back[0] != tt.in {
				t.Fatalf("Decode = %+v, %v; want %+v", back, err, tt.in)
			}
		})
	}
}

func TestDecodeRejectsPartialSlot(t *testing.T) {
	raw := Encode([]vm.Insn{{Op: OpExit}, {Op: OpExit}})
	for n := 1; n < len(raw); n++ {
		if n%InsnSize == 0 {
			continue
		}
		if _, err := Decode(raw[:n]); err == nil {
			t.Errorf("Decode(%d bytes) accepted", n)
		}
	}
}
