/* A faulting script: /fault passes a pointer outside its memory to a
 * helper (bad-arg trap); /store writes through a NULL pointer (store trap);
 * anything else answers 200. */
#include "zeroserve.h"

ZS_ENTRY
zs_u64 entry(void) {
  char path[16];
  zs_req_path(path, sizeof path);
  if (zs_strcmp(path, "/fault") == 0)
    zs_req_path((char *)8, 16);
  if (zs_strcmp(path, "/store") == 0)
    *(volatile char *)0 = 1;
  zs_respond(200, ZS_STR("fine\n"));
  return 0;
}
