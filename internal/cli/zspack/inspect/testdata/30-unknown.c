/* Calls a helper the host does not have: it compiles, the loader rejects it.
 * Compiled into 30-unknown.o by `go generate ./internal/cli/zspack/inspect`. */
#include "zeroserve.h"

extern zs_s64 zs_nope(zs_u64 x);

ZS_ENTRY
zs_u64 entry(void) {
  zs_nope(1);
  return 0;
}
