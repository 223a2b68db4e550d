/* Calls a helper the host does not have: the loader must reject it by name. */
#include "zs_test.h"

extern long zs_test_missing(long x);

ZS_ENTRY("zeroserve.request") long request(void *ctx)
{
	return zs_test_record(1) + zs_test_missing(2);
}
