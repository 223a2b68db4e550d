package zspack

import (
	"context"
	"io"
	"os"

	"zeroserve.dev/zeroserve/internal/cli/zspack/build"
	"zeroserve.dev/zeroserve/internal/cli/zspack/verify"
	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/scriptc"
)

// Script compilation for build (clang, then the VM's loader and verifier)
// and the same load-and-verify check for verify.
func init() {
	build.DefaultCompiler = &scriptCompiler{warn: os.Stderr}
	verify.DefaultScriptCheck = checkScript
}

// scriptCompiler adapts scriptc to build.ScriptCompiler.
type scriptCompiler struct {
	c    scriptc.Compiler
	warn io.Writer // clang's warnings go here; they do not fail the build
}

func (sc *scriptCompiler) Compile(ctx context.Context, dir string, src []build.ScriptSource) ([]archive.Script, error) {
	names := make([]string, len(src))
	for i, s := range src {
		names[i] = s.Name + ".c"
	}
	compiled, err := sc.c.CompileFiles(ctx, dir, names)
	if err != nil {
		return nil, err
	}
	out := make([]archive.Script, len(compiled))
	for i, s := range compiled {
		if s.Warnings != "" {
			io.WriteString(sc.warn, s.Warnings)
		}
		out[i] = archive.Script{Name: src[i].Name, Object: s.Object}
	}
	return out, nil
}

func checkScript(s archive.Script) error {
	_, err := scriptc.Check(scriptc.ScriptsDir+"/"+s.Name+".o", s.Object)
	return err
}
