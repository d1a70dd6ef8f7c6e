/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for pam_userauth/options.c, compiled into this program: every
 * option with good and bad values, unknown words, repeats, and the rule
 * that nothing is written on failure.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pam_userauth/options.h"

#define ARGV(...) ((const char *[]){ __VA_ARGS__ })
#define ARGC(...) ((int)(sizeof(ARGV(__VA_ARGS__)) / sizeof(const char *)))
/* Parse the words given; the result in *o, the reason in *why. */
#define PARSE(o, arg, why, ...)                                                \
	uapam_opts_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (o), (arg),     \
	    (why))

/* One word must be refused, and named as the culprit. */
static void
assert_refused(const char *pool_word, const char *word)
{
	struct uapam_opts o;
	const char *arg = NULL, *why = NULL;

	memset(&o, 0xa5, sizeof(o));
	assert_int_equal(PARSE(&o, &arg, &why, pool_word, word), -EINVAL);
	assert_non_null(why);
	assert_ptr_equal(arg, word);
	/* Nothing written on failure. */
	assert_int_equal(((const unsigned char *)&o)[0], 0xa5);
	assert_int_equal(((const unsigned char *)&o)[sizeof(o) - 1], 0xa5);
}

static void
test_defaults(void **state)
{
	struct uapam_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, NULL, NULL, "pool=customer"), 0);
	assert_string_equal(o.pool, "customer");
	assert_string_equal(o.socket, UA_RUNTIME_DIR "/public.sock");
	assert_int_equal(o.timeout_ms, 10000);
	assert_null(o.preferred);
	assert_false(o.debug);
}

static void
test_pool_required(void **state)
{
	struct uapam_opts o;
	const char *arg = "x", *why = NULL;

	(void)state;
	assert_int_equal(uapam_opts_parse(0, NULL, &o, &arg, &why), -EINVAL);
	assert_null(arg);
	assert_non_null(strstr(why, "pool"));
	assert_int_equal(PARSE(&o, &arg, &why, "debug", "timeout=5"), -EINVAL);
	assert_null(arg);
	assert_non_null(strstr(why, "required"));
}

static void
test_pool_values(void **state)
{
	struct uapam_opts o;
	const char *arg = NULL, *why = NULL;

	(void)state;
	assert_int_equal(PARSE(&o, NULL, NULL, "pool=staff-2_a"), 0);
	assert_string_equal(o.pool, "staff-2_a");
	/* 32 bytes is the longest pool name. */
	assert_int_equal(
	    PARSE(&o, NULL, NULL, "pool=abcdefghijklmnopqrstuvwxyz012345"), 0);
	assert_string_equal(o.pool, "abcdefghijklmnopqrstuvwxyz012345");
	assert_int_equal(PARSE(&o, &arg, &why, "pool=Customer"), -EINVAL);
	assert_string_equal(arg, "pool=Customer");
	assert_int_equal(
	    PARSE(&o, &arg, &why, "pool=abcdefghijklmnopqrstuvwxyz0123456"),
	    -EINVAL);
	assert_int_equal(PARSE(&o, &arg, &why, "pool="), -EINVAL);
	assert_int_equal(PARSE(&o, &arg, &why, "pool"), -EINVAL);
	assert_non_null(strstr(why, "value"));
	assert_int_equal(PARSE(&o, &arg, &why, "pool=1st"), -EINVAL);
	assert_int_equal(PARSE(&o, &arg, &why, "pool=a b"), -EINVAL);
	assert_int_equal(PARSE(&o, &arg, &why, "pool=-x"), -EINVAL);
}

static void
test_socket_values(void **state)
{
	struct uapam_opts o;
	char word[160], want[128];

	(void)state;
	assert_int_equal(
	    PARSE(&o, NULL, NULL, "pool=p", "socket=/tmp/ua/public.sock"), 0);
	assert_string_equal(o.socket, "/tmp/ua/public.sock");
	/* 107 bytes fit sun_path with its NUL; 108 do not. */
	memset(want, 'a', 107);
	want[0] = '/';
	want[107] = '\0';
	(void)snprintf(word, sizeof(word), "socket=%s", want);
	assert_int_equal(PARSE(&o, NULL, NULL, "pool=p", word), 0);
	assert_string_equal(o.socket, want);
	(void)snprintf(word, sizeof(word), "socket=%sa", want);
	assert_refused("pool=p", word);
	assert_refused("pool=p", "socket=run/userauth/public.sock");
	assert_refused("pool=p", "socket=");
	assert_refused("pool=p", "socket");
	assert_refused("pool=p", "socket=/run/x\n.sock");
	assert_refused("pool=p", "socket=/run/x\x7f.sock");
}

static void
test_preferred_values(void **state)
{
	struct uapam_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, NULL, NULL, "pool=p", "preferred=password"),
	    0);
	assert_string_equal(o.preferred, "PASSWORD");
	assert_int_equal(PARSE(&o, NULL, NULL, "preferred=email_otp", "pool=p"),
	    0);
	assert_string_equal(o.preferred, "EMAIL_OTP");
	assert_refused("pool=p", "preferred=PASSWORD");
	assert_refused("pool=p", "preferred=sms");
	assert_refused("pool=p", "preferred=");
	assert_refused("pool=p", "preferred");
	assert_refused("pool=p", "preferred=password ");
}

static void
test_timeout_values(void **state)
{
	struct uapam_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, NULL, NULL, "pool=p", "timeout=1"), 0);
	assert_int_equal(o.timeout_ms, 1000);
	assert_int_equal(PARSE(&o, NULL, NULL, "pool=p", "timeout=60"), 0);
	assert_int_equal(o.timeout_ms, 60000);
	assert_refused("pool=p", "timeout=0");
	assert_refused("pool=p", "timeout=61");
	assert_refused("pool=p", "timeout=-1");
	assert_refused("pool=p", "timeout=05");
	assert_refused("pool=p", "timeout=5s");
	assert_refused("pool=p", "timeout= 5");
	assert_refused("pool=p", "timeout=");
	assert_refused("pool=p", "timeout");
	assert_refused("pool=p", "timeout=99999999999999999999");
}

static void
test_debug_flag(void **state)
{
	struct uapam_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, NULL, NULL, "debug", "pool=p"), 0);
	assert_true(o.debug);
	assert_refused("pool=p", "debug=1");
	assert_refused("pool=p", "debug=");
}

static void
test_try_first_pass_flag(void **state)
{
	struct uapam_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, NULL, NULL, "pool=p"), 0);
	assert_false(o.try_first_pass);
	assert_int_equal(PARSE(&o, NULL, NULL, "try_first_pass", "pool=p"), 0);
	assert_true(o.try_first_pass);
	assert_refused("pool=p", "try_first_pass=yes");
	assert_int_equal(
	    PARSE(&o, NULL, NULL, "pool=p", "try_first_pass", "try_first_pass"),
	    -EINVAL);
}

static void
test_unknown_words(void **state)
{
	(void)state;
	assert_refused("pool=p", "bogus");
	assert_refused("pool=p", "use_first_pass");
	assert_refused("pool=p", "pools=p");
	assert_refused("pool=p", "Pool=p");
	assert_refused("pool=p", "debugx");
	assert_refused("pool=p", "");
	assert_refused("pool=p", "=p");
}

static void
test_duplicates_refused(void **state)
{
	const char *arg = NULL, *why = NULL;
	struct uapam_opts o;

	(void)state;
	assert_refused("pool=p", "pool=p");
	assert_refused("pool=p", "pool=q");
	assert_int_equal(PARSE(&o, &arg, &why, "pool=p", "debug", "debug"),
	    -EINVAL);
	assert_non_null(strstr(why, "more than once"));
	assert_int_equal(
	    PARSE(&o, &arg, &why, "pool=p", "timeout=5", "timeout=5"), -EINVAL);
	assert_int_equal(
	    PARSE(&o, &arg, &why, "pool=p", "socket=/a", "socket=/b"), -EINVAL);
	assert_int_equal(PARSE(&o, &arg, &why, "pool=p", "preferred=password",
			     "preferred=email_otp"),
	    -EINVAL);
	assert_string_equal(arg, "preferred=email_otp");
}

static void
test_all_together(void **state)
{
	struct uapam_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, NULL, NULL, "debug", "timeout=3",
			     "preferred=email_otp", "socket=/run/x.sock",
			     "pool=customer"),
	    0);
	assert_true(o.debug);
	assert_int_equal(o.timeout_ms, 3000);
	assert_string_equal(o.preferred, "EMAIL_OTP");
	assert_string_equal(o.socket, "/run/x.sock");
	assert_string_equal(o.pool, "customer");
}

static void
test_null_word_refused(void **state)
{
	struct uapam_opts o;
	const char *argv[] = { "pool=p", NULL };

	(void)state;
	assert_int_equal(uapam_opts_parse(2, argv, &o, NULL, NULL), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_pool_required),
		cmocka_unit_test(test_pool_values),
		cmocka_unit_test(test_socket_values),
		cmocka_unit_test(test_preferred_values),
		cmocka_unit_test(test_timeout_values),
		cmocka_unit_test(test_debug_flag),
		cmocka_unit_test(test_try_first_pass_flag),
		cmocka_unit_test(test_unknown_words),
		cmocka_unit_test(test_duplicates_refused),
		cmocka_unit_test(test_all_together),
		cmocka_unit_test(test_null_word_refused),
	};

	return cmocka_run_group_tests_name("pam_userauth options", tests, NULL,
	    NULL);
}
