package asm

import (
	"encoding/binary"
	"errors"
	"fmt"

	"zeroserve.dev/zeroserve/pkg/vm"
)

// InsnSize is the size in bytes of one instruction slot.
const InsnSize = 8

// ErrLength reports code whose length is not a multiple of InsnSize.
var ErrLength = errors.New("code length is not a multiple of 8")

// DecodeInsn decodes one 8-byte little-endian slot. b must hold at least 8 bytes.
func DecodeInsn(b []byte) vm.Insn {
	_ = b[7]
	return vm.Insn{
		Op:  b[0],
		Dst: b[1] & 0x0f,
		Src: b[1] >> 4,
		Off: int16(binary.LittleEndian.Uint16(b[2:])),
		Imm: int32(binary.LittleEndian.Uint32(b[4:])),
	}
}

// Decode decodes raw little-endian code into instruction slots.
func Decode(code []byte) ([]vm.Insn, error) {
	if len(code)%InsnSize != 0 {
		return nil, fmt.Errorf("decode %d bytes: %w", len(code), ErrLength)
	}
	out := make([]vm.Insn, len(code)/InsnSize)
	for i := range out {
		out[i] = DecodeInsn(code[i*InsnSize:])
	}
	return out, nil
}

// AppendInsn appends the 8-byte encoding of in to b. Dst and Src are
// truncated to 4 bits.
func AppendInsn(b []byte, in vm.Insn) []byte {
	b = append(b, in.Op, in.Dst&0x0f|in.Src<<4)
	b = binary.LittleEndian.AppendUint16(b, uint16(in.Off))
	return binary.LittleEndian.AppendUint32(b, uint32(in.Imm))
}

// Encode encodes instruction slots as raw little-endian code.
func Encode(insns []vm.Insn) []byte {
	b := make([]byte, 0, len(insns)*InsnSize)
	for _, in := range insns {
		b = AppendInsn(b, in)
	}
	return b
}

// LDDW returns the two slots of `lddw dst, v`.
func LDDW(dst uint8, v uint64) [2]vm.Insn {
	return [2]vm.Insn{
		{Op: OpLDDW, Dst: dst, Imm: int32(uint32(v))},
		{Imm: int32(uint32(v >> 32))},
	}
}
