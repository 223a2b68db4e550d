/* Chain test, third script: runs only when no earlier script answered. */
#include "zeroserve.h"

ZS_ENTRY
zs_u64 entry(void) {
  zs_meta_set(ZS_STR("third"), ZS_STR("ran"));
  return 0;
}
