/* Fills the metadata that index.html shows with <zs-meta>key</zs-meta>.
 * The server HTML-escapes every value it substitutes, so the name taken from
 * the query string cannot inject markup. */
#include "zeroserve.h"

static char buf[512];

/* Copies a string-out helper's result (length n, in buf) to metadata key, or
 * fallback when the value is missing or too long for buf. */
static void meta_from_buf(const char *key, zs_s64 n, const char *fallback) {
  if (n > 0 && n < (zs_s64)sizeof buf)
    zs_meta_set(ZS_STR(key), buf, (zs_u64)n);
  else
    zs_meta_set(ZS_STR(key), ZS_STR(fallback));
}

ZS_ENTRY
zs_u64 entry(void) {
  /* Hour of the day, UTC. */
  zs_u64 hour = zs_now_ms() / 3600000 % 24;
  const char *greeting = hour < 12 ? "Good morning" : hour < 18 ? "Good afternoon" : "Good evening";
  zs_meta_set(ZS_STR("greeting"), ZS_STR(greeting));

  meta_from_buf("name", zs_req_query_param(ZS_STR("name"), buf, sizeof buf), "visitor");
  meta_from_buf("path", zs_req_path(buf, sizeof buf), "");
  meta_from_buf("user_agent", zs_req_header(ZS_STR("user-agent"), buf, sizeof buf), "an unnamed client");

  char num[12];
  zs_utoa10((unsigned int)hour, num, sizeof num);
  zs_meta_set(ZS_STR("hour"), ZS_STR(num));

  /* The page differs per request: keep caches from storing it. */
  zs_meta_set(ZS_STR("zs.response.header.cache-control"), ZS_STR("no-store"));
  return 0;
}
