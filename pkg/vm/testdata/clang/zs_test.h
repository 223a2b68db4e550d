/* Test helpers for the clang-object tests in pkg/vm. The Go tests register
 * host implementations under these names; the loader links calls by name. */
#ifndef ZS_TEST_H
#define ZS_TEST_H

#define ZS_ENTRY(name) __attribute__((section(name), used))
#define NOINLINE __attribute__((noinline))

/* zs_test_sum returns the sum of the n bytes at p. */
extern long zs_test_sum(const void *p, unsigned long n);
/* zs_test_fill sets the n bytes at p to v and returns n. */
extern long zs_test_fill(void *p, unsigned long n, long v);
/* zs_test_record appends v to the host's trace and returns v. */
extern long zs_test_record(long v);

#endif
