/* A call chain ten functions deep: over the depth limit of 8 frames, so the
 * verifier must reject it. */
#include "zs_test.h"

volatile long v = 1;

static NOINLINE long f10(long x) { return zs_test_record(x + 10); }
static NOINLINE long f9(long x) { return f10(x + 9) + 1; }
static NOINLINE long f8(long x) { return f9(x + 8) + 1; }
static NOINLINE long f7(long x) { return f8(x + 7) + 1; }
static NOINLINE long f6(long x) { return f7(x + 6) + 1; }
static NOINLINE long f5(long x) { return f6(x + 5) + 1; }
static NOINLINE long f4(long x) { return f5(x + 4) + 1; }
static NOINLINE long f3(long x) { return f4(x + 3) + 1; }
static NOINLINE long f2(long x) { return f3(x + 2) + 1; }
static NOINLINE long f1(long x) { return f2(x + 1) + 1; }

ZS_ENTRY("zeroserve.request") long request(void *ctx)
{
	return f1(v);
}
