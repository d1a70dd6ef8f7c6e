/* SPDX-License-Identifier: MIT */
/*
 * Login policy: which first factor a user gets, who may use which PAM
 * service, what a new password must be.  Decided here, in the daemon, from
 * the pool's configuration and the user's groups; the PAM module only
 * passes hints.
 */
#ifndef UA_POLICY_H
#define UA_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "server/conf.h"
#include "userauthd/otp.h"

enum policy_challenge {
	POLICY_NONE = 0, /* no usable first factor: fails like a fake */
	POLICY_PASSWORD,
	POLICY_EMAIL_OTP,
	POLICY_SELECT,
	POLICY_TOTP,         /* SOFTWARE_TOKEN_MFA: after the first factor */
	POLICY_MFA_SETUP,    /* MFA_SETUP: enrolment at login */
	POLICY_NEW_PASSWORD, /* NEW_PASSWORD_REQUIRED: after the first factor */
};

struct policy_user {
	bool has_password;
	const char *const *groups; /* the user's named groups */
	size_t ngroups;
};

/* Limits for codes in pool pc. */
void policy_otp_limits(const struct ua_pool_conf *pc, struct otp_limits *ret);

/* Does the pool let a password user ask for a code instead? */
bool policy_code_fallback(const struct ua_pool_conf *pc);

/*
 * The first challenge for a user.  preferred is the client's hint
 * (POLICY_NONE for none).
 */
enum policy_challenge policy_first(const struct ua_pool_conf *pc,
    const struct policy_user *u, enum policy_challenge preferred);

/*
 * The challenge an unknown (or disabled) identifier gets: stable for the
 * identifier (from its keyed MAC byte), drawn from what the pool could
 * give a real user, and following the client's hint as policy_first does.
 */
enum policy_challenge policy_fake(const struct ua_pool_conf *pc,
    unsigned char mac_byte, enum policy_challenge preferred);

/* May a user with these groups use PAM service `service` in this pool? */
bool policy_service_allowed(const struct ua_pool_conf *pc, const char *service,
    const struct policy_user *u);

/*
 * The pool's rules for a new password (NEW_PASSWORD_REQUIRED, CHPASS):
 * NULL if pw passes, else the sentence that names the rule it breaks.
 */
const char *policy_new_password(const struct ua_pool_conf *pc,
    const char *login, const char *email, const char *pw);

const char *policy_name(enum policy_challenge c);
enum policy_challenge policy_parse(const char *name);

#endif
