package vm_test

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"zeroserve.dev/zeroserve/pkg/vm"
	"zeroserve.dev/zeroserve/pkg/vm/interp"
	"zeroserve.dev/zeroserve/pkg/vm/loader"
	"zeroserve.dev/zeroserve/pkg/vm/verifier"
)

// The objects under testdata/clang are built from the .c files next to them
// by `go tool task testdata` (clang-19 -target bpf -mcpu=v4 -O2 -g); the
// helpers they import are declared in testdata/clang/zs_test.h.

// clangHelpers implements zs_test.h. zs_test_record appends to the
// *[]int64 passed as the invocation's context.
var clangHelpers = vm.Helpers{
	"zs_test_sum": func(c *vm.Call, p, n, _, _, _ uint64) (uint64, error) {
		b, err := c.Mem(p, n)
		if err != nil {
			return 0, err
		}
		var s uint64
		for _, x := range b {
			s += uint64(x)
		}
		return s, nil
	},
	"zs_test_fill": func(c *vm.Call, p, n, v, _, _ uint64) (uint64, error) {
		b, err := c.WritableMem(p, n)
		if err != nil {
			return 0, err
		}
		for i := range b {
			b[i] = byte(v)
		}
		return n, nil
	},
	"zs_test_record": func(c *vm.Call, v, _, _, _, _ uint64) (uint64, error) {
		if tr, ok := c.Ctx.(*[]int64); ok {
			*tr = append(*tr, int64(v))
		}
		return v, nil
	},
}

func knownClangHelper(name string) bool { _, ok := clangHelpers[name]; return ok }

func loadClang(t *testing.T, obj string) *vm.Program {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata/clang", obj))
	if err != nil {
		t.Fatal(err)
	}
	p, err := loader.Load(b, loader.Options{Helpers: knownClangHelper})
	if err != nil {
		t.Fatalf("load %s: %v", obj, err)
	}
	return p
}

// instantiate verifies and compiles obj and returns an instance.
func instantiate(t *testing.T, obj string, h vm.Helpers, l vm.Limits) (*vm.Program, *interp.Instance) {
	t.Helper()
	p := loadClang(t, obj)
	if err := verifier.Verify(p); err != nil {
		var ve *verifier.Error
		errors.As(err, &ve)
		t.Fatalf("verify %s: %v\n%s", obj, err, ve.Log)
	}
	c, err := interp.Compile(p, h, l)
	if err != nil {
		t.Fatalf("compile %s: %v", obj, err)
	}
	in, err := c.Instantiate()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close() })
	return p, in
}

func entry(t *testing.T, p *vm.Program, name string) int {
	t.Helper()
	pc, ok := p.Entries[name]
	if !ok {
		t.Fatalf("no entry %q (have %v)", name, p.Entries)
	}
	return pc
}

// TestClangRun runs every entry that computes a result, twice on one
// instance: .data and .bss must be reset between invocations.
func TestClangRun(t *testing.T) {
	tests := []struct {
		obj, entry string
		want       int64
		trace      []int64 // zs_test_record calls
	}{
		{"globals.o", "zeroserve.call.counter", 42, nil},
		{"globals.o", "zeroserve.call.greeting", 1160, nil},
		{"globals.o", "zeroserve.call.words", 515, nil}, // pointer table in .rodata
		{"globals.o", "zeroserve.call.bss", 32640, nil},
		{"loops.o", "zeroserve.call.squares", 332833500, nil},
		{"loops.o", "zeroserve.call.sort", 1496, nil},
		{"loops.o", "zeroserve.call.signed", -7, nil},
		{"calls.o", "zeroserve.request", 180, []int64{8, 10}},
		{"calls.o", "zeroserve.call.sum", 5050, nil},
		{"calls.o", "zeroserve.call.twice", 24, []int64{4, 6, 6, 8}},
		{"structs.o", "zeroserve.call.point", 1636, nil},
		{"structs.o", "zeroserve.call.bytes", 198, nil},
		{"structs.o", "zeroserve.call.fill", 128, nil},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.obj, ".o")+"/"+tt.entry, func(t *testing.T) {
			p, in := instantiate(t, tt.obj, clangHelpers, vm.Limits{})
			for run := range 2 {
				var trace []int64
				r0, st, err := in.Run(entry(t, p, tt.entry), &trace, nil)
				if err != nil || st != vm.Done {
					t.Fatalf("run %d: status %v, err %v", run, st, err)
				}
				if int64(r0) != tt.want || !slices.Equal(trace, tt.trace) {
					t.Errorf("run %d: r0 = %d, trace %v; want %d, %v", run, int64(r0), trace, tt.want, tt.trace)
				}
			}
		})
	}
}

// TestClangSlices runs a loop in budget slices: the result is the same.
func TestClangSlices(t *testing.T) {
	p, in := instantiate(t, "loops.o", clangHelpers, vm.Limits{Slice: 1000})
	r0, st, err := in.Run(entry(t, p, "zeroserve.call.squares"), nil, nil)
	yields := 0
	for err == nil && st == vm.Yielded {
		yields++
		r0, st, err = in.Resume(0)
	}
	if err != nil || st != vm.Done || r0 != 332833500 {
		t.Fatalf("r0 %d, status %v, err %v", r0, st, err)
	}
	if yields < 5 {
		t.Errorf("%d yields for a 1000-iteration loop with slices of 1000 instructions", yields)
	}
}

// TestClangSuspend suspends at each helper call of calls.o and resumes with
// a result of the host's choosing.
func TestClangSuspend(t *testing.T) {
	h := vm.Helpers{"zs_test_record": func(c *vm.Call, v, _, _, _, _ uint64) (uint64, error) {
		return 0, vm.ErrPending
	}}
	p, in := instantiate(t, "calls.o", h, vm.Limits{})
	r0, st, err := in.Run(entry(t, p, "zeroserve.request"), nil, nil)
	for _, result := range []uint64{100, 1000} { // leaf(4) and leaf(5) return these
		if err != nil || st != vm.Suspended {
			t.Fatalf("status %v, err %v; want Suspended", st, err)
		}
		r0, st, err = in.Resume(result)
	}
	if err != nil || st != vm.Done || r0 != 11000 { // (100 + 1000) * 10
		t.Fatalf("r0 %d, status %v, err %v; want 11000", r0, st, err)
	}
}

// TestClangTraps runs programs that misbehave: each must end in the right
// trap at a C line of traps.c, never escape the arena or run forever.
func TestClangTraps(t *testing.T) {
	tests := []struct {
		entry string
		trap  *vm.Trap
		line  string // text of the C line the trap points at
	}{
		{"zeroserve.call.rodata_store", vm.ErrStore, "*(volatile int *)&limits[idx] = 9;"},
		{"zeroserve.call.wild_write", vm.ErrStore, "*(volatile long *)wild = 1;"},
		{"zeroserve.call.null_write", vm.ErrStore, "*(volatile long *)(idx * 8) = 1;"},
		{"zeroserve.call.spin", vm.ErrBudget, ""},
	}
	for _, tt := range tests {
		t.Run(tt.entry, func(t *testing.T) {
			p, in := instantiate(t, "traps.o", clangHelpers, vm.Limits{Budget: 100_000})
			_, st, err := in.Run(entry(t, p, tt.entry), nil, nil)
			var tr *vm.Trap
			if !errors.As(err, &tr) || !errors.Is(err, tt.trap) {
				t.Fatalf("status %v, err %v; want trap %v", st, err, tt.trap.Code)
			}
			fn := p.Funcs[slices.IndexFunc(p.Funcs, func(f vm.Func) bool { return f.Section == tt.entry })]
			if tr.PC < fn.Start || tr.PC >= fn.End {
				t.Errorf("trap at pc %d, outside %s [%d, %d)", tr.PC, fn.Name, fn.Start, fn.End)
			}
			if !strings.HasSuffix(tr.Line.File, "traps.c") {
				t.Errorf("trap line %+v: want a line of traps.c", tr.Line)
			}
			if tt.line != "" && strings.TrimSpace(tr.Line.Text) != tt.line {
				t.Errorf("trap at %q, want %q", strings.TrimSpace(tr.Line.Text), tt.line)
			}
			if tt.trap == vm.ErrBudget && in.Used() < 100_000 {
				t.Errorf("budget trap after %d instructions", in.Used())
			}
		})
	}
}

// TestClangWildRead reads through a pointer far outside the arena: the load
// must be masked into the arena (or trap), never reach host memory.
func TestClangWildRead(t *testing.T) {
	// The value of `wild` in traps.c: any power-of-two arena of at least 8 KiB
	// masks it to ImageBase, where limits[] = {1, 2, 3, 4} starts.
	const wild = 0x7fff000000001000
	p, in := instantiate(t, "traps.o", clangHelpers, vm.Limits{})
	r0, st, err := in.Run(entry(t, p, "zeroserve.call.wild_read"), nil, nil)
	if err != nil {
		if !errors.As(err, new(*vm.Trap)) {
			t.Fatalf("err %v is not a trap", err)
		}
		t.Logf("trapped: %v", err)
		return // trapping is acceptable
	}
	if st != vm.Done {
		t.Fatalf("status %v", st)
	}
	a := in.Arena()
	masked := wild & (a.Size() - 1)
	t.Logf("masked to %#x of a %#x-byte arena", masked, a.Size())
	if want := binary.LittleEndian.Uint64(a.Bytes()[masked:]); r0 != want || r0 != 0x2_0000_0001 {
		t.Errorf("r0 = %#x, want %#x (limits[0:2], the arena word at the masked address %#x)", r0, want, masked)
	}
}

// TestClangRejected: programs the verifier must refuse, with a reason
// pointing at the call.
func TestClangRejected(t *testing.T) {
	tests := []struct {
		obj    string
		reason string
	}{
		{"recursion.o", "recursive call"},
		{"chain.o", "exceeds the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.obj, func(t *testing.T) {
			p := loadClang(t, tt.obj)
			err := verifier.Verify(p)
			var ve *verifier.Error
			if !errors.As(err, &ve) || !strings.Contains(ve.Reason, tt.reason) {
				t.Fatalf("err = %v, want a verifier error about %q", err, tt.reason)
			}
			if ins := p.Insns[ve.PC]; ins.Op != 0x85 || ins.Src != 1 {
				t.Errorf("rejected at pc %d, which is not a local call", ve.PC)
			}
			if _, err := interp.Compile(p, clangHelpers, vm.Limits{}); err == nil {
				t.Error("interp.Compile accepted the program")
			}
		})
	}
}

// TestClangUnknownHelper: the loader names the missing helper; an engine
// given the program anyway refuses to bind it.
func TestClangUnknownHelper(t *testing.T) {
	b, err := os.ReadFile("testdata/clang/unknown_helper.o")
	if err != nil {
		t.Fatal(err)
	}
	_, err = loader.Load(b, loader.Options{Helpers: knownClangHelper})
	if !errors.Is(err, loader.ErrUnknownHelper) || !strings.Contains(err.Error(), `"zs_test_missing"`) {
		t.Fatalf("load: %v, want ErrUnknownHelper naming zs_test_missing", err)
	}
	p, err := loader.Load(b, loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := interp.Compile(p, clangHelpers, vm.Limits{}); err == nil || !strings.Contains(err.Error(), "zs_test_missing") {
		t.Fatalf("compile: %v, want an error naming zs_test_missing", err)
	}
}

// TestClangVerifies: every object the loader accepts, except the two built
// to be rejected, passes the verifier.
func TestClangVerifies(t *testing.T) {
	objs, err := filepath.Glob("testdata/clang/*.o")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		name := filepath.Base(o)
		b, err := os.ReadFile(o)
		if err != nil {
			t.Fatal(err)
		}
		p, err := loader.Load(b, loader.Options{})
		if err != nil || name == "recursion.o" || name == "chain.o" {
			continue // loader rejections are tested in pkg/vm/loader
		}
		if err := verifier.Verify(p); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
