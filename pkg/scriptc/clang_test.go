package scriptc

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func fakeEnv(env map[string]string, path map[string]string) Env {
	return Env{
		Getenv: func(k string) string { return env[k] },
		LookPath: func(n string) (string, error) {
			if _, ok := path[n]; ok {
				return "/usr/bin/" + n, nil
			}
			return "", exec.ErrNotFound
		},
		Version: func(_ context.Context, clang string) (string, error) {
			for n, v := range path {
				if strings.HasSuffix(clang, "/"+n) {
					return v, nil
				}
			}
			return "", errors.New("no such binary")
		},
	}
}

func TestFindClang(t *testing.T) {
	const v19 = "Debian clang version 19.1.7 (3~deb12u1)\nTarget: x86_64-pc-linux-gnu\n"
	const v14 = "Debian clang version 14.0.6\n"
	tests := []struct {
		name    string
		env     map[string]string
		path    map[string]string
		want    string
		wantErr string
	}{
		{"newest versioned", nil, map[string]string{"clang-18": "clang version 18.1.0", "clang-19": v19, "clang": v14}, "/usr/bin/clang-19", ""},
		{"plain clang", nil, map[string]string{"clang": v19}, "/usr/bin/clang", ""},
		{"env wins", map[string]string{ClangEnv: "clang-18"}, map[string]string{"clang-18": "clang version 18.1.8", "clang-19": v19}, "/usr/bin/clang-18", ""},
		{"env missing", map[string]string{ClangEnv: "clang-77"}, map[string]string{"clang-19": v19}, "", "ZSPACK_CLANG=clang-77"},
		{"none", nil, nil, "", "no usable clang on PATH: install the Debian package clang-19 (apt-get install clang-19) or set ZSPACK_CLANG"},
		{"too old", nil, map[string]string{"clang": v14}, "", "is clang 14, scripts need clang 18 or newer"},
		{"not clang", map[string]string{ClangEnv: "gcc"}, map[string]string{"gcc": "gcc (Debian 12.2.0-14) 12.2.0"}, "", "is not clang"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FindClang(context.Background(), fakeEnv(tt.env, tt.path))
			if tt.wantErr != "" {
				if err == nil || !errors.Is(err, ErrNoClang) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want ErrNoClang containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error is not one line: %q", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("FindClang = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestCompileWithoutClang(t *testing.T) {
	dir := site(t, map[string]string{"a.c": okScript})
	c := &Compiler{Env: fakeEnv(nil, nil)}
	_, err := c.CompileDir(context.Background(), dir)
	if !errors.Is(err, ErrNoClang) {
		t.Fatalf("err = %v, want ErrNoClang", err)
	}
}

// docs/scripts.md shows the clang command line; it must stay Args.
func TestDocumentedCommandLine(t *testing.T) {
	doc, err := os.ReadFile("../../docs/scripts.md")
	if err != nil {
		t.Fatal(err)
	}
	var c Compiler
	args := c.Args("<embedded SDK>", ".zeroserve/scripts/NAME.c", "NAME.o")
	want := "clang " + strings.Join(args[:len(args)-2], " ") // without -o NAME.o
	got := string(doc)
	got = strings.ReplaceAll(got, "\\\n", "")
	got = strings.Join(strings.Fields(got), " ")
	if !strings.Contains(got, want) {
		t.Errorf("docs/scripts.md does not show the command line\n%s", want)
	}
}
