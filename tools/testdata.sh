#!/usr/bin/env bash
# Rebuilds every committed clang object under testdata/ directories from the .c file beside it,
# when the object is older than the .c file or a header next to it. A new object is picked up
# once it is added to git (git add). A file that fails to build is reported at the end.
set -uo pipefail
CLANG=${ZSPACK_CLANG:-clang-19}
failed=()
for o in $(git ls-files '*testdata*/*.o' | grep -v '/\.zeroserve/'); do
  c=${o%.o}.c
  [ -f "$c" ] || continue
  stale=0
  if [ "$c" -nt "$o" ]; then stale=1; fi
  for h in "$(dirname "$c")"/*.h; do
    if [ -f "$h" ] && [ "$h" -nt "$o" ]; then stale=1; fi
  done
  if [ "$stale" = 1 ]; then
    echo "testdata: $c"
    # -fdebug-prefix-map keeps the checkout path out of the object (reproducible
    # builds; BTF line info names files relative to the repository root).
    $CLANG -target bpf -mcpu=v4 -O2 -g -fdebug-prefix-map="$PWD"=. -I sdk/include -c "$c" -o "$o" ||
      failed+=("$c")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "testdata: failed to build: ${failed[*]}" >&2
  exit 1
fi
