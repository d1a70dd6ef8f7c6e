/* SPDX-License-Identifier: MIT */
/*
 * Login policy decisions.  Pure functions of the pool configuration and the
 * user: no I/O, so every rule is unit-tested.  A user that matches no rule
 * is refused (no fail-open default).
 */
#include <string.h>

#include "client/valid.h"
#include "userauthd/policy.h"

const char *
policy_name(enum policy_challenge c)
{
	switch (c) {
	case POLICY_PASSWORD:
		return "PASSWORD";
	case POLICY_EMAIL_OTP:
		return "EMAIL_OTP";
	case POLICY_SELECT:
		return "SELECT_CHALLENGE";
	case POLICY_TOTP:
		return "SOFTWARE_TOKEN_MFA";
	case POLICY_MFA_SETUP:
		return "MFA_SETUP";
	case POLICY_NEW_PASSWORD:
		return "NEW_PASSWORD_REQUIRED";
	case POLICY_NONE:
		break;
	}
	return "NONE";
}

enum policy_challenge
policy_parse(const char *name)
{
	if (name == NULL)
		return POLICY_NONE;
	if (strcmp(name, "PASSWORD") == 0)
		return POLICY_PASSWORD;
	if (strcmp(name, "EMAIL_OTP") == 0)
		return POLICY_EMAIL_OTP;
	if (strcmp(name, "SELECT_CHALLENGE") == 0)
		return POLICY_SELECT;
	if (strcmp(name, "SOFTWARE_TOKEN_MFA") == 0)
		return POLICY_TOTP;
	if (strcmp(name, "MFA_SETUP") == 0)
		return POLICY_MFA_SETUP;
	if (strcmp(name, "NEW_PASSWORD_REQUIRED") == 0)
		return POLICY_NEW_PASSWORD;
	return POLICY_NONE;
}

void
policy_otp_limits(const struct ua_pool_conf *pc, struct otp_limits *ret)
{
	ret->lifetime = pc->otp_lifetime;
	ret->tries = pc->otp_tries;
	ret->per_hour = pc->otp_per_hour;
	ret->per_day = pc->otp_per_day;
	ret->cooldown = pc->otp_resend_cooldown;
	/* S10: one remote host may ask for ten identifiers' worth */
	ret->host = NULL;
	ret->host_per_hour = pc->otp_per_hour * 10;
	ret->host_per_day = pc->otp_per_day * 10;
}

bool
policy_code_fallback(const struct ua_pool_conf *pc)
{
	/* S13: never a code instead of a password where MFA is required. */
	return pc->allow_email_otp && pc->mfa != UA_MFA_REQUIRED;
}

static bool
has_group(const struct policy_user *u, const char *g)
{
	size_t i;

	for (i = 0; i < u->ngroups; i++)
		if (strcmp(u->groups[i], g) == 0)
			return true;
	return false;
}

enum policy_challenge
policy_first(const struct ua_pool_conf *pc, const struct policy_user *u,
    enum policy_challenge preferred)
{
	bool pw = pc->allow_password && u->has_password;
	bool otp = pc->allow_email_otp;
	size_t i;

	/* A group rule wins over the hint (first matching rule in order). */
	for (i = 0; i < pc->ngroup_rules; i++) {
		if (!has_group(u, pc->group_rules[i].group))
			continue;
		if (pc->group_rules[i].email_otp && otp)
			return POLICY_EMAIL_OTP;
		if (!pc->group_rules[i].email_otp && pw)
			return POLICY_PASSWORD;
	}
	if (pw && otp) {
		if (preferred == POLICY_EMAIL_OTP)
			return POLICY_EMAIL_OTP;
		if (preferred == POLICY_PASSWORD)
			return POLICY_PASSWORD;
		return pc->select_challenge ? POLICY_SELECT : POLICY_PASSWORD;
	}
	if (pw)
		return POLICY_PASSWORD;
	if (otp)
		return POLICY_EMAIL_OTP;
	return POLICY_NONE;
}

enum policy_challenge
policy_fake(const struct ua_pool_conf *pc, unsigned char mac_byte,
    enum policy_challenge preferred)
{
	bool pw = pc->allow_password, otp = pc->allow_email_otp;

	if (pw && otp) {
		/* the hint as policy_first honours it: every real user then
		 * gets a code (those without a password get one anyway) */
		if (preferred == POLICY_EMAIL_OTP || mac_byte < 128)
			return POLICY_EMAIL_OTP;
		if (preferred == POLICY_PASSWORD)
			return POLICY_PASSWORD;
		return pc->select_challenge ? POLICY_SELECT : POLICY_PASSWORD;
	}
	if (pw)
		return POLICY_PASSWORD;
	return POLICY_EMAIL_OTP;
}

bool
policy_service_allowed(const struct ua_pool_conf *pc, const char *service,
    const struct policy_user *u)
{
	const struct ua_group_list *allowed = &pc->allow_groups;
	size_t i;

	for (i = 0; i < pc->nservice_rules; i++)
		if (strcmp(pc->service_rules[i].service, service) == 0) {
			allowed = &pc->service_rules[i].groups;
			break;
		}
	if (allowed->any)
		return true;
	for (i = 0; i < allowed->n; i++)
		if (has_group(u, allowed->names[i]))
			return true;
	return false;
}

static char
lower_ascii(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* hay contains needle, ASCII case-insensitively (an empty one: no). */
static bool
contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle), h = strlen(hay), i, k;

	if (n == 0 || n > h)
		return false;
	for (i = 0; i + n <= h; i++) {
		for (k = 0; k < n; k++)
			if (lower_ascii(hay[i + k]) != lower_ascii(needle[k]))
				break;
		if (k == n)
			return true;
	}
	return false;
}

/*
 * The pool's password policy for a new password: NULL when it passes,
 * else the sentence that says which rule it breaks.  Length counts
 * characters (UTF-8 code points), not bytes.
 */
const char *
policy_new_password(const struct ua_pool_conf *pc, const char *login,
    const char *email, const char *pw)
{
	size_t n = strlen(pw), chars = 0, i;
	const char *why = NULL;

	if (ua_valid_password(pw, n, &why) < 0)
		return "The password is not valid (control characters or not "
		       "UTF-8).";
	for (i = 0; i < n; i++)
		if (((unsigned char)pw[i] & 0xc0) != 0x80)
			chars++;
	if (chars < pc->password_min_length)
		return "The password is too short.";
	if (contains_nocase(pw, login))
		return "The password must not contain your login name.";
	if (contains_nocase(pw, email))
		return "The password must not contain your email address.";
	return NULL;
}
