/* Structs on the stack, passed by pointer to a static function and to a
 * helper; a helper writing into a stack buffer. */
#include "zs_test.h"

struct point {
	long x, y;
	char name[16];
};

volatile long base = 5;

static NOINLINE void move(struct point *p, long dx, long dy)
{
	p->x += dx;
	p->y += dy;
	p->name[0] = 'm';
}

/* x=5+10, y=7+20 → 15*100 + 27 = 1527, plus name[0] = 'm' (109): 1636. */
ZS_ENTRY("zeroserve.call.point") long point(void *ctx)
{
	struct point p = {.x = base, .y = base + 2, .name = "origin"};
	move(&p, 10, 20);
	return p.x * 100 + p.y + p.name[0];
}

/* The helper reads the struct bytes: x=1, y=2, name "ab" → 1+2+'a'+'b' = 198. */
ZS_ENTRY("zeroserve.call.bytes") long bytes(void *ctx)
{
	struct point p = {.x = base - 4, .y = base - 3, .name = "ab"};
	return zs_test_sum(&p, sizeof p);
}

/* The helper fills a stack buffer: 32 bytes of 3 → 96; returns 96 + 32. */
ZS_ENTRY("zeroserve.call.fill") long fill(void *ctx)
{
	unsigned char buf[32];
	long n = zs_test_fill(buf, sizeof buf, base - 2);
	long s = 0;
	for (int i = 0; i < 32; i++)
		s += buf[i];
	return s + n;
}
