/* Compiled for BPF by TestHeaderCompilesForBPF: the macros must produce the
 * entry sections pkg/abi names. */
#include "zeroserve.h"

ZS_ENTRY
zs_u64 entry(void) {
  char path[64];
  char num[12];
  zs_s64 n = zs_req_path(path, sizeof path);
  if (n < 0 || zs_strncmp(path, "/x", 2) != 0)
    return 0;
  zs_utoa10((unsigned int)n, num, sizeof num);
  zs_meta_set(ZS_STR("len"), ZS_STR(num));
  return 0;
}

ZS_CALL_ENTRY(echo, input) {
  zs_s64 out = zs_json_new_object();
  zs_json_set(out, ZS_STR("input"), input);
  return out;
}
