/* SPDX-License-Identifier: MIT */
/*
 * Login policy decisions.  Pure functions of the pool configuration and the
 * user: no I/O, so every rule is unit-tested.  A user that matches no rule
 * is refused (no fail-open default).
 */
#include <string.h>

#include "userauthd/policy.h"

const char *
policy_name(enum policy_challenge c)
{
	switch (c) {
	case POLICY_PASSWORD: return "PASSWORD";
	case POLICY_EMAIL_OTP: return "EMAIL_OTP";
	case POLICY_SELECT: return "SELECT_CHALLENGE";
	case POLICY_TOTP: return "SOFTWARE_TOKEN_MFA";
	case POLICY_MFA_SETUP: return "MFA_SETUP";
	case POLICY_NEW_PASSWORD: return "NEW_PASSWORD_REQUIRED";
	case POLICY_NONE: break;
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
policy_fake(const struct ua_pool_conf *pc, unsigned char mac_byte)
{
	bool pw = pc->allow_password, otp = pc->allow_email_otp;

	if (pw && otp) {
		if (mac_byte < 128)
			return POLICY_EMAIL_OTP;
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
