#!/usr/bin/env bash
# Runs every Fuzz* target in the module for the given time each (default
# 20s), goes on after a failure, and lists the failures at the end.
#
# A real finding is a crasher the fuzzer writes to the package's
# testdata/fuzz/FuzzX/ (commit it with the fix). A failure that writes
# none is Go's own coordinator race at the -fuzztime deadline ("context
# deadline exceeded", golang/go#75804, fixed in Go 1.27): it is reported as
# a flake and does not fail the run.
set -uo pipefail
t=${1:-20s}
failed=()
flaked=()
count() { find "$1" -type f 2>/dev/null | wc -l; }
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/func //'); do
    echo "== $pkg $f"
    before=$(count "$dir/testdata/fuzz/$f")
    if ! go test -run='^$' -fuzz="^$f\$" -fuzztime="$t" -fuzzminimizetime=200x "$pkg"; then
      if [ "$(count "$dir/testdata/fuzz/$f")" -gt "$before" ]; then
        failed+=("$pkg $f")
      else
        flaked+=("$pkg $f")
      fi
    fi
  done
done
[ ${#flaked[@]} -eq 0 ] || printf 'fuzz: no crasher written (Go coordinator race, golang/go#75804): %s\n' "${flaked[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  printf 'fuzz: crasher found: %s\n' "${failed[@]}"
  exit 1
fi
echo "fuzz: no crasher found"
