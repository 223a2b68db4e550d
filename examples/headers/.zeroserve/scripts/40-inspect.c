/* GET /inspect shows the request as the scripts before this one left it, as
 * JSON: what static serving would see. */
#include "zeroserve.h"

static char buf[1024];

/* Sets obj[key] to the string a string-out helper wrote into buf. */
static void put(zs_s64 obj, zs_s64 tmp, const char *key, zs_s64 n) {
  if (n < 0 || n >= (zs_s64)sizeof buf)
    n = 0; /* too long for this demo: show it as empty */
  zs_json_set_string(tmp, buf, (zs_u64)n);
  zs_json_set(obj, ZS_STR(key), tmp);
}

ZS_ENTRY
zs_u64 entry(void) {
  char path[16];
  if (zs_req_path(path, sizeof path) != 8 || zs_strcmp(path, "/inspect") != 0)
    return 0;

  zs_s64 o = zs_json_new_object();
  zs_s64 t = zs_json_new_object();
  put(o, t, "method", zs_req_method(buf, sizeof buf));
  put(o, t, "uri", zs_req_uri(buf, sizeof buf));
  put(o, t, "path", zs_req_path(buf, sizeof buf));
  put(o, t, "normalized_path", zs_req_normalized_path(buf, sizeof buf));
  put(o, t, "query", zs_req_query(buf, sizeof buf));
  put(o, t, "scheme", zs_req_scheme(buf, sizeof buf));
  put(o, t, "peer", zs_req_peer(buf, sizeof buf));
  put(o, t, "x_forwarded_proto", zs_req_header(ZS_STR("x-forwarded-proto"), buf, sizeof buf));
  put(o, t, "x_debug_token", zs_req_header(ZS_STR("x-debug-token"), buf, sizeof buf));
  put(o, t, "via", zs_req_header(ZS_STR("via"), buf, sizeof buf));
  put(o, t, "rewritten_from", zs_meta_get(ZS_STR("rewritten-from"), buf, sizeof buf));

  zs_json_set_i64(t, zs_req_proto_major() * 10 + zs_req_proto_minor());
  zs_json_set(o, ZS_STR("http_version_x10"), t);
  zs_json_set_bool(t, (zs_u64)zs_req_is_tls());
  zs_json_set(o, ZS_STR("tls"), t);
  zs_json_respond(200, o);
  return 0;
}
