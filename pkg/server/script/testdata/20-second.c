/* Chain test, second script: appends to metadata "order" (so it sees what
 * the first script set) and answers /json with {"path":...,"ok":true,...}. */
#include "zeroserve.h"

static char buf[256];

ZS_ENTRY
zs_u64 entry(void) {
  zs_s64 n = zs_meta_get(ZS_STR("order"), buf, sizeof buf);
  char *end = buf + (n > 0 && n < 200 ? n : 0);
  zs_strcpy(end, ",second");
  zs_meta_set(ZS_STR("order"), ZS_STR(buf));

  char path[64];
  n = zs_req_path(path, sizeof path);
  if (n != 5 || zs_strcmp(path, "/json") != 0)
    return 0;
  zs_s64 body = zs_json_new_object();
  zs_s64 v = zs_json_new_object();
  zs_json_set_string(v, path, (zs_u64)n);
  zs_json_set(body, ZS_STR("path"), v);
  zs_json_set_bool(v, 1);
  zs_json_set(body, ZS_STR("ok"), v);
  zs_json_set_string(v, ZS_STR(buf));
  zs_json_set(body, ZS_STR("order"), v);
  zs_json_respond(200, body);
  return 0;
}
