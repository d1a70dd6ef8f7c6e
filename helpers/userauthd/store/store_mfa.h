/* SPDX-License-Identifier: MIT */
/*
 * TOTP state in the store: the active secret and the last accepted step
 * (credentials.totp_secret, credentials.totp_last_step) and an enrolment
 * awaiting its first valid code (totp_pending); recovery codes as MACs
 * (mfa_recovery, recovery.h).  Secrets are raw bytes that stay inside
 * the daemon; store_mfa_clear wipes them.
 */
#ifndef UA_STORE_MFA_H
#define UA_STORE_MFA_H

#include <stdbool.h>
#include <stdint.h>

#include "client/valid.h"
#include "userauthd/recovery.h"
#include "userauthd/store/store.h"
#include "userauthd/totp.h"

struct store_mfa {
	int64_t user_id;
	char login[UA_STORE_LOGIN_MAX + 1];
	char pool[UA_MAX_POOL + 1];
	char email[UA_STORE_EMAIL_MAX + 1];
	bool enrolled; /* an active secret */
	bool pending;  /* an enrolment awaiting a code */
	uint8_t secret[TOTP_SECRET_LEN];
	uint8_t pending_secret[TOTP_SECRET_LEN];
	int64_t last_step;      /* -1: no code accepted yet */
	unsigned recovery_left; /* unused recovery codes */
};

/* By row id (user_id) or by login/email (user, when not NULL). */
int store_mfa_load(struct store *s, int64_t user_id, const char *user,
    struct store_mfa *ret, struct store_err *err);
void store_mfa_clear(struct store_mfa *m);

/*
 * Replace the user's pending enrolment and, when rc is not NULL, the
 * user's recovery codes by rc's MACs, in one transaction.
 */
int store_mfa_set_pending(struct store *s, int64_t user_id,
    const uint8_t secret[TOTP_SECRET_LEN], int64_t now,
    const struct recovery_codes *rc, struct store_err *err);

/*
 * Make secret the active one with step as its last accepted step and drop
 * any pending enrolment, in one transaction.
 */
int store_mfa_activate(struct store *s, int64_t user_id,
    const uint8_t secret[TOTP_SECRET_LEN], int64_t step, struct store_err *err);

/*
 * Enrolment at login: like store_mfa_activate, but only for a user who
 * has no active secret; one that exists is never replaced (the check and
 * the write are one statement).  -EEXIST, with nothing changed and no
 * error filled in, when there is one.  The user's recovery codes become
 * rc's (when not NULL) in the same transaction.
 */
int store_mfa_activate_new(struct store *s, int64_t user_id,
    const uint8_t secret[TOTP_SECRET_LEN], int64_t step,
    const struct recovery_codes *rc, int64_t now, struct store_err *err);

/*
 * Record step as the last accepted one, only if it is later than the
 * stored one (one statement: check and store are atomic).  -EALREADY when
 * it is not (a replay), without an error filled in.
 */
int store_mfa_accept_step(struct store *s, int64_t user_id, int64_t step,
    struct store_err *err);

/* Remove the active secret, its step, any pending enrolment and the
 * recovery codes. */
int store_mfa_reset(struct store *s, int64_t user_id, struct store_err *err);

/* Replace the user's recovery codes by rc's (the old ones are void). */
int store_mfa_recovery_replace(struct store *s, int64_t user_id,
    const struct recovery_codes *rc, int64_t now, struct store_err *err);

/*
 * Spend the recovery code whose MAC is mac: each unused code of the user
 * is compared in constant time (CRYPTO_memcmp, no early exit), and the
 * one that matches is deleted; *ret_ok tells whether this call deleted
 * it (of two racing uses, one wins).  0, or <0 when the store fails.
 */
int store_mfa_recovery_use(struct store *s, int64_t user_id,
    const uint8_t mac[KEYS_MAC_LEN], bool *ret_ok, struct store_err *err);

#endif
