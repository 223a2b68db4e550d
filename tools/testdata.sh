#!/usr/bin/env bash
# Rebuilds every clang object under testdata/ directories from its .c file: when the
# object is missing or older than the .c file or a header next to it.
set -euo pipefail
CLANG=${ZSPACK_CLANG:-clang-19}
# Tracked and new (not ignored) files, so a fresh test program builds before its first commit.
for c in $(git ls-files --cached --others --exclude-standard '*testdata*/*.c' | grep -v '/\.zeroserve/' | sort -u); do
  o=${c%.c}.o
  stale=0
  if [ ! -f "$o" ] || [ "$c" -nt "$o" ]; then stale=1; fi
  for h in "$(dirname "$c")"/*.h; do
    if [ -f "$h" ] && [ "$h" -nt "$o" ]; then stale=1; fi
  done
  if [ "$stale" = 1 ]; then
    echo "testdata: $c"
    # -fdebug-prefix-map keeps the checkout path out of the object (reproducible
    # builds; BTF line info names files relative to the repository root).
    $CLANG -target bpf -mcpu=v4 -O2 -g -fdebug-prefix-map="$PWD"=. -I sdk/include -c "$c" -o "$o"
  fi
done
