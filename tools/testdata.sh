#!/usr/bin/env bash
# Rebuilds every committed clang object under testdata/ directories from its .c file.
set -euo pipefail
CLANG=${ZSPACK_CLANG:-clang-19}
for c in $(git ls-files '*testdata*/*.c' | grep -v '/\.zeroserve/'); do
  o=${c%.c}.o
  if [ ! -f "$o" ] || [ "$c" -nt "$o" ]; then
    echo "testdata: $c"
    $CLANG -target bpf -mcpu=v4 -O2 -g -I sdk/include -c "$c" -o "$o"
  fi
done
