/* SPDX-License-Identifier: MIT */
/* Unit tests for the login policy (helpers/userauthd/policy.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "userauthd/policy.h"

static char g_developers[] = "developers", g_partners[] = "partners",
	    g_ops[] = "ops";
static struct ua_group_rule rules[] = {
	{ g_partners, true },
	{ g_developers, false },
};
static char *ops_only[] = { g_ops };
static char svc_sshd[] = "sshd";
static struct ua_service_rule svc_rules[] = {
	{ svc_sshd, { false, ops_only, 1 } },
};

static void
pool_both(struct ua_pool_conf *p)
{
	memset(p, 0, sizeof(*p));
	p->allow_password = true;
	p->allow_email_otp = true;
	p->allow_groups.any = true;
}

static void
test_password_user_gets_password(void **state)
{
	struct ua_pool_conf p;
	struct policy_user u = { .has_password = true };

	(void)state;
	pool_both(&p);
	assert_int_equal(policy_first(&p, &u, POLICY_NONE), POLICY_PASSWORD);
}

static void
test_passwordless_user_gets_code(void **state)
{
	struct ua_pool_conf p;
	struct policy_user u = { .has_password = false };

	(void)state;
	pool_both(&p);
	assert_int_equal(policy_first(&p, &u, POLICY_NONE), POLICY_EMAIL_OTP);
	/* A hint cannot conjure a password. */
	assert_int_equal(policy_first(&p, &u, POLICY_PASSWORD),
	    POLICY_EMAIL_OTP);
}

static void
test_hint_picks_between_both(void **state)
{
	struct ua_pool_conf p;
	struct policy_user u = { .has_password = true };

	(void)state;
	pool_both(&p);
	assert_int_equal(policy_first(&p, &u, POLICY_EMAIL_OTP),
	    POLICY_EMAIL_OTP);
	p.select_challenge = true;
	assert_int_equal(policy_first(&p, &u, POLICY_NONE), POLICY_SELECT);
	assert_int_equal(policy_first(&p, &u, POLICY_PASSWORD),
	    POLICY_PASSWORD);
}

static void
test_group_rule_beats_hint(void **state)
{
	struct ua_pool_conf p;
	const char *partner[] = { "partners" }, *dev[] = { "developers" };
	struct policy_user u = { .has_password = true,
		.groups = partner,
		.ngroups = 1 };

	(void)state;
	pool_both(&p);
	p.group_rules = rules;
	p.ngroup_rules = 2;
	assert_int_equal(policy_first(&p, &u, POLICY_PASSWORD),
	    POLICY_EMAIL_OTP);
	u.groups = dev;
	assert_int_equal(policy_first(&p, &u, POLICY_EMAIL_OTP),
	    POLICY_PASSWORD);
	/* A password rule for a user without one falls through to codes. */
	u.has_password = false;
	assert_int_equal(policy_first(&p, &u, POLICY_NONE), POLICY_EMAIL_OTP);
}

static void
test_password_only_pool(void **state)
{
	struct ua_pool_conf p;
	struct policy_user u = { .has_password = false };

	(void)state;
	pool_both(&p);
	p.allow_email_otp = false;
	assert_int_equal(policy_first(&p, &u, POLICY_EMAIL_OTP), POLICY_NONE);
	assert_false(policy_code_fallback(&p));
	u.has_password = true;
	assert_int_equal(policy_first(&p, &u, POLICY_EMAIL_OTP),
	    POLICY_PASSWORD);
}

static void
test_fake_is_stable_and_plausible(void **state)
{
	struct ua_pool_conf p;

	(void)state;
	pool_both(&p);
	assert_int_equal(policy_fake(&p, 3, POLICY_NONE), POLICY_EMAIL_OTP);
	assert_int_equal(policy_fake(&p, 200, POLICY_NONE), POLICY_PASSWORD);
	assert_int_equal(policy_fake(&p, 200, POLICY_NONE),
	    policy_fake(&p, 200, POLICY_NONE));
	p.allow_email_otp = false;
	assert_int_equal(policy_fake(&p, 3, POLICY_NONE), POLICY_PASSWORD);
	p.allow_email_otp = true;
	p.allow_password = false;
	assert_int_equal(policy_fake(&p, 200, POLICY_NONE), POLICY_EMAIL_OTP);
}

/*
 * The preferred=email_otp hint: every real user then gets EMAIL_OTP
 * (policy_first), so every fake must too; without a hint, or with
 * preferred=password, a fake keeps its stable draw.
 */
static void
test_fake_follows_the_hint_as_real_users_do(void **state)
{
	struct ua_pool_conf p;
	struct policy_user with_pw = { .has_password = true };
	struct policy_user no_pw = { .has_password = false };
	unsigned b;

	(void)state;
	pool_both(&p);
	assert_int_equal(policy_first(&p, &with_pw, POLICY_EMAIL_OTP),
	    POLICY_EMAIL_OTP);
	assert_int_equal(policy_first(&p, &no_pw, POLICY_EMAIL_OTP),
	    POLICY_EMAIL_OTP);
	for (b = 0; b < 256; b++)
		assert_int_equal(
		    policy_fake(&p, (unsigned char)b, POLICY_EMAIL_OTP),
		    POLICY_EMAIL_OTP);
	assert_int_equal(policy_fake(&p, 200, POLICY_PASSWORD),
	    POLICY_PASSWORD);
	assert_int_equal(policy_fake(&p, 3, POLICY_PASSWORD),
	    POLICY_EMAIL_OTP); /* as a user without a password */
}

static void
test_service_rules(void **state)
{
	struct ua_pool_conf p;
	const char *ops[] = { "ops" }, *dev[] = { "developers" };
	struct policy_user u = { .groups = dev, .ngroups = 1 };

	(void)state;
	pool_both(&p);
	p.service_rules = svc_rules;
	p.nservice_rules = 1;
	assert_false(policy_service_allowed(&p, "sshd", &u));
	assert_true(policy_service_allowed(&p, "login", &u));
	u.groups = ops;
	assert_true(policy_service_allowed(&p, "sshd", &u));
	/* No "any": a user in no listed group is refused. */
	p.allow_groups.any = false;
	p.allow_groups.names = ops_only;
	p.allow_groups.n = 1;
	u.groups = dev;
	assert_false(policy_service_allowed(&p, "login", &u));
	u.ngroups = 0;
	assert_false(policy_service_allowed(&p, "login", &u));
}

static void
test_names_round_trip(void **state)
{
	(void)state;
	assert_int_equal(policy_parse("PASSWORD"), POLICY_PASSWORD);
	assert_int_equal(policy_parse("EMAIL_OTP"), POLICY_EMAIL_OTP);
	assert_int_equal(policy_parse("SELECT_CHALLENGE"), POLICY_SELECT);
	assert_int_equal(policy_parse("password"), POLICY_NONE);
	assert_int_equal(policy_parse(NULL), POLICY_NONE);
	assert_string_equal(policy_name(POLICY_EMAIL_OTP), "EMAIL_OTP");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_user_gets_password),
		cmocka_unit_test(test_passwordless_user_gets_code),
		cmocka_unit_test(test_hint_picks_between_both),
		cmocka_unit_test(test_group_rule_beats_hint),
		cmocka_unit_test(test_password_only_pool),
		cmocka_unit_test(test_fake_is_stable_and_plausible),
		cmocka_unit_test(test_fake_follows_the_hint_as_real_users_do),
		cmocka_unit_test(test_service_rules),
		cmocka_unit_test(test_names_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
