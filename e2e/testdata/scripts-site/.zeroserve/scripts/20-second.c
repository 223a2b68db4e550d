/* Second: appends to "order" (so it sees what the first script set),
 * exposes it as a header, and answers /order with it. */
#include "zeroserve.h"

static char order[128];
static char path[256];

ZS_ENTRY
zs_u64 entry(void) {
  zs_s64 n = zs_meta_get(ZS_STR("order"), order, sizeof order - 8);
  if (n < 0 || n >= (zs_s64)sizeof order - 8)
    n = 0;
  zs_strcpy(order + n, ",second");
  zs_meta_set(ZS_STR("order"), ZS_STR(order));
  zs_meta_set(ZS_STR("zs.response.header.x-order"), ZS_STR(order));
  zs_s64 p = zs_req_path(path, sizeof path);
  if (p > 0 && p < (zs_s64)sizeof path && zs_strcmp(path, "/order") == 0)
    zs_respond(200, ZS_STR(order));
  return 0;
}
