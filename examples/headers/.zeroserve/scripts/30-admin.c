/* /admin/ only for clients on this machine or the private network. */
#include "zeroserve.h"

ZS_ENTRY
zs_u64 entry(void) {
  char path[16];
  zs_req_normalized_path(path, sizeof path);
  if (zs_strncmp(path, "/admin/", 7) != 0 && zs_strcmp(path, "/admin") != 0)
    return 0;
  zs_s64 ok = zs_req_remote_ip_matches(
      ZS_STR("[\"127.0.0.0/8\", \"::1\", \"10.0.0.0/8\", \"192.168.0.0/16\"]"));
  if (ok != 1)
    zs_respond(403, ZS_STR("forbidden\n"));
  return 0;
}
