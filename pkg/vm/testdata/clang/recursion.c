/* Mutual recursion: the verifier must reject the cyclic call graph. */
#include "zs_test.h"

static long odd(long n);
static NOINLINE long even(long n) { return n == 0 ? 1 : odd(n - 1); }
static NOINLINE long odd(long n) { return n == 0 ? 0 : even(n - 1); }

volatile long n = 10;

ZS_ENTRY("zeroserve.request") long request(void *ctx)
{
	return even(n);
}
