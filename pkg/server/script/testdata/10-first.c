/* Chain test, first script: records itself in metadata "order", sets a
 * response header, rewrites /old to /new and answers /early itself. */
#include "zeroserve.h"

ZS_ENTRY
zs_u64 entry(void) {
  char path[64];
  zs_meta_set(ZS_STR("order"), ZS_STR("first"));
  zs_meta_set(ZS_STR("zs.response.header.x-chain"), ZS_STR("yes"));
  zs_s64 n = zs_req_path(path, sizeof path);
  if (n == 4 && zs_strcmp(path, "/old") == 0)
    zs_req_set_uri(ZS_STR("/new?from=old"));
  if (n == 6 && zs_strcmp(path, "/early") == 0)
    zs_respond(202, ZS_STR("early\n"));
  return 0;
}
