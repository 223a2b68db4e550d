package zspack

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

	"zeroserve.dev/zeroserve/internal/cli/zspack/build"
	"zeroserve.dev/zeroserve/internal/cli/zspack/verify"
	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/scriptc"
)

func TestScriptCompilerRegistered(t *testing.T) {
	if build.DefaultCompiler == nil || verify.DefaultScriptCheck == nil {
		t.Fatal("scriptc is not wired into build and verify")
	}
	err := verify.DefaultScriptCheck(archive.Script{Name: "10-x", Object: []byte("junk")})
	var se *scriptc.Error
	if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), ".zeroserve/scripts/10-x.o: load: ") {
		t.Fatalf("check of junk = %v", err)
	}
}

// TestBuildExampleWithScripts packs examples/api through build's seam and
// checks the stored objects as verify does.
func TestBuildExampleWithScripts(t *testing.T) {
	if _, err := exec.LookPath("clang-19"); err != nil {
		testutil.Missing(t, "clang-19 not installed (Debian package clang-19)")
	}
	var buf bytes.Buffer
	var warn bytes.Buffer
	sc := &scriptCompiler{warn: &warn}
	if _, err := build.Pack(context.Background(), "../../../examples/api", &buf, build.PackOptions{Scripts: sc}); err != nil {
		t.Fatal(err)
	}
	r, err := archive.OpenBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var names []string
	for _, s := range r.Scripts() {
		names = append(names, s.Name)
		if err := checkScript(s); err != nil {
			t.Errorf("stored %s does not verify: %v", s.Name, err)
		}
	}
	if strings.Join(names, ",") != "10-health,20-api" {
		t.Errorf("scripts %v, want 10-health, 20-api", names)
	}
	if warn.Len() != 0 {
		t.Errorf("warnings: %s", warn.String())
	}

	// A broken script fails the build with clang's message naming it.
	dir := t.TempDir()
	sd := filepath.Join(dir, ".zeroserve", "scripts")
	if err := os.MkdirAll(sd, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sd, "10-bad.c"), []byte("ZS_ENTRY zs_u64 entry(void) { return 0; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = build.Pack(context.Background(), dir, &bytes.Buffer{}, build.PackOptions{Scripts: sc})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(sd, "10-bad.c")+":1:") {
		t.Fatalf("build of a broken script: %v", err)
	}
}
