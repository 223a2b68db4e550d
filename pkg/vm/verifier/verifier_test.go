package verifier_test

import (
	"errors"
	"strings"
	"testing"

	"zeroserve.dev/zeroserve/pkg/vm"
	"zeroserve.dev/zeroserve/pkg/vm/asm"
	"zeroserve.dev/zeroserve/pkg/vm/verifier"
	"zeroserve.dev/zeroserve/pkg/vm/vmtest"
)

func assemble(t *testing.T, src string) []vm.Insn {
	t.Helper()
	insns, err := asm.Assemble(src)
	if err != nil {
		t.Fatal(err)
	}
	return insns
}

// chain returns n functions, each calling the next.
func chain(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("f" + string(rune('a'+i)) + ":\n")
		if i+1 < n {
			b.WriteString("call local f" + string(rune('a'+i+1)) + "\n")
		}
		b.WriteString("exit\n")
	}
	return b.String()
}

func TestVerifyRejects(t *testing.T) {
	exit := vm.Insn{Op: asm.OpExit}
	tests := []struct {
		name   string
		src    string    // assembled when set
		insns  []vm.Insn // used when src is empty
		edit   func(p *vm.Program)
		pc     int
		reason string
	}{
		{name: "empty program", insns: []vm.Insn{}, pc: 0, reason: "empty program"},
		{name: "size limit", insns: make([]vm.Insn, verifier.MaxInsns+1), pc: verifier.MaxInsns, reason: "more than the limit"},
		{name: "no function table", src: "exit", edit: func(p *vm.Program) { p.Funcs = nil }, pc: 0, reason: "no function table"},
		{name: "function table gap", src: "mov %r0, 0\nexit\nexit", edit: func(p *vm.Program) {
			p.Funcs = []vm.Func{{Name: "a", Start: 0, End: 1}, {Name: "b", Start: 2, End: 3}}
		}, pc: 2, reason: "want it to start at 1"},
		{name: "function table short", src: "exit\nexit", edit: func(p *vm.Program) {
			p.Funcs = []vm.Func{{Name: "a", Start: 0, End: 1}}
		}, pc: 1, reason: "belong to no function"},
		{name: "unknown opcode", insns: []vm.Insn{{Op: 0xe7}, exit}, pc: 0, reason: "unknown opcode 0xe7"},
		{name: "bad dst register", insns: []vm.Insn{{Op: 0xb7, Dst: 11}, exit}, pc: 0, reason: "invalid destination register r11"},
		{name: "bad src register", insns: []vm.Insn{{Op: 0xbf, Src: 12}, exit}, pc: 0, reason: "invalid source register r12"},
		{name: "legacy packet load", insns: []vm.Insn{{Op: 0x20}, exit}, pc: 0, reason: "legacy packet access"},
		{name: "lddw pseudo src", insns: []vm.Insn{{Op: asm.OpLDDW, Src: 2}, {}, exit}, pc: 0, reason: "src=2"},
		{name: "lddw without second slot", insns: []vm.Insn{exit, {Op: asm.OpLDDW}}, pc: 1, reason: "missing its second slot"},
		{name: "lddw second slot not zero", insns: []vm.Insn{{Op: asm.OpLDDW}, {Op: 0x07}, exit}, pc: 1, reason: "second slot of lddw"},
		{name: "reserved src of K op", insns: []vm.Insn{{Op: 0x07, Src: 1}, exit}, pc: 0, reason: "reserved field src"},
		{name: "reserved imm of X op", insns: []vm.Insn{{Op: 0x0f, Imm: 1}, exit}, pc: 0, reason: "reserved field imm"},
		{name: "reserved offset", insns: []vm.Insn{{Op: 0x07, Off: 1}, exit}, pc: 0, reason: "reserved field offset"},
		{name: "neg with register source", insns: []vm.Insn{{Op: 0x8f}, exit}, pc: 0, reason: "unknown opcode 0x8f"},
		{name: "byte swap width", insns: []vm.Insn{{Op: asm.OpBE, Imm: 8}, exit}, pc: 0, reason: "byte swap width 8"},
		{name: "movsx32 in ALU32", insns: []vm.Insn{{Op: 0xbc, Off: 32}, exit}, pc: 0, reason: "invalid movsx offset 32"},
		{name: "div offset", insns: []vm.Insn{{Op: 0x37, Off: 2, Imm: 1}, exit}, pc: 0, reason: "invalid div/mod offset 2"},
		{name: "memsx dw", insns: []vm.Insn{{Op: 0x99}, exit}, pc: 0, reason: "unknown opcode 0x99"},
		{name: "write to r10 by mov", src: "mov %r10, 1\nexit", pc: 0, reason: "r10"},
		{name: "write to r10 by load", src: "ldxdw %r10, [%r1+0]\nexit", pc: 0, reason: "r10"},
		{name: "write to r10 by lddw", src: "lddw %r10, 1\nexit", pc: 0, reason: "r10"},
		{name: "atomic fetch into r10", src: "lock fetch add [%r1+0], %r10\nexit", pc: 0, reason: "atomic fetch into r10"},
		{name: "unknown atomic", insns: []vm.Insn{{Op: asm.OpAtom64, Imm: 0x10}, exit}, pc: 0, reason: "unknown atomic operation 0x10"},
		{name: "atomic byte size", insns: []vm.Insn{{Op: 0xd3}, exit}, pc: 0, reason: "unknown opcode 0xd3"},
		{name: "jump out of function", src: "ja +5\nexit", pc: 0, reason: "outside function"},
		{name: "jump backwards out", src: "ja -2\nexit", pc: 0, reason: "outside function"},
		{name: "jump into next function", src: "call local f\nja +1\nexit\nf:\nexit", pc: 1, reason: "outside function \"main\""},
		{name: "jump into lddw", src: "ja +1\nlddw %r0, 1\nexit", pc: 0, reason: "middle of an lddw"},
		{name: "ja32 out of function", src: "ja32 +3\nexit", pc: 0, reason: "outside function"},
		{name: "fallthrough by conditional", src: "mov %r0, 0\njeq %r0, 0, -2", pc: 1, reason: "does not end with exit"},
		{name: "fallthrough into next function", src: "call local f\nmov %r0, 1\nf:\nexit", pc: 1, reason: "function \"main\" does not end"},
		{name: "ends in lddw", insns: []vm.Insn{{Op: asm.OpLDDW}, {}}, pc: 1, reason: "does not end"},
		{name: "local call not at function", src: "call local f\nexit\nf:\nexit", edit: func(p *vm.Program) {
			p.Funcs = []vm.Func{{Name: "main", Start: 0, End: 3}}
		}, pc: 0, reason: "not the start of a function"},
		{name: "recursion", src: "call local f\nexit\nf:\ncall local f\nexit", pc: 2, reason: "recursive call to function \"f2\""},
		{name: "mutual recursion", src: "call local f\nexit\nf:\ncall local g\nexit\ng:\ncall local f\nexit", pc: 4, reason: "recursive call"},
		{name: "call chain too deep", src: chain(vm.MaxFrames + 1), pc: 0, reason: "exceeds the limit of 8"},
		{name: "unknown helper", src: "call 6\nexit", pc: 0, reason: "unknown helper 6"},
		{name: "negative helper", src: "call -1\nexit", pc: 0, reason: "unknown helper -1"},
		{name: "call by BTF id", src: "call runtime 1\nexit", pc: 0, reason: "BTF id"},
		{name: "call reserved dst", insns: []vm.Insn{{Op: asm.OpCall, Dst: 1}, exit}, pc: 0, reason: "reserved field dst"},
		{name: "call in JMP32", insns: []vm.Insn{{Op: 0x86}, exit}, pc: 0, reason: "unknown opcode 0x86"},
		{name: "exit with imm", insns: []vm.Insn{{Op: asm.OpExit, Imm: 1}}, pc: 0, reason: "reserved field"},
		{name: "ja with register", insns: []vm.Insn{{Op: 0x0d}, exit}, pc: 0, reason: "unknown opcode 0x0d"},
		{name: "entry not a function", src: "mov %r0, 0\nexit", edit: func(p *vm.Program) { p.Entries["bad"] = 1 }, pc: 1, reason: "entry \"bad\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			insns := tt.insns
			if tt.src != "" {
				insns = assemble(t, tt.src)
			}
			p := vmtest.NewProgram(insns, vmtest.HelperNames)
			if len(insns) > 0 && p.Funcs == nil {
				t.Fatal("no functions")
			}
			if tt.edit != nil {
				tt.edit(p)
			}
			err := verifier.Verify(p)
			var ve *verifier.Error
			if !errors.As(err, &ve) {
				t.Fatalf("Verify = %v, want *verifier.Error", err)
			}
			if ve.PC != tt.pc || !strings.Contains(ve.Reason, tt.reason) {
				t.Errorf("got insn %d %q, want insn %d containing %q", ve.PC, ve.Reason, tt.pc, tt.reason)
			}
			if !strings.HasPrefix(err.Error(), "verifier: insn ") {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestVerifyAccepts(t *testing.T) {
	tests := []struct{ name, src string }{
		{"exit", "exit"},
		{"eight frames", chain(vm.MaxFrames)},
		{"every v4 form", `
sdiv %r0, 3
smod32 %r0, %r1
movsx864 %r1, %r2
movsx1632 %r1, %r2
ldxsw %r3, [%r10-4]
bswap64 %r3
le16 %r3
be32 %r3
lock cmpxchg [%r10-8], %r10
lock xchg32 [%r10-8], %r1
lddw %r0, 0x1122334455667788
ja32 +0
jsle32 %r0, -1, +0
call %r2
exit`},
		{"backward loop", "mov %r0, 3\nloop:\nsub %r0, 1\njne %r0, 0, loop\nexit"},
		{"function ends in ja", "ja +1\nja -2\nexit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := vmtest.NewProgram(assemble(t, tt.src), vmtest.HelperNames)
			if err := verifier.Verify(p); err != nil {
				t.Fatalf("Verify: %v\n%s", err, err.(*verifier.Error).Log)
			}
		})
	}
}

func TestErrorNamesSourceLine(t *testing.T) {
	p := vmtest.NewProgram(assemble(t, "mov %r0, 0\nmov %r10, 0\nexit"), nil)
	p.Lines = []vm.Line{{PC: 0, File: "x.c", Line: 3, Text: "  int a = 0;"}, {PC: 1, File: "x.c", Line: 4, Text: "  fp = 0;"}}
	err := verifier.Verify(p)
	if err == nil || !strings.Contains(err.Error(), "(x.c:4: fp = 0;)") {
		t.Fatalf("Error() = %v, want the C line", err)
	}
	if log := err.(*verifier.Error).Log; !strings.Contains(log, ">     1: mov %r10, 0") {
		t.Errorf("Log lacks the marked instruction:\n%s", log)
	}
}
