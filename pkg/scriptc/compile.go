package scriptc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"zeroserve.dev/zeroserve/pkg/abi"
	"zeroserve.dev/zeroserve/pkg/vm"
	"zeroserve.dev/zeroserve/pkg/vm/loader"
	"zeroserve.dev/zeroserve/pkg/vm/verifier"
	"zeroserve.dev/zeroserve/sdk"
)

// ScriptsDir is where a site keeps its scripts, relative to the site root;
// compiled objects go to the same directory inside the archive.
const ScriptsDir = ".zeroserve/scripts"

// Compiler compiles request scripts. The zero value finds clang on first use.
type Compiler struct {
	// Clang is the clang binary; "" means FindClang with Env.
	Clang string
	// Env is used to find clang; the zero value means SystemEnv.
	Env Env

	once     sync.Once
	clangErr error
}

// Script is one compiled and verified script.
type Script struct {
	Name     string      // source file name, e.g. "10-auth.c"
	Path     string      // source path as found: DIR/.zeroserve/scripts/10-auth.c
	Object   []byte      // the clang object to store in the archive
	Program  *vm.Program // Object linked by the loader, verified
	Warnings string      // clang's warnings, as it printed them; "" when none
}

// ObjectName is the object's file name: the source name with .o for .c.
func (s *Script) ObjectName() string { return strings.TrimSuffix(s.Name, ".c") + ".o" }

// ArchivePath is where the object lives in the archive:
// .zeroserve/scripts/<name>.o.
func (s *Script) ArchivePath() string { return ScriptsDir + "/" + s.ObjectName() }

// Sources returns the names of the scripts of site dir, *.c in
// DIR/.zeroserve/scripts, sorted: the order the server runs them in. A
// site without the directory has no scripts.
func Sources(dir string) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(dir, ScriptsDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list scripts: %w", err)
	}
	var names []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".c") && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// CompileDir compiles and verifies every script of site dir, in name order.
// When scripts fail it still tries the others and returns all their *Error
// values joined (errors.Join), so one build shows every broken script; a
// missing clang or a cancelled ctx stops it at once.
func (c *Compiler) CompileDir(ctx context.Context, dir string) ([]Script, error) {
	names, err := Sources(dir)
	if err != nil || len(names) == 0 {
		return nil, err
	}
	return c.CompileFiles(ctx, dir, names)
}

// CompileFiles is CompileDir for the given script file names (as from
// Sources), in the order given.
func (c *Compiler) CompileFiles(ctx context.Context, dir string, names []string) ([]Script, error) {
	scripts := make([]Script, 0, len(names))
	var errs []error
	for _, n := range names {
		s, err := c.CompileFile(ctx, dir, n)
		var se *Error
		switch {
		case err == nil:
			scripts = append(scripts, s)
		case errors.As(err, &se):
			errs = append(errs, err)
		default:
			return nil, err
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return scripts, nil
}

// CompileFile compiles and verifies script name of site dir.
func (c *Compiler) CompileFile(ctx context.Context, dir, name string) (Script, error) {
	s := Script{Name: name, Path: filepath.Join(dir, ScriptsDir, name)}
	if err := c.findClang(ctx); err != nil {
		return s, err
	}
	tmp, err := os.MkdirTemp("", "zspack-scriptc-")
	if err != nil {
		return s, fmt.Errorf("compile %s: %w", s.Path, err)
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, sdk.HeaderName), sdk.Header(), 0o644); err != nil {
		return s, fmt.Errorf("compile %s: write SDK header: %w", s.Path, err)
	}
	obj := filepath.Join(tmp, "out.o")
	var stderr bytes.Buffer
	// clang runs in the site directory on the relative source path, so the
	// object does not depend on where the site is; its messages are given
	// the site path back.
	cmd := exec.CommandContext(ctx, c.Clang, c.Args(tmp, ScriptsDir+"/"+name, obj)...)
	cmd.Dir = dir
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return s, ctx.Err()
		}
		return s, &Error{Script: s.Path, Stage: StageCompile, Detail: compileDetail(sitePaths(stderr.String(), dir), err)}
	}
	s.Warnings = sitePaths(stderr.String(), dir)
	if s.Object, err = os.ReadFile(obj); err != nil {
		return s, fmt.Errorf("compile %s: %w", s.Path, err)
	}
	s.Program, err = Check(s.Path, s.Object)
	return s, err
}

func compileDetail(stderr string, err error) string {
	if stderr == "" {
		return err.Error()
	}
	if strings.Contains(stderr, "BPF stack limit is exceeded") {
		stderr += fmt.Sprintf("hint: each function of a script has %d bytes of stack; use smaller buffers or global (static) arrays\n", vm.FrameSize)
	}
	return stderr
}

var scriptPathRE = regexp.MustCompile(`(?m)(^|from )` + regexp.QuoteMeta(ScriptsDir+"/"))

// sitePaths prefixes the script paths in clang's messages with the site
// directory, so they name the files as the user does.
func sitePaths(msg, dir string) string {
	if dir == "" || dir == "." {
		return msg
	}
	repl := "${1}" + strings.ReplaceAll(filepath.ToSlash(dir), "$", "$$") + "/" + ScriptsDir + "/"
	return scriptPathRE.ReplaceAllString(msg, repl)
}

// Args returns clang's command line for compiling src, a path relative to
// the site directory (clang's working directory), to out, with the SDK
// header in includeDir.
func (c *Compiler) Args(includeDir, src, out string) []string {
	return []string{
		// An eBPF object (ELF, EM_BPF) for the VM, not for the host.
		"-target", "bpf",
		// ISA v4 (sdiv/smod, movsx, sign-extending loads, bswap, gotol):
		// the VM implements it, and without it C that divides signed numbers
		// does not compile.
		"-mcpu=v4",
		// Optimise: the budget counts instructions, and -O0 BPF code spills
		// every value through the stack.
		"-O2",
		// Debug info: clang emits BTF with line info, which the loader reads
		// so that verifier rejections and traps name the C source line.
		"-g",
		// Warnings are printed with the build summary; they do not fail it.
		"-Wall",
		// There is no libc: keep clang from turning loops into memset/memcpy
		// calls (they would be unknown helpers) or assuming libc semantics.
		"-fno-builtin",
		// No system headers: host libc headers do not work for BPF. Clang's
		// own freestanding headers (stdint.h, stddef.h, stdbool.h) still do.
		"-nostdlibinc",
		// The embedded SDK header, so scripts need only #include "zeroserve.h".
		"-I", includeDir,
		// Determinism: with src relative to the site, the same sources give
		// the same bytes wherever the site and the temporary include
		// directory are. Debug info names .zeroserve/scripts/<name>.c and
		// zeroserve-sdk/zeroserve.h.
		"-fdebug-compilation-dir=.",
		"-ffile-prefix-map=" + includeDir + "=zeroserve-sdk",
		// Stack per function, the VM's frame size (clang checks it).
		"-mllvm", "-bpf-stack-size=" + strconv.Itoa(vm.FrameSize),
		"-c", src, "-o", out,
	}
}

func (c *Compiler) findClang(ctx context.Context) error {
	c.once.Do(func() {
		if c.Clang != "" {
			return
		}
		env := c.Env
		if env.Getenv == nil || env.LookPath == nil {
			env = SystemEnv()
		}
		c.Clang, c.clangErr = FindClang(ctx, env)
	})
	return c.clangErr
}

// Check links obj with the VM's loader against the helper table of package
// abi, checks its entry sections and runs the verifier. script names the
// source in errors.
func Check(script string, obj []byte) (*vm.Program, error) {
	p, err := loader.Load(obj, loader.Options{Helpers: abi.Known})
	if err != nil {
		return nil, loadError(script, err)
	}
	if err := checkEntries(script, p); err != nil {
		return nil, err
	}
	if err := verifier.Verify(p); err != nil {
		e := &Error{Script: script, Stage: StageVerify, Detail: err.Error(), Err: err}
		var ve *verifier.Error
		if errors.As(err, &ve) {
			e.PC, e.Line, e.Detail = ve.PC, ve.Line, ve.Reason
		}
		return nil, e
	}
	return p, nil
}

func loadError(script string, err error) *Error {
	e := &Error{Script: script, Stage: StageLoad, Detail: err.Error(), Err: err, PC: -1}
	var le *loader.Error
	if errors.As(err, &le) {
		e.Section, e.PC, e.Line, e.Detail = le.Section, le.Insn, le.Line, le.Reason
	}
	if errors.Is(err, loader.ErrUnknownHelper) {
		e.Stage = StageHelper
	}
	return e
}

func checkEntries(script string, p *vm.Program) error {
	if len(p.Entries) == 0 {
		return &Error{Script: script, Stage: StageLoad, PC: -1,
			Detail: "no entry point: mark the request function with ZS_ENTRY (or define a ZS_CALL_ENTRY)"}
	}
	secs := make([]string, 0, len(p.Entries))
	for s := range p.Entries {
		secs = append(secs, s)
	}
	slices.Sort(secs)
	for _, s := range secs {
		if !abi.IsEntrySection(s) {
			return &Error{Script: script, Stage: StageLoad, PC: -1, Section: s,
				Detail: fmt.Sprintf("unknown entry section %q: use ZS_ENTRY (%s) or ZS_CALL_ENTRY (%s<name>)", s, abi.SectionRequest, abi.SectionCallPrefix)}
		}
	}
	return nil
}
