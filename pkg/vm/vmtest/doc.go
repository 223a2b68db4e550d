// Package vmtest runs the bpf_conformance test vectors (plain-text files with
// "-- asm", "-- raw", "-- mem", "-- result" and "-- error" sections) against
// any vm.Engine.
//
// ParseCase reads one file; Case.Program assembles it into a vm.Program (one
// function per local-call target, entry "main" at 0, helper table of
// ConformanceHelpers); Run executes it and compares r0 with the expected
// result. Helper 5 is uBPF's "unwind" (returns r1; r1 == 0 ends the program
// with ErrUnwind); helpers 0-4 exist only so that indexes line up and trap
// when called.
package vmtest
