#!/usr/bin/env bash
# Repository rules go vet does not know: unsafe only in *_unsafe.go files.
set -euo pipefail
bad=$(git ls-files '*.go' | grep -v '_unsafe\.go$\|_unsafe_test\.go$' | xargs grep -l '^import "unsafe"\|^\s*"unsafe"$' || true)
if [ -n "$bad" ]; then
  echo "lint: unsafe imported outside *_unsafe.go:"; echo "$bad"; exit 1
fi
# golang.org/x/sys/unix only where the kernel is talked to directly (RATIONALE.md).
bad=$(git ls-files '*.go' | grep -v '^internal/sys/\|^pkg/server/uring/\|^pkg/server/loop/' | xargs grep -l '"golang.org/x/sys/unix"' || true)
if [ -n "$bad" ]; then
  echo "lint: golang.org/x/sys/unix imported outside internal/sys, pkg/server/uring, pkg/server/loop:"; echo "$bad"; exit 1
fi
