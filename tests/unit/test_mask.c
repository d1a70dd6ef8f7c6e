/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/client/mask.c: the masked form of addresses, that
 * the local part's length never shows, refusals, and buffer limits.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "client/mask.h"

static void
masks(const char *in, const char *want)
{
	char out[UA_MASK_EMAIL_MAX];
	int r;

	r = ua_mask_email(in, out, sizeof(out));
	if (r < 0 || strcmp(out, want) != 0)
		print_error("'%s' -> r=%d '%s', want '%s'\n", in, r, out, want);
	assert_int_equal(r, (int)strlen(want));
	assert_string_equal(out, want);
}

static void
test_mask_common_addresses(void **state)
{
	(void)state;
	masks("alice@example.com", "a***@e******.com");
	masks("bob@mail.example.co.uk", "b***@m**************.uk");
	masks("x@y.org", "x***@y.org");
	masks("first.last+tag@e.io", "f***@e.io");
	masks("Upper@Example.COM", "U***@E******.COM");
}

static void
test_mask_hides_the_local_part_length(void **state)
{
	char a[UA_MASK_EMAIL_MAX], b[UA_MASK_EMAIL_MAX];

	(void)state;
	assert_true(ua_mask_email("a@example.com", a, sizeof(a)) > 0);
	assert_true(ua_mask_email("averyveryverylongname@example.com", b,
			sizeof(b)) > 0);
	assert_string_equal(a, b);
}

static void
test_mask_domain_without_dot(void **state)
{
	(void)state;
	masks("root@localhost", "r***@l********");
	masks("a@b", "a***@b");
	/* A leading or trailing dot leaves no top-level part to keep. */
	masks("a@example.", "a***@e*******");
	masks("a@.com", "a***@.***");
}

static void
refused(const char *in)
{
	char out[UA_MASK_EMAIL_MAX];

	memset(out, 'x', sizeof(out));
	assert_int_equal(ua_mask_email(in, out, sizeof(out)), -EINVAL);
	assert_string_equal(out, "");
}

static void
test_mask_refuses_what_is_not_an_address(void **state)
{
	char long_local[300];

	(void)state;
	refused(NULL);
	refused("");
	refused("alice");
	refused("@example.com");
	refused("alice@");
	refused("a@b@c.com");
	refused("al ice@example.com");
	refused("alice@exam\tple.com");
	refused("al\x01ice@example.com");
	refused("\xc3\xa4lice@example.com");
	memset(long_local, 'a', sizeof(long_local));
	memcpy(long_local + 250, "@e.com", 7); /* 256 bytes: over 254 */
	refused(long_local);
}

static void
test_mask_small_buffers(void **state)
{
	char out[16];

	(void)state;
	/* "a***@e******.com" is 16 bytes: it needs 17 with the NUL. */
	memset(out, 'x', sizeof(out));
	assert_int_equal(ua_mask_email("alice@example.com", out, 16),
	    -ENAMETOOLONG);
	assert_string_equal(out, "");
	assert_int_equal(ua_mask_email("alice@example.com", out, 0),
	    -ENAMETOOLONG);
	assert_int_equal(ua_mask_email("alice@example.com", NULL, 10),
	    -ENAMETOOLONG);
	assert_int_equal(ua_mask_email("x@y.org", out, sizeof(out)), 10);
}

static void
test_mask_longest_address_fits_the_max(void **state)
{
	char in[255], out[UA_MASK_EMAIL_MAX];

	(void)state;
	memset(in, 'd', sizeof(in));
	in[0] = 'a';
	in[1] = '@';
	memcpy(in + 250, ".com", 5); /* 254 bytes */
	assert_int_equal(strlen(in), 254);
	assert_true(ua_mask_email(in, out, sizeof(out)) > 0);
	assert_int_equal(strlen(out), 4 + 1 + 252);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask_common_addresses),
		cmocka_unit_test(test_mask_hides_the_local_part_length),
		cmocka_unit_test(test_mask_domain_without_dot),
		cmocka_unit_test(test_mask_refuses_what_is_not_an_address),
		cmocka_unit_test(test_mask_small_buffers),
		cmocka_unit_test(test_mask_longest_address_fits_the_max),
	};

	return cmocka_run_group_tests_name("mask", tests, NULL, NULL);
}
