/* Programs that must trap or be stopped at run time, never escape. */
#include "zs_test.h"

const int limits[4] = {1, 2, 3, 4};
volatile long wild = 0x7fff000000001000; /* masked: ImageBase, where limits[] is */
volatile long idx = 1;

/* Casts away const and writes .rodata: must trap. */
ZS_ENTRY("zeroserve.call.rodata_store") long rodata_store(void *ctx)
{
	*(volatile int *)&limits[idx] = 9;
	return limits[idx];
}

/* Reads through a wild pointer: masked into the arena or trapped. */
ZS_ENTRY("zeroserve.call.wild_read") long wild_read(void *ctx)
{
	return *(volatile long *)wild;
}

/* Writes through a wild pointer: must trap. */
ZS_ENTRY("zeroserve.call.wild_write") long wild_write(void *ctx)
{
	*(volatile long *)wild = 1;
	return 0;
}

/* Writes into the zero guard page (a NULL dereference): must trap. */
ZS_ENTRY("zeroserve.call.null_write") long null_write(void *ctx)
{
	*(volatile long *)(idx * 8) = 1;
	return 0;
}

/* Never ends: must be stopped by the budget. */
ZS_ENTRY("zeroserve.call.spin") long spin(void *ctx)
{
	volatile long n = 0;
	for (;;)
		n++;
	return n;
}
