package interp_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"zeroserve.dev/zeroserve/pkg/vm"
	"zeroserve.dev/zeroserve/pkg/vm/asm"
	"zeroserve.dev/zeroserve/pkg/vm/interp"
	"zeroserve.dev/zeroserve/pkg/vm/vmtest"
)

// build assembles src into a program importing helpers and instantiates it.
func build(t testing.TB, src string, helpers vm.Helpers, names []string, l vm.Limits) *interp.Instance {
	t.Helper()
	insns, err := asm.Assemble(src)
	if err != nil {
		t.Fatal(err)
	}
	return buildProgram(t, vmtest.NewProgram(insns, names), helpers, l)
}

func buildProgram(t testing.TB, p *vm.Program, helpers vm.Helpers, l vm.Limits) *interp.Instance {
	t.Helper()
	c, err := interp.Compile(p, helpers, l)
	if err != nil {
		t.Fatal(err)
	}
	in, err := c.Instantiate()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close() })
	return in
}

// withImage returns a program whose image has 16 read-only bytes then 16
// bytes of .data at WritableBase 0x2000.
func withImage(t testing.TB, src string) *vm.Program {
	t.Helper()
	insns, err := asm.Assemble(src)
	if err != nil {
		t.Fatal(err)
	}
	p := vmtest.NewProgram(insns, nil)
	p.WritableBase = 0x2000
	p.Image = make([]byte, 0x1000+16)
	copy(p.Image, "read-only bytes!")
	copy(p.Image[0x1000:], []byte{7, 0, 0, 0, 0, 0, 0, 0})
	return p
}

func wantTrap(t *testing.T, err error, want *vm.Trap, pc int) *vm.Trap {
	t.Helper()
	var tr *vm.Trap
	if !errors.As(err, &tr) {
		t.Fatalf("err = %v, want trap %v", err, want.Code)
	}
	if !errors.Is(err, want) || tr.PC != pc {
		t.Fatalf("trap = %v (code %v, pc %d), want code %v at pc %d", tr, tr.Code, tr.PC, want.Code, pc)
	}
	return tr
}

func TestTraps(t *testing.T) {
	hostErr := errors.New("disk on fire")
	helpers := vm.Helpers{
		"badarg": func(c *vm.Call, r1, _, _, _, _ uint64) (uint64, error) { return 0, vm.BadArg("length too large") },
		"fail":   func(c *vm.Call, _, _, _, _, _ uint64) (uint64, error) { return 0, hostErr },
		"mem": func(c *vm.Call, r1, r2, _, _, _ uint64) (uint64, error) {
			_, err := c.Mem(r1, r2)
			return 0, err
		},
		"wmem": func(c *vm.Call, r1, r2, _, _, _ uint64) (uint64, error) {
			_, err := c.WritableMem(r1, r2)
			return 0, err
		},
	}
	names := []string{"badarg", "fail", "mem", "wmem"}
	tests := []struct {
		name string
		src  string
		want *vm.Trap
		pc   int
	}{
		{"store to null", "mov %r1, 0\nstw [%r1+0], 1\nexit", vm.ErrStore, 1},
		{"store to rodata", "mov %r1, 0x1000\nstxdw [%r1+8], %r1\nexit", vm.ErrStore, 1},
		{"store below window", "lddw %r1, 0x1ffc\nstxw [%r1+0], %r1\nexit", vm.ErrStore, 2},
		{"store straddling window end", "mov %r1, %r10\nstdw [%r1-4], 1\nexit", vm.ErrStore, 1},
		{"store past arena", "lddw %r1, 0xffffffffffffff00\nstb [%r1+0], 1\nexit", vm.ErrStore, 2},
		{"atomic into rodata", "mov %r1, 0x1000\nlock add [%r1+0], %r1\nexit", vm.ErrStore, 1},
		{"helper bad argument", "call 0\nexit", vm.ErrBadArg, 0},
		{"helper host error", "mov %r0, 0\ncall 1\nexit", vm.ErrHelper, 1},
		{"helper reads null", "mov %r1, 0\nmov %r2, 8\ncall 2\nexit", vm.ErrBadArg, 2},
		{"helper reads past end", "mov %r1, %r10\nmov %r2, 1\ncall 2\nexit", vm.ErrBadArg, 2},
		{"helper writes rodata", "mov %r1, 0x1000\nmov %r2, 1\ncall 3\nexit", vm.ErrBadArg, 2},
		{"callx unknown helper", "mov %r2, 4\ncall %r2\nexit", vm.ErrNoHelper, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			insns, err := asm.Assemble(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			p := withImage(t, "exit")
			p.Insns, p.Helpers = insns, names
			p.Funcs = []vm.Func{{Name: "main", Start: 0, End: len(insns)}}
			in := buildProgram(t, p, helpers, vm.Limits{})
			_, _, err = in.Run(0, nil, nil)
			tr := wantTrap(t, err, tt.want, tt.pc)
			if tt.want == vm.ErrHelper && !errors.Is(err, hostErr) {
				t.Errorf("trap %v does not wrap the host error", tr)
			}
			// The instance is reusable after a trap.
			if _, _, err := in.Run(0, nil, nil); !errors.Is(err, tt.want) {
				t.Errorf("second run: %v", err)
			}
		})
	}
}

func TestWildLoadIsMasked(t *testing.T) {
	// A load far outside the arena reads inside it (address & (size-1)):
	// 0xdead_0000_1000 masks to ImageBase, the first read-only byte 'r'.
	in := buildProgram(t, withImage(t, "lddw %r1, 0xdead00001000\nldxb %r0, [%r1+0]\nexit"), nil, vm.Limits{})
	r0, _, err := in.Run(0, nil, nil)
	if err != nil || r0 != 'r' {
		t.Fatalf("r0 = %#x, %v; want 'r'", r0, err)
	}
}

func TestWritableStateResetPerInvocation(t *testing.T) {
	// .data at 0x2000 starts as 7: increment it and the stack slot, return
	// old stack slot + new global: 0 + 8 on every run.
	src := `
lddw %r1, 0x2000
ldxdw %r2, [%r1+0]
add %r2, 1
stxdw [%r1+0], %r2
ldxdw %r0, [%r10-8]
stdw [%r10-8], 100
add %r0, %r2
ldxw %r3, [%r10-1024] # a store below straddled into this chunk last run
add %r0, %r3
stdw [%r10-1028], -1
exit`
	in := buildProgram(t, withImage(t, src), nil, vm.Limits{})
	for run := range 3 {
		r0, st, err := in.Run(0, nil, nil)
		if err != nil || st != vm.Done || r0 != 8 {
			t.Fatalf("run %d: r0 = %d, %v, %v; want 8", run, r0, st, err)
		}
	}
}

func TestInput(t *testing.T) {
	in := build(t, "ldxb %r0, [%r1+2]\nadd %r0, %r2\nexit", nil, nil, vm.Limits{})
	r0, _, err := in.Run(0, nil, []byte{1, 2, 30, 4})
	if err != nil || r0 != 34 {
		t.Fatalf("r0 = %d, %v; want 34", r0, err)
	}
	_, n := in.Arena().Scratch()
	if _, _, err := in.Run(0, nil, make([]byte, n+1)); err == nil {
		t.Fatal("oversized input accepted")
	}
}

func TestLocalCallsPreserveRegisters(t *testing.T) {
	// Seven nested calls: eight frames, the limit. Each frame stores to its
	// own stack slot; r6 survives every call.
	src := "mov %r6, 6\nstdw [%r10-8], 1\ncall local f1\nldxdw %r1, [%r10-8]\nadd %r0, %r1\nadd %r0, %r6\nexit\n"
	for i := 1; i <= 7; i++ {
		src += "f" + string(rune('0'+i)) + ":\nmov %r6, 0\nstdw [%r10-8], 0\n"
		if i < 7 {
			src += "call local f" + string(rune('0'+i+1)) + "\n"
		}
		src += "add %r0, 1\nexit\n"
	}
	in := build(t, src, nil, nil, vm.Limits{})
	r0, _, err := in.Run(0, nil, nil)
	if err != nil || r0 != 7+1+6 {
		t.Fatalf("r0 = %d, %v; want 14", r0, err)
	}
}

func TestBudget(t *testing.T) {
	in := build(t, "mov %r0, 0\nloop:\nadd %r0, 1\nja loop\nexit", nil, nil, vm.Limits{Budget: 1000})
	_, _, err := in.Run(0, nil, nil)
	wantTrap(t, err, vm.ErrBudget, 2)
	if in.Used() <= 1000 {
		t.Errorf("used %d, want > 1000", in.Used())
	}
	// Slices do not extend the hard limit.
	in = build(t, "loop:\nja loop\nexit", nil, nil, vm.Limits{Budget: 1000, Slice: 100})
	_, st, err := in.Run(0, nil, nil)
	yields := 0
	for err == nil && st == vm.Yielded {
		yields++
		_, st, err = in.Resume(0)
	}
	if !errors.Is(err, vm.ErrBudget) || yields < 9 || yields > 10 {
		t.Fatalf("after %d yields: %v, %v; want ErrBudget after 9-10 yields", yields, st, err)
	}
}

const sumLoop = `
mov %r0, 0
mov %r1, 0
loop:
add %r0, %r1
add %r1, 1
jlt %r1, 10000, loop
exit`

func TestSliceYieldResume(t *testing.T) {
	whole := build(t, sumLoop, nil, nil, vm.Limits{})
	want, st, err := whole.Run(0, nil, nil)
	if err != nil || st != vm.Done || want != 10000*9999/2 {
		t.Fatalf("unsliced: %d, %v, %v", want, st, err)
	}
	in := build(t, sumLoop, nil, nil, vm.Limits{Slice: 1000})
	r0, st, err := in.Run(0, nil, nil)
	yields := 0
	for err == nil && st == vm.Yielded {
		yields++
		r0, st, err = in.Resume(0)
	}
	if err != nil || r0 != want || yields < 25 {
		t.Fatalf("sliced: r0 = %d after %d yields, %v; want %d after >= 25 yields", r0, yields, err, want)
	}
	if in.Used() != whole.Used() {
		t.Errorf("sliced run charged %d, unsliced %d", in.Used(), whole.Used())
	}
}

type request struct{ calls int }

func TestSuspendResumeCancel(t *testing.T) {
	helpers := vm.Helpers{
		"fetch": func(c *vm.Call, r1, _, _, _, _ uint64) (uint64, error) {
			c.Ctx.(*request).calls++
			return 0, vm.ErrPending
		},
	}
	src := "mov %r6, 100\nmov %r1, 1\ncall 0\nadd %r0, %r6\nexit"
	in := build(t, src, helpers, []string{"fetch"}, vm.Limits{})
	req := &request{}
	_, st, err := in.Run(0, req, nil)
	if err != nil || st != vm.Suspended || req.calls != 1 {
		t.Fatalf("run: %v, %v, calls %d; want suspended", st, err, req.calls)
	}
	if _, _, err := in.Run(0, req, nil); !errors.Is(err, interp.ErrBusy) {
		t.Fatalf("run while suspended: %v, want ErrBusy", err)
	}
	r0, st, err := in.Resume(23)
	if err != nil || st != vm.Done || r0 != 123 {
		t.Fatalf("resume: %d, %v, %v; want 123 done", r0, st, err)
	}
	if _, _, err := in.Resume(0); !errors.Is(err, interp.ErrNotPaused) {
		t.Fatalf("resume when done: %v, want ErrNotPaused", err)
	}
	// Cancel a suspended invocation: the instance is free again.
	if _, st, _ := in.Run(0, req, nil); st != vm.Suspended {
		t.Fatalf("second run: %v", st)
	}
	in.Cancel()
	if _, _, err := in.Resume(1); !errors.Is(err, interp.ErrNotPaused) {
		t.Fatalf("resume after cancel: %v", err)
	}
	if _, st, err := in.Run(0, req, nil); err != nil || st != vm.Suspended || req.calls != 3 {
		t.Fatalf("run after cancel: %v, %v, calls %d", st, err, req.calls)
	}
}

func TestReentrantRunRejected(t *testing.T) {
	var self *interp.Instance
	var inner error
	helpers := vm.Helpers{"reenter": func(*vm.Call, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
		_, _, inner = self.Run(0, nil, nil)
		self.Cancel() // no effect on a running invocation
		return 5, nil
	}}
	self = build(t, "call 0\nexit", helpers, []string{"reenter"}, vm.Limits{})
	r0, st, err := self.Run(0, nil, nil)
	if !errors.Is(inner, interp.ErrBusy) || err != nil || st != vm.Done || r0 != 5 {
		t.Fatalf("inner %v; outer %d, %v, %v", inner, r0, st, err)
	}
}

func TestHelperMemory(t *testing.T) {
	// upper(ptr, len) upper-cases a guest string in place and returns its
	// length; the guest passes a string it stored on its stack.
	helpers := vm.Helpers{
		"upper": func(c *vm.Call, p, n, _, _, _ uint64) (uint64, error) {
			b, err := c.WritableMem(p, n)
			if err != nil {
				return 0, err
			}
			for i, ch := range b {
				if ch >= 'a' && ch <= 'z' {
					b[i] = ch - 32
				}
			}
			return n, nil
		},
	}
	src := `
stw [%r10-4], 0x6948 # "Hi\0\0"
mov %r1, %r10
add %r1, -4
mov %r2, 2
call 0
ldxh %r0, [%r10-4]
exit`
	in := build(t, src, helpers, []string{"upper"}, vm.Limits{})
	r0, _, err := in.Run(0, nil, nil)
	if err != nil || r0 != 0x4948 {
		t.Fatalf("r0 = %#x, %v; want 0x4948 (\"HI\")", r0, err)
	}
}

func TestCompileErrors(t *testing.T) {
	insns, _ := asm.Assemble("call 0\nexit")
	_, err := interp.Compile(vmtest.NewProgram(insns, []string{"nope"}), vm.Helpers{}, vm.Limits{})
	if err == nil || !contains(err.Error(), `unknown helper "nope"`) {
		t.Fatalf("err = %v, want unknown helper naming it", err)
	}
	_, err = interp.Compile(vmtest.NewProgram(insns, nil), nil, vm.Limits{})
	if err == nil {
		t.Fatal("unverifiable program compiled")
	}
	in := build(t, "exit", nil, nil, vm.Limits{})
	if _, _, err := in.Run(1, nil, nil); !errors.Is(err, interp.ErrEntry) {
		t.Fatalf("bad entry: %v", err)
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || len(s) >= len(sub) && (s[:len(sub)] == sub || contains(s[1:], sub))
}

func TestZeroAllocs(t *testing.T) {
	helpers := vm.Helpers{
		"one":  func(*vm.Call, uint64, uint64, uint64, uint64, uint64) (uint64, error) { return 1, nil },
		"wait": func(*vm.Call, uint64, uint64, uint64, uint64, uint64) (uint64, error) { return 0, vm.ErrPending },
	}
	names := []string{"one", "wait"}
	req := &request{}
	tests := []struct {
		name string
		src  string
		run  func(in *interp.Instance)
	}{
		{"empty", "mov %r0, 42\nexit", func(in *interp.Instance) { in.Run(0, req, nil) }},
		{"helper and stack", "stdw [%r10-8], 1\ncall 0\nexit", func(in *interp.Instance) { in.Run(0, req, nil) }},
		{"local call", "call local f\nexit\nf:\nstdw [%r10-8], 1\nexit", func(in *interp.Instance) { in.Run(0, req, nil) }},
		{"suspend resume", "call 1\nexit", func(in *interp.Instance) { in.Run(0, req, nil); in.Resume(5) }},
		{"input", "ldxb %r0, [%r1+0]\nexit", func(in *interp.Instance) { in.Run(0, req, []byte("x")) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := build(t, tt.src, helpers, names, vm.Limits{})
			if n := testing.AllocsPerRun(100, func() { tt.run(in) }); n != 0 {
				t.Errorf("%v allocations per invocation, want 0", n)
			}
		})
	}
}

// A block that falls through into a jump target is charged too: here the
// never-taken jeq makes "tail" a jump target, so without charging the loop
// body before it each iteration would cost 2 instead of 102.
func TestBudgetChargesFallThroughIntoJumpTarget(t *testing.T) {
	var src strings.Builder
	src.WriteString("mov %r0, 0\nmov %r1, 0\njeq %r1, 1, tail\nloop:\n")
	for range 100 {
		src.WriteString("add %r0, 1\n")
	}
	src.WriteString("tail:\nadd %r1, 1\njlt %r1, 100, loop\nexit\n")
	in := build(t, src.String(), nil, nil, vm.Limits{})
	r0, _, err := in.Run(0, nil, nil)
	if err != nil || r0 != 100*100 {
		t.Fatalf("r0 = %d, %v; want %d", r0, err, 100*100)
	}
	// 3 before the loop, 102 per iteration, the exit.
	if want := uint64(3 + 100*102 + 1); in.Used() != want {
		t.Errorf("used %d, want %d", in.Used(), want)
	}
	in = build(t, src.String(), nil, nil, vm.Limits{Budget: 5000})
	if _, _, err := in.Run(0, nil, nil); !errors.Is(err, vm.ErrBudget) {
		t.Errorf("with a budget of 5000: %v, want ErrBudget", err)
	}
}

// A helper's work on guest memory is charged to the budget by the bytes it
// reaches through Call.Mem and Call.WritableMem, so a loop of large memsets
// cannot run far past the budget; Call.Charge adds other work.
func TestHelperWorkIsCharged(t *testing.T) {
	helpers := vm.Helpers{
		"fill": func(c *vm.Call, p, n, _, _, _ uint64) (uint64, error) {
			b, err := c.WritableMem(p, n)
			if err != nil {
				return 0, err
			}
			clear(b)
			return 0, nil
		},
		"work": func(c *vm.Call, n, _, _, _, _ uint64) (uint64, error) {
			c.Charge(n)
			return 0, nil
		},
	}
	names := []string{"fill", "work"}
	// Fill 32 KiB of the stack 1000 times: 5 instructions a round plus
	// 32 KiB / vm.HelperBytesPerInsn for the helper.
	fill := `
mov %r6, 0
loop:
mov %r1, %r10
add %r1, -32768
mov %r2, 32768
call 0
add %r6, 1
jlt %r6, 1000, loop
exit`
	in := build(t, fill, helpers, names, vm.Limits{})
	if _, _, err := in.Run(0, nil, nil); err != nil {
		t.Fatal(err)
	}
	if want := uint64(1 + 1000*(6+32768/vm.HelperBytesPerInsn) + 1); in.Used() != want {
		t.Errorf("used %d, want %d", in.Used(), want)
	}
	in = build(t, fill, helpers, names, vm.Limits{Budget: 100_000})
	if _, _, err := in.Run(0, nil, nil); !errors.Is(err, vm.ErrBudget) {
		t.Errorf("with a budget of 100000: %v, want ErrBudget", err)
	}
	in = build(t, "mov %r1, 1000\ncall 1\nexit", helpers, names, vm.Limits{})
	if _, _, err := in.Run(0, nil, nil); err != nil || in.Used() != 1003 {
		t.Errorf("Charge(1000): used %d, %v; want 1003", in.Used(), err)
	}
}

// A chain of helper calls that all return pending has no jump between them,
// yet the hard budget still ends it: Resume past the budget traps instead of
// running (and calling helpers) until the next control transfer.
func TestPendingHelpersCannotOutrunBudget(t *testing.T) {
	calls := 0
	helpers := vm.Helpers{"wait": func(*vm.Call, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
		calls++
		return 0, vm.ErrPending
	}}
	src := strings.Repeat("call 0\n", 100) + "exit"
	in := build(t, src, helpers, []string{"wait"}, vm.Limits{Budget: 3})
	_, st, err := in.Run(0, nil, nil)
	for n := 0; err == nil && st == vm.Suspended && n < 200; n++ {
		_, st, err = in.Resume(0)
	}
	if !errors.Is(err, vm.ErrBudget) {
		t.Fatalf("after %d helper calls: status %v, err %v; want ErrBudget", calls, st, err)
	}
	if calls > 4 {
		t.Errorf("%d helper calls with a budget of 3, want at most 4", calls)
	}
	// The instance is reusable afterwards.
	if _, st, err := in.Run(0, nil, nil); err != nil || st != vm.Suspended {
		t.Fatalf("next run: %v, %v", st, err)
	}
}

// A jump straight to a control transfer that ends a longer block (here the
// loop condition, entered first through "ja check") charges only the slots
// that run: 3 before the loop, the first check, 3 per iteration, the exit.
func TestBudgetJumpToTransferChargesExactly(t *testing.T) {
	src := `
mov %r0, 0
mov %r1, 0
ja check
loop:
add %r1, 1
add %r0, 1
check:
jlt %r1, 100, loop
exit`
	in := build(t, src, nil, nil, vm.Limits{})
	r0, _, err := in.Run(0, nil, nil)
	if err != nil || r0 != 100 {
		t.Fatalf("r0 = %d, %v; want 100", r0, err)
	}
	if want := uint64(3 + 1 + 100*3 + 1); in.Used() != want {
		t.Errorf("used %d, want %d", in.Used(), want)
	}
}

// Helpers that charge a lot and then return pending must not overflow the
// instructions used into a small number that resets the budget.
func TestPendingChargesDoNotWrapBudget(t *testing.T) {
	calls := 0
	helpers := vm.Helpers{"big": func(c *vm.Call, _, _, _, _, _ uint64) (uint64, error) {
		calls++
		c.Charge(math.MaxUint64)
		return 0, vm.ErrPending
	}}
	in := build(t, strings.Repeat("call 0\n", 10)+"exit", helpers, []string{"big"}, vm.Limits{})
	_, st, err := in.Run(0, nil, nil)
	for n := 0; err == nil && st == vm.Suspended && n < 20; n++ {
		_, st, err = in.Resume(0)
	}
	if !errors.Is(err, vm.ErrBudget) || calls != 1 {
		t.Fatalf("after %d calls: %v, %v; want ErrBudget after 1", calls, st, err)
	}
}
