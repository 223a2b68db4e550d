package vm_test

import (
	"os"
	"path/filepath"
	"testing"

	"zeroserve.dev/zeroserve/pkg/vm/interp"
	"zeroserve.dev/zeroserve/pkg/vm/vmtest"
)

// TestConformance runs every bpf_conformance vector on the interpreter.
func TestConformance(t *testing.T) {
	files, err := filepath.Glob("testdata/conformance/*.data")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 313 {
		t.Fatalf("found %d conformance files, want 313", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			c, err := vmtest.ParseCase(filepath.Base(f), data)
			if err != nil {
				t.Fatal(err)
			}
			if err := vmtest.Run(interp.Engine{}, c); err != nil {
				t.Error(err)
			}
		})
	}
}
