/* The script of pkg/server's connection tests: one behaviour per path. */
#include "zeroserve.h"

static char path[256];
static volatile zs_u64 counter;

ZS_ENTRY
zs_u64 entry(void) {
  zs_s64 n = zs_req_path(path, sizeof path);
  if (n < 0 || n >= (zs_s64)sizeof path)
    return 0;
  zs_meta_set(ZS_STR("zs.response.header.x-chain"), ZS_STR("10"));
  zs_meta_set(ZS_STR("who"), ZS_STR("<world>"));
  if (zs_strcmp(path, "/respond") == 0) {
    zs_respond(201, ZS_STR("from script\n"));
  } else if (zs_strcmp(path, "/html") == 0) {
    zs_meta_set(ZS_STR("zs.response.header.content-type"), ZS_STR("Text/HTML; charset=utf-8"));
    zs_respond(200, ZS_STR("<p>page</p></body>"));
  } else if (zs_strcmp(path, "/json") == 0) {
    zs_s64 body = zs_json_new_object();
    zs_s64 v = zs_json_new_object();
    zs_json_set_string(v, path, (zs_u64)n);
    zs_json_set(body, ZS_STR("path"), v);
    zs_json_set_bool(v, 1);
    zs_json_set(body, ZS_STR("ok"), v);
    zs_json_respond(200, body);
  } else if (zs_strcmp(path, "/empty") == 0) {
    zs_respond(204, ZS_STR("ignored"));
  } else if (zs_strcmp(path, "/loop") == 0) {
    for (;;)
      counter++;
  } else if (zs_strcmp(path, "/fault") == 0) {
    *(volatile char *)0 = 1;
  } else if (zs_strcmp(path, "/abort") == 0) {
    zs_abort();
  } else if (zs_strcmp(path, "/old") == 0) {
    zs_req_set_uri(ZS_STR("/hello.txt"));
  } else if (zs_strcmp(path, "/tohead") == 0) {
    zs_req_set_method(ZS_STR("HEAD"));
    zs_req_set_uri(ZS_STR("/hello.txt"));
  }
  return 0;
}
