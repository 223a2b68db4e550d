// Package scriptc is the script compiler of `zspack build`: it compiles a
// site's request scripts, DIR/.zeroserve/scripts/*.c, to eBPF objects with
// clang and checks each object with the same loader and verifier the server
// runs, against the helper table of package abi.
//
// [FindClang] picks the compiler ($ZSPACK_CLANG, else the newest clang-NN or
// clang on PATH). [Compiler.CompileDir] compiles every script in file-name
// order (the order the server runs them) and returns a [Script] per file:
// the object bytes to store as .zeroserve/scripts/<name>.o and the linked,
// verified program. Failures are [*Error] values naming the script (all
// failing scripts of a site are reported, joined): clang's
// own diagnostics for a compile error; the instruction index and, from BTF
// line info, the C source line for a loader or verifier rejection; the name
// of an unknown helper.
//
// Output is deterministic: the same sources give the same object bytes, from
// any working directory (see [Compiler.Args]).
package scriptc
