package main

import (
	"bytes"
	"debug/elf"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"zeroserve.dev/zeroserve/internal/testutil"

	"zeroserve.dev/zeroserve/pkg/abi"
)

var update = flag.Bool("update", false, "rewrite the committed generated files")

const (
	headerPath = "../../sdk/include/zeroserve.h"
	docPath    = "../../docs/helpers.md"
)

// TestGeneratedFilesUpToDate fails when pkg/abi changed without
// `go generate ./pkg/abi` (or -update here).
func TestGeneratedFilesUpToDate(t *testing.T) {
	for _, f := range []struct {
		path   string
		render func() ([]byte, error)
	}{{headerPath, Header}, {docPath, Doc}} {
		t.Run(filepath.Base(f.path), func(t *testing.T) {
			want, err := f.render()
			if err != nil {
				t.Fatal(err)
			}
			if *update {
				if err := os.WriteFile(f.path, want, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			got, err := os.ReadFile(f.path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is stale: run `go generate ./pkg/abi`", f.path)
			}
		})
	}
}

// TestHeaderDeclaresEveryHelper checks the rendered header against the table.
func TestHeaderDeclaresEveryHelper(t *testing.T) {
	h, err := Header()
	if err != nil {
		t.Fatal(err)
	}
	d, err := Doc()
	if err != nil {
		t.Fatal(err)
	}
	for _, hp := range abi.Helpers() {
		if !bytes.Contains(h, []byte("extern "+hp.Prototype()+";\n")) {
			t.Errorf("header lacks extern %s", hp.Prototype())
		}
		if !bytes.Contains(d, []byte("### `"+hp.Name+"`")) {
			t.Errorf("doc lacks %s", hp.Name)
		}
	}
	for _, c := range abi.Constants() {
		if !bytes.Contains(h, []byte("#define "+c.Name+" ")) {
			t.Errorf("header lacks %s", c.Name)
		}
	}
	if m := regexp.MustCompile(`(?m)^\s*#\s*include.*`).Find(h); m != nil {
		t.Errorf("header has %q; it must be self-contained", m)
	}
}

func TestComment(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Short.", "/* Short. */"},
		{"a */ b", "/* a * / b */"},
		{strings.Repeat("word ", 20), "/* " + strings.TrimSpace(strings.Repeat("word ", 15)) + "\n * " + strings.TrimSpace(strings.Repeat("word ", 5)) + " */"},
	}
	for _, tt := range tests {
		if got := comment(tt.in); got != tt.want {
			t.Errorf("comment(%q) =\n%s\nwant\n%s", tt.in, got, tt.want)
		}
		for _, l := range strings.Split(comment(tt.in), "\n") {
			if len(l) > 80 {
				t.Errorf("line over 80 columns: %q", l)
			}
		}
	}
}

func clang19(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("clang-19")
	if err != nil {
		testutil.Missing(t, "clang-19 not installed (Debian package clang-19)")
	}
	return p
}

// TestHeaderCompilesForBPF compiles the header and a script using its macros
// with the flags zspack uses plus -Wextra -Werror, and checks the sections.
func TestHeaderCompilesForBPF(t *testing.T) {
	clang := clang19(t)
	dir := t.TempDir()
	obj := filepath.Join(dir, "entries.o")
	args := []string{"-target", "bpf", "-mcpu=v4", "-O2", "-g", "-Wall", "-Wextra", "-Werror",
		"-fno-builtin", "-I", "../../sdk/include"}
	for _, c := range [][]string{
		{"-fsyntax-only", "-x", "c", headerPath},
		{"-std=c99", "-fsyntax-only", "-x", "c", headerPath},
		{"-c", "testdata/bpf_entries.c", "-o", obj},
	} {
		out, err := exec.Command(clang, append(slices.Clone(args), c...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("clang %v: %v\n%s", c, err, out)
		}
	}
	f, err := elf.Open(obj)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, want := range []string{abi.SectionRequest, abi.CallSection("echo")} {
		if f.Section(want) == nil {
			t.Errorf("object has no section %q", want)
		}
	}
}

// TestInlineHelpersOnHost runs the header's inline string helpers natively.
func TestInlineHelpersOnHost(t *testing.T) {
	clang := clang19(t)
	exe := filepath.Join(t.TempDir(), "inline")
	out, err := exec.Command(clang, "-O1", "-Wall", "-Wextra", "-Werror", "-I", "../../sdk/include",
		"testdata/inline_test.c", "-o", exe).CombinedOutput()
	if err != nil {
		t.Fatalf("compile: %v\n%s", err, out)
	}
	out, err = exec.Command(exe).CombinedOutput()
	if err != nil || string(out) != "ok\n" {
		t.Fatalf("inline helpers: %v\n%s", err, out)
	}
}
