/* Request rewriting before static serving (and before later scripts):
 *
 * - drops every X-Debug-* request header;
 * - sets X-Forwarded-Proto from the scheme the request came in on;
 * - appends a Via entry;
 * - serves /old/<rest> from /new/<rest>, keeping the query;
 * - honours X-HTTP-Method-Override on POST. */
#include "zeroserve.h"

static char uri[1024];
static char rewritten[1024];

ZS_ENTRY
zs_u64 entry(void) {
  char scheme[8];
  char method[8];
  char override[16];

  zs_req_delete_header(ZS_STR("x-debug-*"));

  zs_s64 n = zs_req_scheme(scheme, sizeof scheme);
  if (n > 0 && n < (zs_s64)sizeof scheme)
    zs_req_set_header(ZS_STR("x-forwarded-proto"), scheme, (zs_u64)n);
  zs_req_append_header(ZS_STR("via"), ZS_STR("1.1 zeroserve-example"));

  n = zs_req_uri(uri, sizeof uri);
  if (n > 0 && n < (zs_s64)sizeof uri && zs_strncmp(uri, "/old/", 5) == 0) {
    char *end = zs_stpcpy(rewritten, "/new/");
    zs_strcpy(end, uri + 5);
    zs_req_set_uri(ZS_STR(rewritten));
    zs_meta_set(ZS_STR("rewritten-from"), uri, (zs_u64)n);
  }

  zs_req_method(method, sizeof method);
  n = zs_req_header(ZS_STR("x-http-method-override"), override, sizeof override);
  if (zs_strcmp(method, "POST") == 0 && n > 0 && n < (zs_s64)sizeof override)
    zs_req_set_method(override, (zs_u64)n);
  return 0;
}
