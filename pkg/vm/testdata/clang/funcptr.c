/* A table of function pointers in .rodata: the loader must reject it. */
#include "zs_test.h"

static NOINLINE long one(long x) { return x + 1; }
static NOINLINE long two(long x) { return x + 2; }
static long (*const ops[])(long) = {one, two};
volatile long which = 1;

ZS_ENTRY("zeroserve.request") long request(void *ctx)
{
	return ops[which](40);
}
