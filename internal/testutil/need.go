// Package testutil holds what tests across the repository share: the rule for
// tests that need a tool or a kernel feature the machine may lack.
package testutil

import (
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// CI reports whether the tests run under CI (CI set and not "false"), where
// .ci/run has installed everything the tests need.
func CI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

// Missing ends t because something it needs is missing: a skip on a
// developer's machine, a failure under CI, where a skip would hide a check
// that no longer runs. why names what is missing and how to install it.
func Missing(t testing.TB, why string) {
	t.Helper()
	if CI() {
		t.Fatalf("%s (CI must provide it: see tools/deps.sh)", why)
	}
	t.Skip(why)
}

// Tool returns the path of the command name, looked up on PATH and then in
// $GOPATH/bin (where `go install` puts tools such as h2spec). When it is
// missing the test ends through Missing, with install as the hint.
func Tool(t testing.TB, name, install string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	p := filepath.Join(build.Default.GOPATH, "bin", name)
	if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
		return p
	}
	Missing(t, name+" not installed ("+install+")")
	return ""
}
