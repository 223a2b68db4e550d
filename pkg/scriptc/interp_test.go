package scriptc

import (
	"context"
	"encoding/binary"
	"testing"

	"zeroserve.dev/zeroserve/pkg/abi"
	"zeroserve.dev/zeroserve/pkg/vm"
	"zeroserve.dev/zeroserve/pkg/vm/interp"
)

// The toolchain end to end: SDK header → clang → loader → verifier → the
// reference interpreter, with two fake helpers. It checks that the header's
// inline string functions and entry macros behave on the BPF target.
const runScript = `#include "zeroserve.h"
static char out[64];
ZS_ENTRY
zs_u64 entry(void) {
  char path[32];
  zs_s64 n = zs_req_path(path, sizeof path);
  char *p = zs_stpcpy(out, "len=");
  zs_utoa10((unsigned int)n, p, 12);
  if (zs_strcmp(path, "/hello") == 0 && zs_strncmp(out, "len=6", 6) == 0)
    zs_meta_set(ZS_STR("seen"), ZS_STR(out));
  char *slash = zs_strrchr(path, '/');
  return zs_strlen(out) * 100 + (zs_u64)(slash - path);
}

ZS_CALL_ENTRY(twice, input) { return input * 2; }
`

func TestRunCompiledScript(t *testing.T) {
	c := needClang(t)
	dir := site(t, map[string]string{"run.c": runScript})
	s, err := c.CompileFile(context.Background(), dir, "run.c")
	if err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{}
	helpers := vm.Helpers{
		"zs_req_path": func(c *vm.Call, out, outLen, _, _, _ uint64) (uint64, error) {
			const v = "/hello"
			b, err := c.WritableMem(out, outLen)
			if err != nil {
				return 0, err
			}
			copy(b, v+"\x00")
			return uint64(len(v)), nil
		},
		"zs_meta_set": func(c *vm.Call, k, kl, v, vl, _ uint64) (uint64, error) {
			kb, err := c.Mem(k, kl)
			if err != nil {
				return 0, err
			}
			vb, err := c.Mem(v, vl)
			if err != nil {
				return 0, err
			}
			meta[string(kb)] = string(vb)
			return abi.OK, nil
		},
	}
	prog, err := interp.Compile(s.Program, helpers, vm.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	in, err := prog.NewInstance()
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()

	r0, st, err := in.Run(s.Program.Entries[abi.SectionRequest], nil, nil)
	if err != nil || st != vm.Done {
		t.Fatalf("run request entry: %v, %v", st, err)
	}
	if r0 != 500 || meta["seen"] != "len=6" {
		t.Errorf("r0 = %d, meta = %v; want 500 and seen=len=6", r0, meta)
	}

	entry, ok := s.Program.Entries[abi.CallSection("twice")]
	if !ok {
		t.Fatalf("no %s entry in %v", abi.CallSection("twice"), s.Program.Entries)
	}
	r0, st, err = in.Run(entry, nil, binary.LittleEndian.AppendUint64(nil, 21))
	if err != nil || st != vm.Done || r0 != 42 {
		t.Errorf("call entry: r0 = %d, %v, %v; want 42", r0, st, err)
	}
}
