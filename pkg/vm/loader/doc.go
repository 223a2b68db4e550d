// Package loader links a clang BPF object into a [vm.Program].
//
// Input is what `clang -target bpf -O2 -g -c` writes: a 64-bit little-endian
// relocatable ELF file (ET_REL, EM_BPF; EM_NONE from old LLVM is accepted).
// [Load] does the work a static linker would:
//
//   - Every executable section other than .text is an entry point, named by
//     its section (zeroserve.request, zeroserve.call.<name>). .text holds
//     library functions; only those reached by bpf-to-bpf calls are kept.
//     Functions are concatenated into Program.Insns: entry sections in file
//     order, then the reached .text functions in address order. Local calls
//     (src=1) are rewritten to slot offsets in the concatenated code, whether
//     clang relocated them against the callee, against its section symbol
//     (imm = slot-1) or left them PC-relative inside one section.
//   - Calls to extern functions (undefined symbols, R_BPF_64_32) are helper
//     calls: src=0 and Imm = index into Program.Helpers, names deduplicated in
//     order of first use. Options.Helpers rejects unknown names.
//   - .rodata* (including mergeable string sections), .data* and .bss* are laid
//     out in Program.Image from vm.ImageBase: read-only sections first, then
//     the writable ones from Program.WritableBase (page aligned). Every lddw
//     relocated against data (R_BPF_64_64) becomes a plain 64-bit immediate
//     holding the guest address. R_BPF_64_ABS64/ABS32 relocations inside data
//     sections (pointer tables in .rodata) are applied too.
//   - BTF line info (.BTF.ext plus the .BTF string table) becomes
//     Program.Lines.
//
// Not supported, each with an error wrapping [ErrUnsupported]: maps (.maps),
// kfuncs and ksyms (__ksym externs), extern variables, function pointers,
// helpers called by number, RELA relocations and common symbols.
//
// The input is untrusted: every offset, size and index is checked and bad
// input returns an error wrapping [ErrMalformed], never a panic. The program
// is linked, not verified; run the verifier on the result.
package loader
