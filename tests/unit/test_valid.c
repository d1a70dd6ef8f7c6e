/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/client/valid.c: each validator's accepted shape,
 * each refusal with its reason, strict numbers and truncation reports.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "client/valid.h"

/* Byte strings with explicit length (they may hold NUL). */
#define U8(s) (s), (sizeof(s) - 1)

static void
test_utf8_accepts_ascii_and_multibyte(void **state)
{
	(void)state;
	assert_true(ua_valid_utf8(U8("")));
	assert_true(ua_valid_utf8(U8("plain")));
	assert_true(ua_valid_utf8(U8("Zo\xc3\xab")));       /* U+00EB */
	assert_true(ua_valid_utf8(U8("\xe2\x82\xac")));     /* U+20AC */
	assert_true(ua_valid_utf8(U8("\xf0\x9f\x98\x80"))); /* U+1F600 */
	assert_true(ua_valid_utf8(NULL, 0));
}

static void
test_utf8_accepts_range_boundaries(void **state)
{
	(void)state;
	assert_true(ua_valid_utf8(U8("\xc2\x80")));         /* U+0080 */
	assert_true(ua_valid_utf8(U8("\xe0\xa0\x80")));     /* U+0800 */
	assert_true(ua_valid_utf8(U8("\xed\x9f\xbf")));     /* U+D7FF */
	assert_true(ua_valid_utf8(U8("\xee\x80\x80")));     /* U+E000 */
	assert_true(ua_valid_utf8(U8("\xef\xbf\xbf")));     /* U+FFFF */
	assert_true(ua_valid_utf8(U8("\xf0\x90\x80\x80"))); /* U+10000 */
	assert_true(ua_valid_utf8(U8("\xf4\x8f\xbf\xbf"))); /* U+10FFFF */
}

static void
test_utf8_rejects_overlong_forms(void **state)
{
	(void)state;
	assert_false(ua_valid_utf8(U8("\xc0\x80")));
	assert_false(ua_valid_utf8(U8("\xc1\xbf")));
	assert_false(ua_valid_utf8(U8("\xe0\x80\x80")));
	assert_false(ua_valid_utf8(U8("\xe0\x9f\xbf")));
	assert_false(ua_valid_utf8(U8("\xf0\x80\x80\x80")));
	assert_false(ua_valid_utf8(U8("\xf0\x8f\xbf\xbf")));
}

static void
test_utf8_rejects_surrogates(void **state)
{
	(void)state;
	assert_false(ua_valid_utf8(U8("\xed\xa0\x80"))); /* U+D800 */
	assert_false(ua_valid_utf8(U8("\xed\xbf\xbf"))); /* U+DFFF */
	assert_false(ua_valid_utf8(U8("\xed\xa0\xbd\xed\xb8\x80")));
}

static void
test_utf8_rejects_above_u10ffff(void **state)
{
	(void)state;
	assert_false(ua_valid_utf8(U8("\xf4\x90\x80\x80")));
	assert_false(ua_valid_utf8(U8("\xf5\x80\x80\x80")));
	assert_false(ua_valid_utf8(U8("\xf8\x88\x80\x80\x80")));
	assert_false(ua_valid_utf8(U8("\xff")));
	assert_false(ua_valid_utf8(U8("\xfe")));
}

static void
test_utf8_rejects_truncated_and_stray_bytes(void **state)
{
	(void)state;
	assert_false(ua_valid_utf8(U8("\xe2\x82")));
	assert_false(ua_valid_utf8(U8("ok\xf0\x9f\x98")));
	assert_false(ua_valid_utf8(U8("\xc3")));
	assert_false(ua_valid_utf8(U8("\x80")));
	assert_false(ua_valid_utf8(U8("a\xbf"
				      "b")));
	assert_false(ua_valid_utf8(U8("\xe2"
				      "a"
				      "\x82")));
	/* Only n bytes count: a valid prefix of an invalid buffer. */
	assert_true(ua_valid_utf8("ab\xff", 2));
	assert_false(ua_valid_utf8("\xe2\x82\xac", 2));
	assert_false(ua_valid_utf8(NULL, 1));
}

static void
test_name_accepts_portable_names(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(ua_valid_name("sam", &why), 0);
	assert_int_equal(ua_valid_name("_svc", NULL), 0);
	assert_int_equal(ua_valid_name("a.b-c_9", NULL), 0);
	assert_int_equal(ua_valid_name("host$", NULL), 0);
	assert_int_equal(
	    ua_valid_name("abcdefghijklmnopqrstuvwxyz012345", NULL), 0);
	assert_null(why);
}

static void
test_name_rejects_empty_and_over_32_bytes(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(ua_valid_name(NULL, &why), -EINVAL);
	assert_non_null(why);
	assert_int_equal(ua_valid_name("", &why), -EINVAL);
	why = NULL;
	assert_int_equal(
	    ua_valid_name("abcdefghijklmnopqrstuvwxyz0123456", &why), -EINVAL);
	assert_string_equal(why, "name is longer than 32 bytes");
}

static void
test_name_rejects_leading_dash_plus_and_digit(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(ua_valid_name("-rf", &why), -EINVAL);
	assert_string_equal(why, "name must not start with '-' or '+'");
	assert_int_equal(ua_valid_name("+netgroup", NULL), -EINVAL);
	assert_int_equal(ua_valid_name("1000", NULL), -EINVAL);
	assert_int_equal(ua_valid_name("0x", NULL), -EINVAL);
	assert_int_equal(ua_valid_name(".hidden", NULL), -EINVAL);
}

static void
test_name_rejects_uppercase_and_odd_characters(void **state)
{
	(void)state;
	assert_int_equal(ua_valid_name("Sam", NULL), -EINVAL);
	assert_int_equal(ua_valid_name("sa m", NULL), -EINVAL);
	assert_int_equal(ua_valid_name("sam:x", NULL), -EINVAL);
	assert_int_equal(ua_valid_name("sa$m", NULL), -EINVAL);
	assert_int_equal(ua_valid_name("sam/", NULL), -EINVAL);
	assert_int_equal(ua_valid_name("s\xc3\xa4m", NULL), -EINVAL);
	assert_int_equal(ua_valid_name("sam\n", NULL), -EINVAL);
}

static void
test_pool_accepts_and_rejects(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(ua_valid_pool("staff", NULL), 0);
	assert_int_equal(ua_valid_pool("a-b_2", NULL), 0);
	assert_int_equal(ua_valid_pool("", &why), -EINVAL);
	assert_string_equal(why, "pool name is empty");
	assert_int_equal(ua_valid_pool(NULL, NULL), -EINVAL);
	assert_int_equal(ua_valid_pool("_x", NULL), -EINVAL);
	assert_int_equal(ua_valid_pool("9x", NULL), -EINVAL);
	assert_int_equal(ua_valid_pool("a.b", NULL), -EINVAL);
	assert_int_equal(ua_valid_pool("Staff", NULL), -EINVAL);
	assert_int_equal(
	    ua_valid_pool("abcdefghijklmnopqrstuvwxyz012345", NULL), 0);
	assert_int_equal(
	    ua_valid_pool("abcdefghijklmnopqrstuvwxyz0123456", NULL), -EINVAL);
}

static void
test_email_accepts_lowercase_addresses(void **state)
{
	(void)state;
	assert_int_equal(ua_valid_email("alice@example.com", NULL), 0);
	assert_int_equal(ua_valid_email("a.b+tag@mail.example.org", NULL), 0);
	assert_int_equal(ua_valid_email("x@a-b.c0", NULL), 0);
}

static void
test_email_rejects_uppercase(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(ua_valid_email("Alice@example.com", &why), -EINVAL);
	assert_string_equal(why, "email must be lowercase");
}

static void
test_email_rejects_wrong_at_count_and_empty_parts(void **state)
{
	(void)state;
	assert_int_equal(ua_valid_email("", NULL), -EINVAL);
	assert_int_equal(ua_valid_email(NULL, NULL), -EINVAL);
	assert_int_equal(ua_valid_email("alice.example.com", NULL), -EINVAL);
	assert_int_equal(ua_valid_email("a@b@example.com", NULL), -EINVAL);
	assert_int_equal(ua_valid_email("@example.com", NULL), -EINVAL);
	assert_int_equal(ua_valid_email("alice@", NULL), -EINVAL);
	assert_int_equal(ua_valid_email("alice@localhost", NULL), -EINVAL);
}

static void
test_email_rejects_bad_dots_spaces_and_controls(void **state)
{
	(void)state;
	assert_int_equal(ua_valid_email(".a@example.com", NULL), -EINVAL);
	assert_int_equal(ua_valid_email("a.@example.com", NULL), -EINVAL);
	assert_int_equal(ua_valid_email("a..b@example.com", NULL), -EINVAL);
	assert_int_equal(ua_valid_email("a@example..com", NULL), -EINVAL);
	assert_int_equal(ua_valid_email("a@.example.com", NULL), -EINVAL);
	assert_int_equal(ua_valid_email("a@example.com.", NULL), -EINVAL);
	assert_int_equal(ua_valid_email("a b@example.com", NULL), -EINVAL);
	assert_int_equal(ua_valid_email("a\r\n@example.com", NULL), -EINVAL);
	assert_int_equal(ua_valid_email("a@ex_ample.com", NULL), -EINVAL);
	assert_int_equal(ua_valid_email("\"a\"@example.com", NULL), -EINVAL);
	assert_int_equal(ua_valid_email("z\xc3\xab@example.com", NULL),
	    -EINVAL);
}

static void
test_email_rejects_over_length_limits(void **state)
{
	char s[300];

	(void)state;
	/* local part: 64 ok, 65 refused */
	memset(s, 'a', 64);
	memcpy(s + 64, "@example.com", sizeof("@example.com"));
	assert_int_equal(ua_valid_email(s, NULL), 0);
	memset(s, 'a', 65);
	memcpy(s + 65, "@example.com", sizeof("@example.com"));
	assert_int_equal(ua_valid_email(s, NULL), -EINVAL);
	/* whole address: 254 ok, 255 refused */
	memset(s, 'a', sizeof(s));
	s[0] = 'x';
	s[1] = '@';
	s[5] = '.';
	s[254] = '\0';
	assert_int_equal(ua_valid_email(s, NULL), 0);
	s[254] = 'a';
	s[255] = '\0';
	assert_int_equal(ua_valid_email(s, NULL), -EINVAL);
}

static void
test_email_normalize_lowercases(void **state)
{
	char out[UA_MAX_EMAIL + 1];

	(void)state;
	assert_int_equal(
	    ua_email_normalize("Alice@Example.COM", out, sizeof(out), NULL), 0);
	assert_string_equal(out, "alice@example.com");
}

static void
test_email_normalize_reports_small_buffer(void **state)
{
	const char *why = NULL;
	char out[8];

	(void)state;
	assert_int_equal(
	    ua_email_normalize("alice@example.com", out, sizeof(out), &why),
	    -ENAMETOOLONG);
	assert_non_null(why);
	assert_string_equal(out, "");
	assert_int_equal(ua_email_normalize("A B@x.y", out, sizeof(out), &why),
	    -EINVAL);
	assert_string_equal(out, "");
}

static void
test_gecos_accepts_utf8_and_empty(void **state)
{
	(void)state;
	assert_int_equal(ua_valid_gecos("Zo\xc3\xab \xc3\x9cnal, Room 4", NULL),
	    0);
	assert_int_equal(ua_valid_gecos("", NULL), 0);
}

static void
test_gecos_rejects_colon_controls_and_bad_utf8(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(ua_valid_gecos("a:b", &why), -EINVAL);
	assert_string_equal(why, "contains ':'");
	assert_int_equal(ua_valid_gecos("a\nb", &why), -EINVAL);
	assert_string_equal(why, "contains a control character");
	assert_int_equal(ua_valid_gecos("a\x7f", NULL), -EINVAL);
	assert_int_equal(ua_valid_gecos("a\xc2\x85", NULL), -EINVAL); /* NEL */
	assert_int_equal(ua_valid_gecos("a\x1b[2J", NULL), -EINVAL);
	assert_int_equal(ua_valid_gecos("\xc0\xba", &why), -EINVAL);
	assert_string_equal(why, "not valid UTF-8");
	assert_int_equal(ua_valid_gecos(NULL, NULL), -EINVAL);
}

static void
test_gecos_rejects_over_256_bytes(void **state)
{
	char s[UA_MAX_GECOS + 2];

	(void)state;
	memset(s, 'a', sizeof(s));
	s[UA_MAX_GECOS] = '\0';
	assert_int_equal(ua_valid_gecos(s, NULL), 0);
	s[UA_MAX_GECOS] = 'a';
	s[UA_MAX_GECOS + 1] = '\0';
	assert_int_equal(ua_valid_gecos(s, NULL), -EINVAL);
}

static void
test_path_field_accepts_absolute_paths(void **state)
{
	(void)state;
	assert_int_equal(ua_valid_path_field("/home/sam", NULL), 0);
	assert_int_equal(ua_valid_path_field("/bin/bash", NULL), 0);
	assert_int_equal(ua_valid_path_field("/home/zo\xc3\xab", NULL), 0);
}

static void
test_path_field_rejects_relative_colon_controls_and_long(void **state)
{
	const char *why = NULL;
	char s[UA_MAX_PATHFIELD + 2];

	(void)state;
	assert_int_equal(ua_valid_path_field("home/sam", &why), -EINVAL);
	assert_string_equal(why, "path is not absolute");
	assert_int_equal(ua_valid_path_field("", NULL), -EINVAL);
	assert_int_equal(ua_valid_path_field(NULL, NULL), -EINVAL);
	assert_int_equal(ua_valid_path_field("/a:b", NULL), -EINVAL);
	assert_int_equal(ua_valid_path_field("/a\tb", NULL), -EINVAL);
	assert_int_equal(ua_valid_path_field("/a\xff", NULL), -EINVAL);
	memset(s, 'a', sizeof(s));
	s[0] = '/';
	s[UA_MAX_PATHFIELD] = '\0';
	assert_int_equal(ua_valid_path_field(s, NULL), 0);
	s[UA_MAX_PATHFIELD] = 'a';
	s[UA_MAX_PATHFIELD + 1] = '\0';
	assert_int_equal(ua_valid_path_field(s, NULL), -EINVAL);
}

static void
test_password_accepts_1_to_1024_bytes(void **state)
{
	char s[UA_MAX_PASSWORD];

	(void)state;
	memset(s, 'p', sizeof(s));
	assert_int_equal(ua_valid_password(s, 1, NULL), 0);
	assert_int_equal(ua_valid_password(s, UA_MIN_PASSWORD_MAX, NULL), 0);
	assert_int_equal(ua_valid_password(s, sizeof(s), NULL), 0);
	assert_int_equal(ua_valid_password(U8("p\xc3\xa4ss"), NULL), 0);
}

static void
test_password_rejects_empty_and_over_1024(void **state)
{
	const char *why = NULL;
	char s[UA_MAX_PASSWORD + 1];

	(void)state;
	memset(s, 'p', sizeof(s));
	assert_int_equal(ua_valid_password(s, 0, &why), -EINVAL);
	assert_string_equal(why, "password is empty");
	assert_int_equal(ua_valid_password(NULL, 5, NULL), -EINVAL);
	assert_int_equal(ua_valid_password(s, sizeof(s), &why), -EINVAL);
	assert_string_equal(why, "password is longer than 1024 bytes");
}

static void
test_password_rejects_embedded_nul_and_bad_utf8(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(ua_valid_password(U8("abc\0def"), &why), -EINVAL);
	assert_string_equal(why, "password contains a NUL byte");
	assert_int_equal(ua_valid_password(U8("abc\xed\xa0\x80"), &why),
	    -EINVAL);
	assert_string_equal(why, "password is not valid UTF-8");
}

static void
test_password_of_90k_is_refused_without_scanning(void **state)
{
	struct timespec a, b;
	size_t n = 90 * 1024;
	char *s;

	(void)state;
	s = malloc(n);
	assert_non_null(s);
	memset(s, 0xff, n); /* would fail UTF-8 if it were scanned */
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &a), 0);
	assert_int_equal(ua_valid_password(s, n, NULL), -EINVAL);
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &b), 0);
	assert_true(b.tv_sec - a.tv_sec < 1);
	free(s);
}

static void
test_otp_accepts_exactly_eight_digits(void **state)
{
	(void)state;
	assert_int_equal(ua_valid_otp("00000000", NULL), 0);
	assert_int_equal(ua_valid_otp("12345678", NULL), 0);
	assert_int_equal(ua_valid_otp("99999999", NULL), 0);
}

static void
test_otp_rejects_other_lengths_and_non_digits(void **state)
{
	static const char *const bad[] = { "", "1234567", "123456789", "12ab",
		"1234567a", "a2345678", " 12345678", "12345678 ", "+1234567",
		"-1234567", "1234 678", "１2345678", "unjudged" };
	const char *why = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (ua_valid_otp(bad[i], &why) != -EINVAL || why == NULL)
			fail_msg("case %zu ('%s') accepted", i, bad[i]);
	}
	assert_int_equal(ua_valid_otp(NULL, &why), -EINVAL);
}

static void
test_parse_uint_accepts_canonical_decimal(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(ua_parse_uint("0", 0, 10, &v), 0);
	assert_true(v == 0);
	assert_int_equal(ua_parse_uint("42", 0, 100, &v), 0);
	assert_true(v == 42);
	assert_int_equal(
	    ua_parse_uint("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
}

static void
test_parse_uint_rejects_signs_spaces_and_leading_zeros(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(ua_parse_uint("", 0, 10, &v), -EINVAL);
	assert_int_equal(ua_parse_uint(NULL, 0, 10, &v), -EINVAL);
	assert_int_equal(ua_parse_uint("-1", 0, 10, &v), -EINVAL);
	assert_int_equal(ua_parse_uint("+1", 0, 10, &v), -EINVAL);
	assert_int_equal(ua_parse_uint(" 1", 0, 10, &v), -EINVAL);
	assert_int_equal(ua_parse_uint("1 ", 0, 10, &v), -EINVAL);
	assert_int_equal(ua_parse_uint("01", 0, 10, &v), -EINVAL);
	assert_int_equal(ua_parse_uint("00", 0, 10, &v), -EINVAL);
	assert_int_equal(ua_parse_uint("0x1", 0, 10, &v), -EINVAL);
	assert_int_equal(ua_parse_uint("1e3", 0, 10000, &v), -EINVAL);
	assert_true(v == 7);
}

static void
test_parse_uint_rejects_out_of_range_and_overflow(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(
	    ua_parse_uint("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(
	    ua_parse_uint("99999999999999999999999", 0, UINT64_MAX, &v),
	    -ERANGE);
	assert_int_equal(ua_parse_uint("9", 10, 20, &v), -ERANGE);
	assert_int_equal(ua_parse_uint("21", 10, 20, &v), -ERANGE);
	assert_int_equal(ua_parse_uint("15", 20, 10, &v), -EINVAL);
	assert_true(v == 7);
	assert_int_equal(ua_parse_uint("20", 10, 20, &v), 0);
	assert_true(v == 20);
}

static void
test_snprintf_returns_length_when_it_fits(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(ua_snprintf(out, sizeof(out), "%s-%d", "ab", 42), 5);
	assert_string_equal(out, "ab-42");
	assert_int_equal(ua_snprintf(out, sizeof(out), "%s", "1234567"), 7);
}

static void
test_snprintf_reports_truncation_as_enametoolong(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(ua_snprintf(out, sizeof(out), "%s", "12345678"),
	    -ENAMETOOLONG);
	assert_string_equal(out, "1234567");
	assert_int_equal(ua_snprintf(out, 0, "%s", "x"), -EINVAL);
	assert_int_equal(ua_snprintf(NULL, 8, "%s", "x"), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_accepts_ascii_and_multibyte),
		cmocka_unit_test(test_utf8_accepts_range_boundaries),
		cmocka_unit_test(test_utf8_rejects_overlong_forms),
		cmocka_unit_test(test_utf8_rejects_surrogates),
		cmocka_unit_test(test_utf8_rejects_above_u10ffff),
		cmocka_unit_test(test_utf8_rejects_truncated_and_stray_bytes),
		cmocka_unit_test(test_name_accepts_portable_names),
		cmocka_unit_test(test_name_rejects_empty_and_over_32_bytes),
		cmocka_unit_test(test_name_rejects_leading_dash_plus_and_digit),
		cmocka_unit_test(
		    test_name_rejects_uppercase_and_odd_characters),
		cmocka_unit_test(test_pool_accepts_and_rejects),
		cmocka_unit_test(test_email_accepts_lowercase_addresses),
		cmocka_unit_test(test_email_rejects_uppercase),
		cmocka_unit_test(
		    test_email_rejects_wrong_at_count_and_empty_parts),
		cmocka_unit_test(
		    test_email_rejects_bad_dots_spaces_and_controls),
		cmocka_unit_test(test_email_rejects_over_length_limits),
		cmocka_unit_test(test_email_normalize_lowercases),
		cmocka_unit_test(test_email_normalize_reports_small_buffer),
		cmocka_unit_test(test_gecos_accepts_utf8_and_empty),
		cmocka_unit_test(
		    test_gecos_rejects_colon_controls_and_bad_utf8),
		cmocka_unit_test(test_gecos_rejects_over_256_bytes),
		cmocka_unit_test(test_path_field_accepts_absolute_paths),
		cmocka_unit_test(
		    test_path_field_rejects_relative_colon_controls_and_long),
		cmocka_unit_test(test_password_accepts_1_to_1024_bytes),
		cmocka_unit_test(test_password_rejects_empty_and_over_1024),
		cmocka_unit_test(
		    test_password_rejects_embedded_nul_and_bad_utf8),
		cmocka_unit_test(
		    test_password_of_90k_is_refused_without_scanning),
		cmocka_unit_test(test_otp_accepts_exactly_eight_digits),
		cmocka_unit_test(test_otp_rejects_other_lengths_and_non_digits),
		cmocka_unit_test(test_parse_uint_accepts_canonical_decimal),
		cmocka_unit_test(
		    test_parse_uint_rejects_signs_spaces_and_leading_zeros),
		cmocka_unit_test(
		    test_parse_uint_rejects_out_of_range_and_overflow),
		cmocka_unit_test(test_snprintf_returns_length_when_it_fits),
		cmocka_unit_test(
		    test_snprintf_reports_truncation_as_enametoolong),
	};

	return cmocka_run_group_tests_name("valid", tests, NULL, NULL);
}
