/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/client/wipe.c: wiping is exact, the freeing
 * helpers hand free() a buffer already zero (free is wrapped at link time,
 * -Wl,--wrap=free, to look at it then), and every helper accepts NULL.
 * (That the compiler keeps the wipe is explicit_bzero's promise; STYLE.md
 * 2.3 has the evidence.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "client/wipe.h"

void __real_free(void *p);
void __wrap_free(void *p);

/* The buffer free() is watched for, and what it found there. */
static const unsigned char *watched;
static size_t watched_len, nonzero_at_free, frees_seen;

void
__wrap_free(void *p)
{
	size_t i;

	if (p != NULL && p == watched) {
		frees_seen++;
		for (i = 0; i < watched_len; i++)
			if (watched[i] != 0)
				nonzero_at_free++;
		watched = NULL;
	}
	__real_free(p);
}

static void
watch(const void *p, size_t n)
{
	watched = p;
	watched_len = n;
	nonzero_at_free = frees_seen = 0;
}

static void
test_wipe_zeroes_exactly_n_bytes(void **state)
{
	char b[16];
	size_t i;

	(void)state;
	memset(b, 'x', sizeof(b));
	ua_wipe(b + 4, 8);
	for (i = 0; i < sizeof(b); i++)
		assert_int_equal(b[i], (i >= 4 && i < 12) ? 0 : 'x');
}

static void
test_wipe_accepts_null_and_zero_length(void **state)
{
	char c = 'x';

	(void)state;
	ua_wipe(NULL, 10);
	ua_wipe(&c, 0);
	assert_int_equal(c, 'x');
}

static void
test_freezero_accepts_null_and_frees(void **state)
{
	char *p;

	(void)state;
	ua_freezero(NULL, 10);
	p = malloc(32);
	assert_non_null(p);
	memset(p, 'x', 32);
	watch(p, 32);
	ua_freezero(p, 32); /* ASan/valgrind would flag a bad free */
	assert_int_equal(frees_seen, 1);
	assert_int_equal(nonzero_at_free, 0);
}

static void
test_erase_free_accepts_null_and_strings(void **state)
{
	char *p;

	(void)state;
	ua_erase_free(NULL);
	p = strdup("correct horse battery staple");
	assert_non_null(p);
	p[3] = '\0'; /* length now unknown to strlen: still fully wiped */
	watch(p, sizeof("correct horse battery staple"));
	ua_erase_free(p);
	assert_int_equal(frees_seen, 1);
	assert_int_equal(nonzero_at_free, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wipe_zeroes_exactly_n_bytes),
		cmocka_unit_test(test_wipe_accepts_null_and_zero_length),
		cmocka_unit_test(test_freezero_accepts_null_and_frees),
		cmocka_unit_test(test_erase_free_accepts_null_and_strings),
	};

	return cmocka_run_group_tests_name("wipe", tests, NULL, NULL);
}
