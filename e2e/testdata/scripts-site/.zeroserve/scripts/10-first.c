/* First in the chain: starts the "order" metadata, sets a header on every
 * response, and owns the paths that end the chain early or misbehave. */
#include "zeroserve.h"

static char path[256];
static volatile zs_u64 counter;

ZS_ENTRY
zs_u64 entry(void) {
  zs_meta_set(ZS_STR("order"), ZS_STR("first"));
  zs_meta_set(ZS_STR("zs.response.header.x-first"), ZS_STR("1"));
  zs_meta_set(ZS_STR("name"), ZS_STR("<Ada & \"Bob\">"));
  zs_s64 n = zs_req_path(path, sizeof path);
  if (n <= 0 || n >= (zs_s64)sizeof path)
    return 0;
  if (zs_strcmp(path, "/early") == 0) {
    zs_respond(202, ZS_STR("early\n"));
  } else if (zs_strcmp(path, "/loop") == 0) {
    for (;;)
      counter++;
  } else if (zs_strcmp(path, "/fault") == 0) {
    *(volatile char *)0 = 1;
  } else if (zs_strcmp(path, "/abort") == 0) {
    zs_abort();
  } else if (zs_strcmp(path, "/old") == 0) {
    zs_req_set_uri(ZS_STR("/hello.txt"));
  }
  return 0;
}
