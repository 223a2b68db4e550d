/* A slow script for the connection lifecycle tests: /slow counts for a
 * while (yielding every slice) and then answers 200. */
#include "zeroserve.h"

static char path[256];
static volatile zs_u64 counter;

ZS_ENTRY
zs_u64 entry(void) {
  zs_s64 n = zs_req_path(path, sizeof path);
  if (n < 0 || n >= (zs_s64)sizeof path)
    return 0;
  if (zs_strcmp(path, "/slow") == 0) {
    for (int i = 0; i < 20000; i++)
      counter++;
    zs_respond(200, ZS_STR("slow done\n"));
  }
  return 0;
}
