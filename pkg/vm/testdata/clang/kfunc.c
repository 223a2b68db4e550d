/* A __ksym extern (kernel kfunc style): the loader must reject it. */
#include "zs_test.h"

extern long bpf_kfunc_example(long x) __attribute__((section(".ksyms")));

ZS_ENTRY("zeroserve.request") long request(void *ctx)
{
	return bpf_kfunc_example(1);
}
