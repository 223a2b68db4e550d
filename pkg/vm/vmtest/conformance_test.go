package vmtest

import (
	"strings"
	"testing"
)

func TestParseCase(t *testing.T) {
	src := `# header
-- asm
mov %r0, 1 # comment
exit
-- mem
00 ff 10
-- result
0x1
-- no register offset
ignored
`
	c, err := ParseCase("x", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if !c.HasResult || c.Result != 1 || string(c.Mem) != "\x00\xff\x10" || !strings.Contains(c.Asm, "mov %r0, 1") {
		t.Fatalf("parsed %+v", c)
	}
	p, err := c.Program()
	if err != nil || len(p.Insns) != 2 || len(p.Funcs) != 1 {
		t.Fatalf("Program = %+v, %v", p, err)
	}
}

func TestParseCaseErrors(t *testing.T) {
	tests := []struct{ name, src string }{
		{"no program", "-- result\n1\n"},
		{"no result or error", "-- asm\nexit\n"},
		{"both result and error", "-- asm\nexit\n-- result\n1\n-- error\nbad\n"},
		{"bad mem byte", "-- asm\nexit\n-- mem\nzz\n-- result\n0\n"},
		{"bad result", "-- asm\nexit\n-- result\n0xzz\n"},
		{"two results", "-- asm\nexit\n-- result\n1 2\n"},
		{"repeated section", "-- asm\nexit\n-- asm\nexit\n-- result\n1\n"},
		{"bad raw word", "-- raw\n0xnothex\n-- result\n1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseCase(tt.name, []byte(tt.src)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestNewProgramSplitsFunctions(t *testing.T) {
	c, err := ParseCase("calls", []byte("-- asm\ncall local f\nexit\nf:\ncall local g\nexit\ng:\nexit\n-- result\n0\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Program()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Funcs) != 3 || p.Funcs[1].Start != 2 || p.Funcs[2].Start != 4 || p.Funcs[2].End != 5 {
		t.Fatalf("Funcs = %+v", p.Funcs)
	}
}

// FuzzParseCase: the conformance file parser never panics.
func FuzzParseCase(f *testing.F) {
	f.Add([]byte("-- asm\nmov %r0, 1\nexit\n-- mem\n01 02\n-- result\n0x1\n"))
	f.Add([]byte("-- raw\n0x0000000000000095\n-- error\nx\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCase("fuzz", data)
		if err != nil {
			return
		}
		if p, err := c.Program(); err == nil && len(p.Insns) > 0 && len(p.Funcs) == 0 {
			t.Fatal("program without functions")
		}
	})
}
