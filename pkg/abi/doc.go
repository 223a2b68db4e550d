// Package abi is the contract between request scripts and the zeroserve
// runtime: the single source of truth for every host helper a script may
// call, the ELF section names that mark entry points, the return codes and
// the constants scripts pass to helpers.
//
// Helpers are linked by symbol name: a script declares `extern zs_s64
// zs_log(const char *msg, zs_u64 len);` (from the generated header
// sdk/include/zeroserve.h) and clang emits a relocated call to that name.
// The ABI is therefore the set of names and C signatures listed by [Helpers],
// not numbers. The runtime binds an implementation to every name, for
// example into a vm.Helpers map, and its tests should check that each name
// of [Names] is bound:
//
//	hs := vm.Helpers{}
//	for _, h := range abi.Helpers() {
//		hs[h.Name] = impls[h.Name] // a missing one is a bug: test for it
//	}
//
// The order of [Helpers] is stable within one build, so [Index] can also key
// a dense table. The loader and verifier take [Known] to reject scripts that
// import any other name.
//
// Calling convention (eBPF, RFC 9669 §4): arguments in r1..r5 in the order
// of [Helper.Params], result in r0. Every pointer parameter is a guest
// address; [Param.Len] names the parameter that holds its byte length, or
// [Param.Size] gives a fixed length, so the runtime can check the whole
// range against the script's arena before touching it.
//
// tools/genabi renders this package into sdk/include/zeroserve.h and
// docs/helpers.md; run `go generate ./pkg/abi` after editing the tables.
package abi

//go:generate go run ../../tools/genabi -header ../../sdk/include/zeroserve.h -doc ../../docs/helpers.md
