package scriptc

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"zeroserve.dev/zeroserve/pkg/abi"
)

// TestExamples compiles and verifies the scripts of every site under
// examples/, one subtest per script.
func TestExamples(t *testing.T) {
	c := needClang(t)
	sites, err := filepath.Glob("../../examples/*")
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, dir := range sites {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		names, err := Sources(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			total++
			t.Run(filepath.Base(dir)+"/"+n, func(t *testing.T) {
				s, err := c.CompileFile(context.Background(), dir, n)
				if err != nil {
					t.Fatal(err)
				}
				if s.Warnings != "" {
					t.Errorf("warnings:\n%s", s.Warnings)
				}
				if _, ok := s.Program.Entries[abi.SectionRequest]; !ok {
					t.Errorf("no %s entry", abi.SectionRequest)
				}
			})
		}
	}
	if total < 5 {
		t.Errorf("found %d example scripts, want at least 5", total)
	}
}
