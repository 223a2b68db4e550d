/* Strings and globals: .rodata, .rodata.str1.1, a pointer table in .rodata
 * (R_BPF_64_ABS64 relocations), .data counters, .bss arrays. */
#include "zs_test.h"

const char greeting[] = "hello, world";
static const char *const words[] = {"alpha", "beta", "gamma"};
long counter = 40;
volatile int pick = 2;
unsigned char scratch[256];

/* .data is reset per invocation, so this returns 42 every time. */
ZS_ENTRY("zeroserve.call.counter") long bump(void *ctx)
{
	counter += 2;
	return counter;
}

/* Sum of the bytes of "hello, world" (1160). */
ZS_ENTRY("zeroserve.call.greeting") long greet(void *ctx)
{
	return zs_test_sum(greeting, sizeof greeting - 1);
}

/* Reads "gamma" through the pointer table: 'g'+'a'+'m'+'m'+'a' = 515. */
ZS_ENTRY("zeroserve.call.words") long word(void *ctx)
{
	const char *w = words[pick];
	long s = 0;
	for (int i = 0; w[i]; i++)
		s += w[i];
	return s;
}

/* Fills .bss and sums it through a helper: 0+1+...+255 = 32640. Also checks
 * that .bss starts zeroed on every invocation. */
ZS_ENTRY("zeroserve.call.bss") long bss(void *ctx)
{
	long before = zs_test_sum(scratch, sizeof scratch);
	for (int i = 0; i < 256; i++)
		scratch[i] = (unsigned char)i;
	if (before != 0)
		return -1;
	return zs_test_sum(scratch, sizeof scratch);
}
