/* A request entry and a callable entry; compiled into 10-auth.o with
 * `go generate ./internal/cli/zspack/inspect` (clang-19, zspack build's flags). */
#include "zeroserve.h"

static char path[256];

ZS_ENTRY
zs_u64 entry(void) {
  zs_s64 n = zs_req_path(path, sizeof path);
  if (n < 0 || n >= (zs_s64)sizeof path)
    return 0;
  if (zs_strcmp(path, "/private") == 0)
    zs_respond(403, ZS_STR("forbidden\n"));
  return 0;
}

ZS_CALL_ENTRY(whoami, input) {
  zs_s64 out = zs_json_new_object();
  zs_json_set(out, ZS_STR("input"), input);
  return out;
}
