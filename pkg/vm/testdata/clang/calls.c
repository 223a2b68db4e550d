/* bpf-to-bpf calls: static and global functions, several levels, and several
 * entry sections including zeroserve.call.sum. */
#include "zs_test.h"

volatile long seed = 3;

static NOINLINE long leaf(long x)
{
	return zs_test_record(x * 2);
}

static NOINLINE long mid(long x)
{
	return leaf(x + 1) + leaf(x + 2);
}

NOINLINE long top(long x, long y)
{
	return mid(x) * y;
}

/* Adds 1..n over four levels of calls. */
static NOINLINE long add(long acc, long i) { return acc + i; }
static NOINLINE long sum_to(long n)
{
	long acc = 0;
	for (long i = 1; i <= n; i++)
		acc = add(acc, i);
	return acc;
}

/* top(3, 10) = ((3+1)*2 + (3+2)*2) * 10 = 180; records 8 then 10. */
ZS_ENTRY("zeroserve.request") long request(void *ctx)
{
	return top(seed, 10);
}

/* 1+...+100 = 5050 */
ZS_ENTRY("zeroserve.call.sum") long sum(void *ctx)
{
	return sum_to(seed * 33 + 1);
}

/* A global function called from two entries. */
ZS_ENTRY("zeroserve.call.twice") long twice(void *ctx)
{
	return top(1, 1) + top(2, 1); /* 10 + 14 = 24 */
}
