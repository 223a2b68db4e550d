package scriptc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
)

// ClangEnv is the environment variable that names the clang to use.
const ClangEnv = "ZSPACK_CLANG"

// MinClangMajor is the oldest clang whose BPF back end has -mcpu=v4.
const MinClangMajor = 18

// ClangPackage is the Debian package to suggest when no clang is found.
const ClangPackage = "clang-19"

// ErrNoClang: no clang was found, or the one found is too old.
var ErrNoClang = errors.New("no usable clang")

// Env is what FindClang looks at; tests inject it.
type Env struct {
	Getenv   func(string) string
	LookPath func(string) (string, error)
	// Version runs clang --version; nil runs the binary.
	Version func(ctx context.Context, clang string) (string, error)
}

// SystemEnv is the process environment.
func SystemEnv() Env { return Env{Getenv: os.Getenv, LookPath: exec.LookPath, Version: clangVersion} }

// FindClang returns the clang to compile scripts with: $ZSPACK_CLANG when
// set, else the newest clang-NN on PATH (NN from 30 down to MinClangMajor),
// else plain clang. The chosen binary must be at least MinClangMajor.
func FindClang(ctx context.Context, env Env) (string, error) {
	if env.Version == nil {
		env.Version = clangVersion
	}
	if c := env.Getenv(ClangEnv); c != "" {
		p, err := env.LookPath(c)
		if err != nil {
			return "", fmt.Errorf("%w: %s=%s: %v", ErrNoClang, ClangEnv, c, err)
		}
		return p, checkVersion(ctx, env, p)
	}
	for v := 30; v >= MinClangMajor; v-- {
		if p, err := env.LookPath("clang-" + strconv.Itoa(v)); err == nil {
			return p, checkVersion(ctx, env, p)
		}
	}
	if p, err := env.LookPath("clang"); err == nil {
		return p, checkVersion(ctx, env, p)
	}
	return "", fmt.Errorf("%w on PATH: install the Debian package %s (apt-get install %s) or set %s", ErrNoClang, ClangPackage, ClangPackage, ClangEnv)
}

var versionRE = regexp.MustCompile(`clang version (\d+)\.`)

func checkVersion(ctx context.Context, env Env, clang string) error {
	out, err := env.Version(ctx, clang)
	if err != nil {
		return fmt.Errorf("%w: %s --version: %v", ErrNoClang, clang, err)
	}
	m := versionRE.FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("%w: %s is not clang (no \"clang version\" in --version)", ErrNoClang, clang)
	}
	if v, _ := strconv.Atoi(m[1]); v < MinClangMajor {
		return fmt.Errorf("%w: %s is clang %d, scripts need clang %d or newer for -mcpu=v4: install the Debian package %s or set %s", ErrNoClang, clang, v, MinClangMajor, ClangPackage, ClangEnv)
	}
	return nil
}

func clangVersion(ctx context.Context, clang string) (string, error) {
	out, err := exec.CommandContext(ctx, clang, "--version").Output()
	return string(out), err
}
