package interp_test

import (
	"testing"

	"zeroserve.dev/zeroserve/pkg/vm"
	"zeroserve.dev/zeroserve/pkg/vm/interp"
)

// benchLoop runs one invocation per iteration and reports guest
// instructions per second (charged instructions, see Instance.Used).
func benchLoop(b *testing.B, in *interp.Instance) {
	b.ReportAllocs()
	var insns uint64
	for b.Loop() {
		if _, st, err := in.Run(0, nil, nil); err != nil || st != vm.Done {
			b.Fatal(st, err)
		}
		insns += in.Used()
	}
	b.ReportMetric(float64(insns)/b.Elapsed().Seconds(), "insns/s")
}

// 100k iterations of a 5-instruction ALU body.
const aluLoop = `
mov %r0, 0
mov %r1, 0
loop:
add %r0, %r1
xor %r0, 0x55
lsh32 %r0, 1
add %r1, 1
jlt %r1, 100000, loop
exit`

// 100k iterations storing and loading stack slots.
const memLoop = `
mov %r0, 0
mov %r1, 0
loop:
stxdw [%r10-8], %r1
ldxdw %r2, [%r10-8]
stxw [%r10-16], %r2
ldxw %r3, [%r10-16]
add %r0, %r3
add %r1, 1
jlt %r1, 100000, loop
exit`

// 100k helper calls.
const helperLoop = `
mov %r6, 0
mov %r7, 0
loop:
mov %r1, %r6
call 0
add %r7, %r0
add %r6, 1
jlt %r6, 100000, loop
mov %r0, %r7
exit`

var benchHelpers = vm.Helpers{
	"inc": func(_ *vm.Call, r1, _, _, _, _ uint64) (uint64, error) { return r1 + 1, nil },
}

func BenchmarkALULoop(b *testing.B)    { benchLoop(b, build(b, aluLoop, nil, nil, vm.Limits{})) }
func BenchmarkMemoryLoop(b *testing.B) { benchLoop(b, build(b, memLoop, nil, nil, vm.Limits{})) }
func BenchmarkHelperLoop(b *testing.B) {
	benchLoop(b, build(b, helperLoop, benchHelpers, []string{"inc"}, vm.Limits{}))
}

// BenchmarkEmptyInvocation measures one Run of `mov r0, 42; exit`.
func BenchmarkEmptyInvocation(b *testing.B) {
	in := build(b, "mov %r0, 42\nexit", nil, nil, vm.Limits{})
	req := &request{}
	b.ReportAllocs()
	for b.Loop() {
		if r0, _, err := in.Run(0, req, nil); err != nil || r0 != 42 {
			b.Fatal(r0, err)
		}
	}
}

// BenchmarkSuspendResume measures Run to a pending helper plus Resume.
func BenchmarkSuspendResume(b *testing.B) {
	h := vm.Helpers{"wait": func(*vm.Call, uint64, uint64, uint64, uint64, uint64) (uint64, error) { return 0, vm.ErrPending }}
	in := build(b, "call 0\nexit", h, []string{"wait"}, vm.Limits{})
	b.ReportAllocs()
	for b.Loop() {
		in.Run(0, nil, nil)
		if r0, _, err := in.Resume(9); err != nil || r0 != 9 {
			b.Fatal(r0, err)
		}
	}
}
