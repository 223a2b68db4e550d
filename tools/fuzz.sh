#!/usr/bin/env bash
# Runs every Fuzz* target in the module for the given time each (default
# 20s), goes on after a failure, and lists the failures at the end. A real
# crasher is written to the package's testdata/fuzz/FuzzX/ (commit it with
# the fix); a failure without one is the fuzzer's own trouble, such as
# "context deadline exceeded" on a loaded machine, and is worth a rerun.
set -uo pipefail
t=${1:-20s}
failed=()
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/func //'); do
    echo "== $pkg $f"
    if ! go test -run='^$' -fuzz="^$f\$" -fuzztime="$t" -fuzzminimizetime=200x "$pkg"; then
      failed+=("$pkg $f")
    fi
  done
done
if [ ${#failed[@]} -gt 0 ]; then
  printf 'fuzz: failed: %s\n' "${failed[@]}"
  exit 1
fi
echo "fuzz: every target passed"
