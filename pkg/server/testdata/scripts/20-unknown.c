/* Calls a helper the runtime does not have: rejected at load, by name. */
#include "zeroserve.h"

extern zs_s64 zs_no_such_helper(zs_u64 x);

ZS_ENTRY
zs_u64 entry(void) {
  return (zs_u64)zs_no_such_helper(1);
}
