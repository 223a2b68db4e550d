/* A BTF-style map definition: the loader must reject maps. */
#include "zs_test.h"

struct {
	int type;
	int max_entries;
} counters __attribute__((section(".maps")));

ZS_ENTRY("zeroserve.request") long request(void *ctx)
{
	return counters.max_entries;
}
