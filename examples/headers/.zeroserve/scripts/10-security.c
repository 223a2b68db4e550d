/* Security headers on every response: metadata keys
 * zs.response.header.<name> become response headers on whatever answers the
 * request, static files and error pages included. */
#include "zeroserve.h"

static void set_header(const char *name, const char *value) {
  char key[64];
  char *end = zs_stpcpy(key, "zs.response.header.");
  zs_strncpy(end, name, sizeof key - (zs_u64)(end - key) - 1);
  key[sizeof key - 1] = '\0';
  zs_meta_set(ZS_STR(key), ZS_STR(value));
}

ZS_ENTRY
zs_u64 entry(void) {
  set_header("x-content-type-options", "nosniff");
  set_header("x-frame-options", "DENY");
  set_header("referrer-policy", "strict-origin-when-cross-origin");
  if (zs_req_is_tls())
    set_header("strict-transport-security", "max-age=31536000");
  return 0;
}
