/* The load test's script: answers {"path":"<path>","ok":true} for every
 * request, built from the request path. */
#include "zeroserve.h"

static char path[1024];

ZS_ENTRY
zs_u64 entry(void) {
  zs_s64 n = zs_req_path(path, sizeof path);
  if (n < 0 || n >= (zs_s64)sizeof path)
    return 0;
  zs_s64 body = zs_json_new_object();
  zs_s64 v = zs_json_new_object();
  zs_json_set_string(v, path, (zs_u64)n);
  zs_json_set(body, ZS_STR("path"), v);
  zs_json_set_bool(v, 1);
  zs_json_set(body, ZS_STR("ok"), v);
  zs_json_respond(200, body);
  return 0;
}
