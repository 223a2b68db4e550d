/* Loops: a counted sum, nested loops sorting a stack array. */
#include "zs_test.h"

volatile long bound = 1000;

/* Sum of i*i for i < 1000 = 332833500. */
ZS_ENTRY("zeroserve.call.squares") long squares(void *ctx)
{
	long s = 0;
	for (long i = 0; i < bound; i++)
		s += i * i;
	return s;
}

/* Insertion sort of 16 values on the stack; returns a position-weighted
 * checksum of the sorted array: sum of (i+1)*a[i] = 1496. */
ZS_ENTRY("zeroserve.call.sort") long sort(void *ctx)
{
	long a[16];
	for (int i = 0; i < 16; i++)
		a[i] = (i * 7 + (int)bound) % 16 + 1; /* a permutation of 1..16 */
	for (int i = 1; i < 16; i++) {
		long v = a[i];
		int j = i - 1;
		while (j >= 0 && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
	long sum = 0;
	for (int i = 0; i < 16; i++)
		sum += (i + 1) * a[i];
	return sum;
}

/* Signed division and modulo (v4 sdiv/smod) in a loop: returns -7. */
ZS_ENTRY("zeroserve.call.signed") long sdiv(void *ctx)
{
	long x = -(long)bound; /* -1000 */
	long q = 0;
	for (int i = 0; i < 3; i++)
		q += x / 7 % 5; /* -142 % 5 = -2, three times = -6 */
	return q - 1;
}
