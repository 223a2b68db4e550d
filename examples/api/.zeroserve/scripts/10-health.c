/* Health check: GET /healthz answers {"status":"ok","time_ms":<now>}.
 * Every other request falls through to the next script. */
#include "zeroserve.h"

ZS_ENTRY
zs_u64 entry(void) {
  char path[16];
  /* The return value is the full length, so a longer path cannot match by
   * being truncated into the buffer. */
  if (zs_req_path(path, sizeof path) != 8 || zs_strcmp(path, "/healthz") != 0)
    return 0;

  zs_s64 body = zs_json_new_object();
  zs_s64 v = zs_json_new_object();
  if (body < 0 || v < 0) {
    zs_respond(500, ZS_STR("out of JSON handles\n"));
    return 0;
  }
  zs_json_set_string(v, ZS_STR("ok"));
  zs_json_set(body, ZS_STR("status"), v); /* copies v */
  zs_json_set_i64(v, (zs_s64)zs_now_ms());
  zs_json_set(body, ZS_STR("time_ms"), v);
  zs_meta_set(ZS_STR("zs.response.header.cache-control"), ZS_STR("no-store"));
  zs_json_respond(200, body);
  return 0;
}
