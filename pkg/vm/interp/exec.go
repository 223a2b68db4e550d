package interp

import (
	"encoding/binary"
	"math/bits"

	"zeroserve.dev/zeroserve/pkg/vm"
)

var le = binary.LittleEndian

// exec runs from in.pc with in.regs until the invocation ends, yields or
// suspends. left is the slice budget; it is charged at control transfers
// (see Program.costs).
func (in *Instance) exec(left int64) (uint64, vm.Status, error) {
	code := in.prog.code
	mem := in.arena.Bytes()
	mask := in.arena.Size() - 1
	wb := in.arena.WritableBase()
	span := in.arena.Size() - wb // >= vm.StackSize
	dirty := in.arena.Dirty()
	helpers := in.prog.helpers
	credit := in.prog.credit
	r := in.regs
	pc := in.pc
	for {
		if uint(pc) >= uint(len(code)) {
			return in.fault(vm.ErrBug, pc, "BUG: pc %d outside the program", pc)
		}
		i := &code[pc]
		cur := pc
		pc++
		d, s := i.regs&15, i.regs>>4
		switch i.op {
		case opNop:
			continue
		case opLDDW:
			r[d] = i.imm
			pc++
			continue

		case opAdd64K:
			r[d] += i.imm
			continue
		case opAdd64X:
			r[d] += r[s]
			continue
		case opSub64K:
			r[d] -= i.imm
			continue
		case opSub64X:
			r[d] -= r[s]
			continue
		case opMul64K:
			r[d] *= i.imm
			continue
		case opMul64X:
			r[d] *= r[s]
			continue
		case opDiv64K:
			r[d] /= i.imm // non-zero: division by a zero constant is compiled away
			continue
		case opDiv64X:
			if v := r[s]; v != 0 {
				r[d] /= v
			} else {
				r[d] = 0
			}
			continue
		case opSdiv64K:
			r[d] = uint64(int64(r[d]) / int64(i.imm))
			continue
		case opSdiv64X:
			if v := int64(r[s]); v != 0 {
				r[d] = uint64(int64(r[d]) / v)
			} else {
				r[d] = 0
			}
			continue
		case opMod64K:
			r[d] %= i.imm
			continue
		case opMod64X:
			if v := r[s]; v != 0 {
				r[d] %= v
			}
			continue
		case opSmod64K:
			r[d] = uint64(int64(r[d]) % int64(i.imm))
			continue
		case opSmod64X:
			if v := int64(r[s]); v != 0 {
				r[d] = uint64(int64(r[d]) % v)
			}
			continue
		case opOr64K:
			r[d] |= i.imm
			continue
		case opOr64X:
			r[d] |= r[s]
			continue
		case opAnd64K:
			r[d] &= i.imm
			continue
		case opAnd64X:
			r[d] &= r[s]
			continue
		case opXor64K:
			r[d] ^= i.imm
			continue
		case opXor64X:
			r[d] ^= r[s]
			continue
		case opLsh64K:
			r[d] <<= i.imm // masked at compile time
			continue
		case opLsh64X:
			r[d] <<= r[s] & 63
			continue
		case opRsh64K:
			r[d] >>= i.imm
			continue
		case opRsh64X:
			r[d] >>= r[s] & 63
			continue
		case opArsh64K:
			r[d] = uint64(int64(r[d]) >> i.imm)
			continue
		case opArsh64X:
			r[d] = uint64(int64(r[d]) >> (r[s] & 63))
			continue
		case opNeg64:
			r[d] = -r[d]
			continue
		case opMov64K:
			r[d] = i.imm
			continue
		case opMov64X:
			r[d] = r[s]
			continue
		case opMovsx8to64:
			r[d] = uint64(int64(int8(r[s])))
			continue
		case opMovsx16to64:
			r[d] = uint64(int64(int16(r[s])))
			continue
		case opMovsx32to64:
			r[d] = uint64(int64(int32(r[s])))
			continue

		case opAdd32K:
			r[d] = uint64(uint32(r[d]) + uint32(i.imm))
			continue
		case opAdd32X:
			r[d] = uint64(uint32(r[d]) + uint32(r[s]))
			continue
		case opSub32K:
			r[d] = uint64(uint32(r[d]) - uint32(i.imm))
			continue
		case opSub32X:
			r[d] = uint64(uint32(r[d]) - uint32(r[s]))
			continue
		case opMul32K:
			r[d] = uint64(uint32(r[d]) * uint32(i.imm))
			continue
		case opMul32X:
			r[d] = uint64(uint32(r[d]) * uint32(r[s]))
			continue
		case opDiv32K:
			r[d] = uint64(uint32(r[d]) / uint32(i.imm))
			continue
		case opDiv32X:
			if v := uint32(r[s]); v != 0 {
				r[d] = uint64(uint32(r[d]) / v)
			} else {
				r[d] = 0
			}
			continue
		case opSdiv32K:
			r[d] = uint64(uint32(int32(r[d]) / int32(i.imm)))
			continue
		case opSdiv32X:
			if v := int32(r[s]); v != 0 {
				r[d] = uint64(uint32(int32(r[d]) / v))
			} else {
				r[d] = 0
			}
			continue
		case opMod32K:
			r[d] = uint64(uint32(r[d]) % uint32(i.imm))
			continue
		case opMod32X:
			if v := uint32(r[s]); v != 0 {
				r[d] = uint64(uint32(r[d]) % v)
			} else {
				r[d] = uint64(uint32(r[d]))
			}
			continue
		case opSmod32K:
			r[d] = uint64(uint32(int32(r[d]) % int32(i.imm)))
			continue
		case opSmod32X:
			if v := int32(r[s]); v != 0 {
				r[d] = uint64(uint32(int32(r[d]) % v))
			} else {
				r[d] = uint64(uint32(r[d]))
			}
			continue
		case opOr32K:
			r[d] = uint64(uint32(r[d]) | uint32(i.imm))
			continue
		case opOr32X:
			r[d] = uint64(uint32(r[d]) | uint32(r[s]))
			continue
		case opAnd32K:
			r[d] = uint64(uint32(r[d]) & uint32(i.imm))
			continue
		case opAnd32X:
			r[d] = uint64(uint32(r[d]) & uint32(r[s]))
			continue
		case opXor32K:
			r[d] = uint64(uint32(r[d]) ^ uint32(i.imm))
			continue
		case opXor32X:
			r[d] = uint64(uint32(r[d]) ^ uint32(r[s]))
			continue
		case opLsh32K:
			r[d] = uint64(uint32(r[d]) << i.imm)
			continue
		case opLsh32X:
			r[d] = uint64(uint32(r[d]) << (r[s] & 31))
			continue
		case opRsh32K:
			r[d] = uint64(uint32(r[d]) >> i.imm)
			continue
		case opRsh32X:
			r[d] = uint64(uint32(r[d]) >> (r[s] & 31))
			continue
		case opArsh32K:
			r[d] = uint64(uint32(int32(r[d]) >> i.imm))
			continue
		case opArsh32X:
			r[d] = uint64(uint32(int32(r[d]) >> (r[s] & 31)))
			continue
		case opNeg32:
			r[d] = uint64(-uint32(r[d]))
			continue
		case opMov32K:
			r[d] = i.imm // zero-extended at compile time
			continue
		case opMov32X:
			r[d] = uint64(uint32(r[s]))
			continue
		case opMovsx8to32:
			r[d] = uint64(uint32(int32(int8(r[s]))))
			continue
		case opMovsx16to32:
			r[d] = uint64(uint32(int32(int16(r[s]))))
			continue

		case opLE16:
			r[d] = uint64(uint16(r[d]))
			continue
		case opLE32:
			r[d] = uint64(uint32(r[d]))
			continue
		case opBE16:
			r[d] = uint64(bits.ReverseBytes16(uint16(r[d])))
			continue
		case opBE32:
			r[d] = uint64(bits.ReverseBytes32(uint32(r[d])))
			continue
		case opBE64:
			r[d] = bits.ReverseBytes64(r[d])
			continue

		// Loads: masked into the arena (mem has vm.ArenaPad bytes of slack).
		case opLdxB:
			r[d] = uint64(mem[(r[s]+uint64(int64(i.off)))&mask])
			continue
		case opLdxH:
			r[d] = uint64(le.Uint16(mem[(r[s]+uint64(int64(i.off)))&mask:]))
			continue
		case opLdxW:
			r[d] = uint64(le.Uint32(mem[(r[s]+uint64(int64(i.off)))&mask:]))
			continue
		case opLdxDW:
			r[d] = le.Uint64(mem[(r[s]+uint64(int64(i.off)))&mask:])
			continue
		case opLdxSB:
			r[d] = uint64(int64(int8(mem[(r[s]+uint64(int64(i.off)))&mask])))
			continue
		case opLdxSH:
			r[d] = uint64(int64(int16(le.Uint16(mem[(r[s]+uint64(int64(i.off)))&mask:]))))
			continue
		case opLdxSW:
			r[d] = uint64(int64(int32(le.Uint32(mem[(r[s]+uint64(int64(i.off)))&mask:]))))
			continue

		// Stores: only into the writable window [wb, size), recorded dirty.
		case opStB, opStxB:
			a := r[d] + uint64(int64(i.off))
			o := a - wb
			if o >= span {
				return in.storeFault(cur, a, 1)
			}
			dirty[o>>(vm.DirtyShift+6)] |= 1 << (o >> vm.DirtyShift & 63)
			v := i.imm
			if i.op == opStxB {
				v = r[s]
			}
			mem[a] = byte(v)
			continue
		case opStH, opStxH:
			a := r[d] + uint64(int64(i.off))
			o := a - wb
			if o > span-2 {
				return in.storeFault(cur, a, 2)
			}
			dirty[o>>(vm.DirtyShift+6)] |= 1 << (o >> vm.DirtyShift & 63)
			v := i.imm
			if i.op == opStxH {
				v = r[s]
			}
			le.PutUint16(mem[a:], uint16(v))
			continue
		case opStW, opStxW:
			a := r[d] + uint64(int64(i.off))
			o := a - wb
			if o > span-4 {
				return in.storeFault(cur, a, 4)
			}
			dirty[o>>(vm.DirtyShift+6)] |= 1 << (o >> vm.DirtyShift & 63)
			v := i.imm
			if i.op == opStxW {
				v = r[s]
			}
			le.PutUint32(mem[a:], uint32(v))
			continue
		case opStDW, opStxDW:
			a := r[d] + uint64(int64(i.off))
			o := a - wb
			if o > span-8 {
				return in.storeFault(cur, a, 8)
			}
			dirty[o>>(vm.DirtyShift+6)] |= 1 << (o >> vm.DirtyShift & 63)
			v := i.imm
			if i.op == opStxDW {
				v = r[s]
			}
			le.PutUint64(mem[a:], v)
			continue

		case opAtomAdd32, opAtomOr32, opAtomAnd32, opAtomXor32, opAtomFAdd32, opAtomFOr32,
			opAtomFAnd32, opAtomFXor32, opXchg32, opCmpXchg32:
			a := r[d] + uint64(int64(i.off))
			o := a - wb
			if o > span-4 {
				return in.storeFault(cur, a, 4)
			}
			dirty[o>>(vm.DirtyShift+6)] |= 1 << (o >> vm.DirtyShift & 63)
			p := mem[a : a+4]
			old, v := le.Uint32(p), uint32(r[s])
			switch i.op {
			case opAtomAdd32, opAtomFAdd32:
				le.PutUint32(p, old+v)
			case opAtomOr32, opAtomFOr32:
				le.PutUint32(p, old|v)
			case opAtomAnd32, opAtomFAnd32:
				le.PutUint32(p, old&v)
			case opAtomXor32, opAtomFXor32:
				le.PutUint32(p, old^v)
			case opXchg32:
				le.PutUint32(p, v)
			case opCmpXchg32:
				if old == uint32(r[0]) {
					le.PutUint32(p, v)
				}
				r[0] = uint64(old)
				continue
			}
			if i.op >= opAtomFAdd32 {
				r[s] = uint64(old)
			}
			continue
		case opAtomAdd64, opAtomOr64, opAtomAnd64, opAtomXor64, opAtomFAdd64, opAtomFOr64,
			opAtomFAnd64, opAtomFXor64, opXchg64, opCmpXchg64:
			a := r[d] + uint64(int64(i.off))
			o := a - wb
			if o > span-8 {
				return in.storeFault(cur, a, 8)
			}
			dirty[o>>(vm.DirtyShift+6)] |= 1 << (o >> vm.DirtyShift & 63)
			p := mem[a : a+8]
			old, v := le.Uint64(p), r[s]
			switch i.op {
			case opAtomAdd64, opAtomFAdd64:
				le.PutUint64(p, old+v)
			case opAtomOr64, opAtomFOr64:
				le.PutUint64(p, old|v)
			case opAtomAnd64, opAtomFAnd64:
				le.PutUint64(p, old&v)
			case opAtomXor64, opAtomFXor64:
				le.PutUint64(p, old^v)
			case opXchg64:
				le.PutUint64(p, v)
			case opCmpXchg64:
				if old == r[0] {
					le.PutUint64(p, v)
				}
				r[0] = old
				continue
			}
			if i.op >= opAtomFAdd64 {
				r[s] = old
			}
			continue

		// Control transfers: fall out of the switch to charge the block.
		case opJA:
			pc = int(i.off)
		case opJEQ64K:
			if r[d] == i.imm {
				pc = int(i.off)
			}
		case opJEQ64X:
			if r[d] == r[s] {
				pc = int(i.off)
			}
		case opJGT64K:
			if r[d] > i.imm {
				pc = int(i.off)
			}
		case opJGT64X:
			if r[d] > r[s] {
				pc = int(i.off)
			}
		case opJGE64K:
			if r[d] >= i.imm {
				pc = int(i.off)
			}
		case opJGE64X:
			if r[d] >= r[s] {
				pc = int(i.off)
			}
		case opJSET64K:
			if r[d]&i.imm != 0 {
				pc = int(i.off)
			}
		case opJSET64X:
			if r[d]&r[s] != 0 {
				pc = int(i.off)
			}
		case opJNE64K:
			if r[d] != i.imm {
				pc = int(i.off)
			}
		case opJNE64X:
			if r[d] != r[s] {
				pc = int(i.off)
			}
		case opJSGT64K:
			if int64(r[d]) > int64(i.imm) {
				pc = int(i.off)
			}
		case opJSGT64X:
			if int64(r[d]) > int64(r[s]) {
				pc = int(i.off)
			}
		case opJSGE64K:
			if int64(r[d]) >= int64(i.imm) {
				pc = int(i.off)
			}
		case opJSGE64X:
			if int64(r[d]) >= int64(r[s]) {
				pc = int(i.off)
			}
		case opJLT64K:
			if r[d] < i.imm {
				pc = int(i.off)
			}
		case opJLT64X:
			if r[d] < r[s] {
				pc = int(i.off)
			}
		case opJLE64K:
			if r[d] <= i.imm {
				pc = int(i.off)
			}
		case opJLE64X:
			if r[d] <= r[s] {
				pc = int(i.off)
			}
		case opJSLT64K:
			if int64(r[d]) < int64(i.imm) {
				pc = int(i.off)
			}
		case opJSLT64X:
			if int64(r[d]) < int64(r[s]) {
				pc = int(i.off)
			}
		case opJSLE64K:
			if int64(r[d]) <= int64(i.imm) {
				pc = int(i.off)
			}
		case opJSLE64X:
			if int64(r[d]) <= int64(r[s]) {
				pc = int(i.off)
			}
		case opJEQ32K:
			if uint32(r[d]) == uint32(i.imm) {
				pc = int(i.off)
			}
		case opJEQ32X:
			if uint32(r[d]) == uint32(r[s]) {
				pc = int(i.off)
			}
		case opJGT32K:
			if uint32(r[d]) > uint32(i.imm) {
				pc = int(i.off)
			}
		case opJGT32X:
			if uint32(r[d]) > uint32(r[s]) {
				pc = int(i.off)
			}
		case opJGE32K:
			if uint32(r[d]) >= uint32(i.imm) {
				pc = int(i.off)
			}
		case opJGE32X:
			if uint32(r[d]) >= uint32(r[s]) {
				pc = int(i.off)
			}
		case opJSET32K:
			if uint32(r[d])&uint32(i.imm) != 0 {
				pc = int(i.off)
			}
		case opJSET32X:
			if uint32(r[d])&uint32(r[s]) != 0 {
				pc = int(i.off)
			}
		case opJNE32K:
			if uint32(r[d]) != uint32(i.imm) {
				pc = int(i.off)
			}
		case opJNE32X:
			if uint32(r[d]) != uint32(r[s]) {
				pc = int(i.off)
			}
		case opJSGT32K:
			if int32(r[d]) > int32(i.imm) {
				pc = int(i.off)
			}
		case opJSGT32X:
			if int32(r[d]) > int32(r[s]) {
				pc = int(i.off)
			}
		case opJSGE32K:
			if int32(r[d]) >= int32(i.imm) {
				pc = int(i.off)
			}
		case opJSGE32X:
			if int32(r[d]) >= int32(r[s]) {
				pc = int(i.off)
			}
		case opJLT32K:
			if uint32(r[d]) < uint32(i.imm) {
				pc = int(i.off)
			}
		case opJLT32X:
			if uint32(r[d]) < uint32(r[s]) {
				pc = int(i.off)
			}
		case opJLE32K:
			if uint32(r[d]) <= uint32(i.imm) {
				pc = int(i.off)
			}
		case opJLE32X:
			if uint32(r[d]) <= uint32(r[s]) {
				pc = int(i.off)
			}
		case opJSLT32K:
			if int32(r[d]) < int32(i.imm) {
				pc = int(i.off)
			}
		case opJSLT32X:
			if int32(r[d]) < int32(r[s]) {
				pc = int(i.off)
			}
		case opJSLE32K:
			if int32(r[d]) <= int32(i.imm) {
				pc = int(i.off)
			}
		case opJSLE32X:
			if int32(r[d]) <= int32(r[s]) {
				pc = int(i.off)
			}

		case opCall, opCallX:
			left -= int64(i.cost)
			h := uint64(i.off)
			if i.op == opCallX {
				h = r[d]
			}
			if h >= uint64(len(helpers)) {
				return in.fault(vm.ErrNoHelper, cur, "call to helper %d, but the program imports %d", h, len(helpers))
			}
			in.call.PC = pc - 1
			v, err := helpers[h](&in.call, r[1], r[2], r[3], r[4], r[5])
			left -= int64(in.call.TakeCharge())
			if err != nil {
				return in.helperError(err, &r, cur, left)
			}
			r[0] = v
			if left < 0 {
				return in.outOfBudget(&r, cur, pc, left)
			}
			continue
		case opCallLocal:
			if in.depth >= vm.MaxFrames-1 {
				return in.fault(vm.ErrCallDepth, cur, "")
			}
			f := &in.frames[in.depth]
			f.ret, f.r6, f.r7, f.r8, f.r9, f.fp = pc, r[6], r[7], r[8], r[9], r[10]
			in.depth++
			r[10] -= vm.FrameSize
			pc = int(i.off)
		case opExit:
			if in.depth == 0 {
				in.used += in.slice - left + int64(i.cost)
				in.finish()
				return r[0], vm.Done, nil
			}
			in.depth--
			f := &in.frames[in.depth]
			pc, r[6], r[7], r[8], r[9], r[10] = f.ret, f.r6, f.r7, f.r8, f.r9, f.fp
		default:
			return in.fault(vm.ErrBug, cur, "BUG: invalid internal opcode %d", i.op)
		}
		left -= int64(i.cost) - int64(credit[pc])
		if left < 0 {
			return in.outOfBudget(&r, cur, pc, left)
		}
	}
}
