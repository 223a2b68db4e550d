/* A runaway script: loops until the budget ends it. */
#include "zeroserve.h"

static volatile zs_u64 counter;

ZS_ENTRY
zs_u64 entry(void) {
  for (;;)
    counter++;
  return 0;
}
