package scriptc

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"zeroserve.dev/zeroserve/internal/testutil"

	"zeroserve.dev/zeroserve/pkg/abi"
)

// needClang skips when clang-19 is missing; CI installs it.
func needClang(t *testing.T) *Compiler {
	t.Helper()
	p, err := exec.LookPath("clang-19")
	if err != nil {
		testutil.Missing(t, "clang-19 not installed (Debian package clang-19)")
	}
	return &Compiler{Clang: p}
}

// site writes a site whose scripts are files (name → source).
func site(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	sd := filepath.Join(dir, ScriptsDir)
	if err := os.MkdirAll(sd, 0o755); err != nil {
		t.Fatal(err)
	}
	for n, src := range files {
		if err := os.WriteFile(filepath.Join(sd, n), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const okScript = `#include "zeroserve.h"
ZS_ENTRY zs_u64 entry(void) {
  char path[128];
  zs_s64 n = zs_req_path(path, sizeof path);
  if (n > 0 && zs_strcmp(path, "/health") == 0)
    zs_respond(200, ZS_STR("ok\n"));
  return 0;
}
`

func TestCompileErrors(t *testing.T) {
	c := needClang(t)
	tests := []struct {
		name  string
		src   string
		stage Stage
		want  []string // substrings of Error()
	}{
		{"syntax.c", "#include \"zeroserve.h\"\nZS_ENTRY zs_u64 entry(void) { return 0 }\n",
			StageCompile, []string{"compile ", "syntax.c:\n", "syntax.c:2:", "error: expected ';'"}},
		{"libc.c", "#include <stdio.h>\n", StageCompile, []string{"libc.c:1:10: fatal error: 'stdio.h' file not found"}},
		{"stack.c", "#include \"zeroserve.h\"\nZS_ENTRY zs_u64 entry(void) {\n  char big[9000];\n  zs_req_uri(big, sizeof big);\n  zs_log(big, 5);\n  return 0;\n}\n",
			StageCompile, []string{"stack.c:", "BPF stack limit", "hint: each function of a script has 8192 bytes"}},
		{"helper.c", "#include \"zeroserve.h\"\nextern zs_s64 zs_nope(zs_u64 x);\nZS_ENTRY zs_u64 entry(void) {\n  zs_nope(1);\n  return 0;\n}\n",
			StageHelper, []string{"helper.c:4: helper: section zeroserve.request: insn ", "zs_nope"}},
		{"libcall.c", "#include \"zeroserve.h\"\nvoid *memcpy(void *, const void *, unsigned long);\nchar dst[64];\nZS_ENTRY zs_u64 entry(void) {\n  char src[64];\n  zs_s64 n = zs_req_path(src, sizeof src);\n  memcpy(dst, src, (unsigned long)n);\n  return 0;\n}\n",
			StageHelper, []string{"libcall.c:", "memcpy"}},
		{"recursive.c", "#include \"zeroserve.h\"\nstatic zs_u64 g(zs_u64 n);\n__attribute__((noinline)) static zs_u64 f(zs_u64 n) {\n  zs_log(ZS_STR(\"f\"));\n  return n == 0 ? 0 : g(n - 1) * 3;\n}\n__attribute__((noinline)) static zs_u64 g(zs_u64 n) {\n  zs_log(ZS_STR(\"g\"));\n  return n == 0 ? 1 : f(n - 1) * 5;\n}\nZS_ENTRY zs_u64 entry(void) {\n  return f(zs_now_ms() & 7);\n}\n",
			StageVerify, []string{"recursive.c:", ": verify: insn ", "recurs"}},
		{"noentry.c", "#include \"zeroserve.h\"\nzs_u64 entry(void) { return 0; }\n",
			StageLoad, []string{"noentry.c: load: ", "no entry"}},
		{"typo.c", "#include \"zeroserve.h\"\nZS_SECTION(\"zeroserve.reqest\") zs_u64 entry(void) { return 0; }\n",
			StageLoad, []string{"typo.c: load: section zeroserve.reqest: ", "unknown entry section"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := site(t, map[string]string{tt.name: tt.src})
			_, err := c.CompileDir(context.Background(), dir)
			t.Logf("%v", err)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if e.Stage != tt.stage {
				t.Errorf("stage %s, want %s: %v", e.Stage, tt.stage, err)
			}
			path := filepath.Join(dir, ScriptsDir, tt.name)
			if tt.stage == StageCompile {
				path = "compile " + path + ":\n" + path + ":" // clang's lines name it too
			}
			if !strings.HasPrefix(err.Error(), path) {
				t.Errorf("error does not start with %q: %v", path, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestCompileDirOrderAndDeterminism(t *testing.T) {
	c := needClang(t)
	files := map[string]string{
		"20-second.c": okScript,
		"10-first.c":  strings.ReplaceAll(okScript, "/health", "/ready"),
		"README.txt":  "not a script",
		"common.h":    "#define X 1\n",
	}
	a, b := site(t, files), site(t, files)
	sa, err := c.CompileDir(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	// The second site is compiled through a relative path, from another cwd.
	rel, err := filepath.Rel(filepath.Dir(a), b)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Dir(a))
	sb, err := c.CompileDir(context.Background(), rel)
	if err != nil {
		t.Fatal(err)
	}
	if len(sa) != 2 || sa[0].Name != "10-first.c" || sa[1].Name != "20-second.c" {
		t.Fatalf("scripts %v, want 10-first.c, 20-second.c", names(sa))
	}
	for i := range sa {
		if !bytes.Equal(sa[i].Object, sb[i].Object) {
			t.Errorf("%s: objects differ between two builds", sa[i].Name)
		}
		if sa[i].ArchivePath() != ".zeroserve/scripts/"+strings.TrimSuffix(sa[i].Name, ".c")+".o" {
			t.Errorf("ArchivePath() = %q", sa[i].ArchivePath())
		}
		p := sa[i].Program
		if _, ok := p.Entries[abi.SectionRequest]; !ok {
			t.Errorf("%s: no %s entry", sa[i].Name, abi.SectionRequest)
		}
		if len(p.Lines) == 0 {
			t.Errorf("%s: no line info", sa[i].Name)
		}
		if sa[i].Warnings != "" {
			t.Errorf("%s: warnings %q", sa[i].Name, sa[i].Warnings)
		}
	}
}

func TestWarningsKept(t *testing.T) {
	c := needClang(t)
	dir := site(t, map[string]string{"w.c": "#include \"zeroserve.h\"\nZS_ENTRY zs_u64 entry(void) { int unused; return 0; }\n"})
	s, err := c.CompileDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s[0].Warnings, "unused variable 'unused'") {
		t.Errorf("warnings %q", s[0].Warnings)
	}
}

func TestNoScripts(t *testing.T) {
	var c Compiler // must not look for clang when there is nothing to do
	for _, dir := range []string{t.TempDir(), site(t, map[string]string{"x.txt": ""})} {
		s, err := c.CompileDir(context.Background(), dir)
		if err != nil || len(s) != 0 {
			t.Errorf("CompileDir(%s) = %v, %v; want nothing", dir, s, err)
		}
	}
}

func TestCheckMalformedObject(t *testing.T) {
	_, err := Check("x.c", []byte("not an ELF file"))
	var e *Error
	if !errors.As(err, &e) || e.Stage != StageLoad || !strings.HasPrefix(err.Error(), "x.c: load: ") {
		t.Fatalf("err = %v", err)
	}
}

func names(ss []Script) []string {
	var n []string
	for _, s := range ss {
		n = append(n, s.Name)
	}
	return n
}

func TestCompileDirReportsEveryBrokenScript(t *testing.T) {
	c := needClang(t)
	dir := site(t, map[string]string{
		"10-ok.c":  okScript,
		"20-bad.c": "#include \"zeroserve.h\"\nZS_ENTRY zs_u64 entry(void) { return x; }\n",
		"30-bad.c": "#include \"zeroserve.h\"\nextern zs_s64 zs_gone(void);\nZS_ENTRY zs_u64 entry(void) { return (zs_u64)zs_gone(); }\n",
	})
	s, err := c.CompileDir(context.Background(), dir)
	if err == nil || s != nil {
		t.Fatalf("CompileDir = %v, %v; want an error", s, err)
	}
	for _, w := range []string{"20-bad.c:2:", "undeclared identifier 'x'", "30-bad.c:3: helper:", `"zs_gone"`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	if strings.Contains(err.Error(), "10-ok.c") {
		t.Errorf("error names the good script:\n%v", err)
	}
}
