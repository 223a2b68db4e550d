package vm_test

import (
	"fmt"

	"zeroserve.dev/zeroserve/pkg/vm"
	"zeroserve.dev/zeroserve/pkg/vm/asm"
	"zeroserve.dev/zeroserve/pkg/vm/interp"
	"zeroserve.dev/zeroserve/pkg/vm/vmtest"
)

type request struct{ path string }

// A program that asks the host for the request path, copies it into its
// stack and returns the path's length plus its first byte.
func Example() {
	insns, err := asm.Assemble(`
		mov %r1, %r10
		add %r1, -64       # buffer on the stack
		mov %r2, 64
		call 0             # r0 = get_path(buf, 64)
		ldxb %r1, [%r10-64]
		add %r0, %r1
		exit`)
	if err != nil {
		panic(err)
	}
	p := vmtest.NewProgram(insns, []string{"get_path"}) // a loader would produce this
	helpers := vm.Helpers{
		"get_path": func(c *vm.Call, buf, n, _, _, _ uint64) (uint64, error) {
			dst, err := c.WritableMem(buf, n) // checked, no copy
			if err != nil {
				return 0, err
			}
			return uint64(copy(dst, c.Ctx.(*request).path)), nil
		},
	}
	prog, err := interp.Compile(p, helpers, vm.Limits{Budget: 1 << 20})
	if err != nil {
		panic(err)
	}
	inst, err := prog.Instantiate()
	if err != nil {
		panic(err)
	}
	defer inst.Close()

	entry, _ := prog.Entry("main")
	r0, st, err := inst.Run(entry, &request{path: "/index.html"}, nil)
	fmt.Println(r0, st, err)
	// Output: 58 done <nil>
}
