package interp_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"zeroserve.dev/zeroserve/pkg/vm"
	"zeroserve.dev/zeroserve/pkg/vm/asm"
	"zeroserve.dev/zeroserve/pkg/vm/interp"
	"zeroserve.dev/zeroserve/pkg/vm/vmtest"
)

// FuzzVerifyInterp feeds arbitrary instruction bytes to the verifier; an
// accepted program must run without panicking the host and must end with a
// result, a trap or ErrBudget.
func FuzzVerifyInterp(f *testing.F) {
	files, _ := filepath.Glob("../testdata/conformance/*.data")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		c, err := vmtest.ParseCase(name, data)
		if err != nil {
			f.Fatal(err)
		}
		insns, err := c.Insns()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(asm.Encode(insns), c.Mem)
	}
	helpers := vm.Helpers{
		"unwind":     vmtest.ConformanceHelpers["unwind"],
		"unassigned": vmtest.ConformanceHelpers["unassigned"],
		"read": func(c *vm.Call, p, n, _, _, _ uint64) (uint64, error) {
			b, err := c.Mem(p, n)
			return uint64(len(b)), err
		},
		"write": func(c *vm.Call, p, n, _, _, _ uint64) (uint64, error) {
			b, err := c.WritableMem(p, n)
			clear(b)
			return uint64(len(b)), err
		},
		"pending": func(c *vm.Call, _, _, _, _, _ uint64) (uint64, error) { return 0, vm.ErrPending },
	}
	names := []string{"unassigned", "read", "write", "pending", "unassigned", "unwind"}
	f.Fuzz(func(t *testing.T, code, input []byte) {
		insns, err := asm.Decode(code[:len(code)/8*8])
		if err != nil {
			t.Fatal(err)
		}
		p := vmtest.NewProgram(insns, names)
		c, err := interp.Compile(p, helpers, vm.Limits{Budget: 5000, Slice: 1000})
		if err != nil {
			return // rejected: fine
		}
		in, err := c.Instantiate()
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		_, n := in.Arena().Scratch()
		if uint64(len(input)) > n {
			input = input[:n]
		}
		_, st, err := in.Run(0, nil, input)
		for steps := 0; err == nil && st != vm.Done; steps++ {
			if steps > 6000 { // each suspension or slice charges at least one instruction
				t.Fatalf("no end after %d resumptions (status %v)", steps, st)
			}
			_, st, err = in.Resume(7)
		}
		var tr *vm.Trap
		if err != nil && (!errors.As(err, &tr) || tr.Code == vm.TrapBug) {
			t.Fatalf("run ended with %v, want a result or a guest trap", err)
		}
	})
}
