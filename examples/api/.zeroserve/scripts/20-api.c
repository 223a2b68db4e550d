/* A small JSON API under /api/:
 *
 *   GET /api/echo/<anything>?name=x  {"path":"/api/echo/...","ok":true,"name":"x"}
 *   GET /api/items                   the site file data/items.json
 *   GET /api/items/<n>               element n of it, or 404
 *   GET /api/files/<path>            {"size","etag","mtime"} of a site file
 *
 * Other paths under /api/ get a JSON 404, other methods a JSON 405; paths
 * outside /api/ fall through to static serving. */
#include "zeroserve.h"

/* Scratch buffers live in .bss, keeping the 8 KiB stack of each function free. */
static char path[1024];
static char scratch[256];

static int has_prefix(const char *s, const char *prefix) {
  return zs_strncmp(s, prefix, zs_strlen(prefix)) == 0;
}

/* Answers {"error": msg} with status. */
static void error_json(zs_u64 status, const char *msg) {
  zs_s64 body = zs_json_new_object();
  zs_s64 v = zs_json_new_object();
  zs_json_set_string(v, ZS_STR(msg));
  zs_json_set(body, ZS_STR("error"), v);
  zs_json_respond(status, body);
}

/* Parses a decimal index; -1 when s is empty, not a number or too large. */
static zs_s64 parse_index(const char *s) {
  zs_s64 n = 0;
  if (*s == '\0')
    return -1;
  for (int i = 0; s[i] != '\0'; i++) {
    if (s[i] < '0' || s[i] > '9' || i >= 9)
      return -1;
    n = n * 10 + (s[i] - '0');
  }
  return n;
}

static void echo(void) {
  zs_s64 body = zs_json_new_object();
  zs_s64 v = zs_json_new_object();
  zs_json_set_string(v, ZS_STR(path));
  zs_json_set(body, ZS_STR("path"), v);
  zs_json_set_bool(v, 1);
  zs_json_set(body, ZS_STR("ok"), v);
  zs_s64 n = zs_req_query_param(ZS_STR("name"), scratch, sizeof scratch);
  if (n > 0 && n < (zs_s64)sizeof scratch) {
    zs_json_set_string(v, scratch, (zs_u64)n);
    zs_json_set(body, ZS_STR("name"), v);
  }
  zs_json_respond(200, body);
}

static void items(const char *rest) {
  zs_s64 all = zs_load_static_json(ZS_STR("data/items.json"));
  if (all < 0) {
    error_json(500, "data/items.json is missing or invalid");
    return;
  }
  if (*rest == '\0') {
    zs_json_respond(200, all);
    return;
  }
  zs_s64 i = parse_index(rest);
  zs_s64 item = i < 0 ? -1 : zs_json_array_get(all, (zs_u64)i);
  if (item < 0) {
    error_json(404, "no such item");
    return;
  }
  zs_json_respond(200, item);
}

static void file_metadata(const char *file) {
  zs_s64 meta = zs_load_file_metadata(ZS_STR(file));
  if (meta < 0) {
    error_json(404, "no such file");
    return;
  }
  zs_json_respond(200, meta);
}

ZS_ENTRY
zs_u64 entry(void) {
  zs_s64 n = zs_req_normalized_path(path, sizeof path);
  if (n < 0 || n >= (zs_s64)sizeof path || !has_prefix(path, "/api/"))
    return 0;

  char method[8];
  zs_req_method(method, sizeof method);
  if (zs_strcmp(method, "GET") != 0 && zs_strcmp(method, "HEAD") != 0) {
    zs_meta_set(ZS_STR("zs.response.header.allow"), ZS_STR("GET, HEAD"));
    error_json(405, "method not allowed");
    return 0;
  }

  if (has_prefix(path, "/api/echo/") || zs_strcmp(path, "/api/echo") == 0)
    echo();
  else if (zs_strcmp(path, "/api/items") == 0)
    items("");
  else if (has_prefix(path, "/api/items/"))
    items(path + 11);
  else if (has_prefix(path, "/api/files/"))
    file_metadata(path + 11);
  else
    error_json(404, "no such endpoint");
  return 0;
}
