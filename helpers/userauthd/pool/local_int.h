/* SPDX-License-Identifier: MIT */
/*
 * Inside the local backend: its per-login state and the steps its files
 * (local.c: lookups, first challenges and codes; local_mfa.c: after the
 * first factor; local_pw.c: new passwords and CHPASS) call in each other.
 */
#ifndef UA_POOL_LOCAL_INT_H
#define UA_POOL_LOCAL_INT_H

#include <crypt.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "client/valid.h"
#include "userauthd/otp.h"
#include "userauthd/pool/local.h"
#include "userauthd/recovery.h"
#include "userauthd/totp.h"

#define NEWPW_TRIES 5 /* policy violations before FAIL */

struct local_backend {
	struct pool_backend base;
	struct pool_local_env env;
};

struct local_login {
	struct pool_login base;
	struct local_backend *lb;
	enum policy_challenge expect; /* what was asked last */
	char pool[UA_MAX_POOL + 1];
	struct store_auth_user user;
	uint8_t ident_mac[KEYS_MAC_LEN];
	uint8_t host_mac[KEYS_MAC_LEN]; /* S10 budget; valid if has_host */
	bool has_host;
	int64_t otp_id;
	unsigned fake_tries; /* tries left when there is no code row */
	/* when the code asked for dies, row or not, on both clocks (an
	 * invitation's: its row, on the wall clock) */
	struct otp_clock code_expires;
	char masked[UA_MAX_EMAIL + 1]; /* the destination shown */
	/* TOTP after the first factor (SOFTWARE_TOKEN_MFA, MFA_SETUP) */
	unsigned totp_tries;                   /* answers left */
	uint8_t setup_secret[TOTP_SECRET_LEN]; /* MFA_SETUP, until confirmed */
	char *setup_info; /* its text (secret, URI, QR, recovery codes) */
	struct recovery_codes setup_recovery; /* ... its recovery codes'
					       * MACs, kept with the key */
	unsigned newpw_tries; /* NEW_PASSWORD_REQUIRED answers left */
	char newpw_info[160]; /* its rules, as INFO */
	/* its hash, held until the login succeeds (after any TOTP): "" when
	 * none; wiped with the login */
	char newpw_hash[CRYPT_OUTPUT_SIZE];
	bool invite;        /* EMAIL_OTP answers the invitation code */
	char *new_password; /* CHPASS: applied once the old one checks */
	char errmsg[512];   /* a failed lookup, for the caller's log */
	char rhost[256];    /* INITIATE's, for login_notice_days */
	char service[65];
};

/* An audit line about this login, through the conversation. */
void local_audit(const struct local_login *s, const char *event,
    const char *result, const char *reason);

/* Replies: 0 with rp filled. */
int local_unavailable(struct pool_reply *rp, const char *reason);
int local_fail(struct pool_reply *rp, const char *reason);

/* The first factor is done and right: new password, MFA, or OK. */
int local_after_first_factor(struct local_login *s,
    const struct ua_pool_conf *pc, struct pool_reply *rp);
int local_answer_totp(struct local_login *s, const struct ua_pool_conf *pc,
    const char *answer, struct pool_reply *rp);
/* The first factor is wrong: FAIL (reason), with before_mfa where a right
 * one would have been followed by a TOTP prompt. */
/* pool_ops.mfa_follows: 0 and *ret, or -EIO. */
int local_mfa_follows(struct local_login *s, const struct ua_pool_conf *pc,
    bool *ret);
int local_first_factor_failed(struct local_login *s,
    const struct ua_pool_conf *pc, const char *reason, struct pool_reply *rp);

/*
 * The login succeeds: store the new password it chose (held since
 * NEW_PASSWORD_REQUIRED; nothing when none), 0 or -EIO (logged).  Or it
 * fails: forget it.
 */
int local_new_password_commit(struct local_login *s);
void local_new_password_drop(struct local_login *s);

/* NEW_PASSWORD_REQUIRED: the rules as INFO, why the last one failed. */
int local_ask_new_password(struct local_login *s, const struct ua_pool_conf *pc,
    const char *message, struct pool_reply *rp);
int local_answer_new_password(struct local_login *s,
    const struct ua_pool_conf *pc, const char *answer, struct pool_reply *rp);
int local_new_password_hashed(struct local_login *s,
    const struct ua_pool_conf *pc, const char *hash, struct pool_reply *rp);
int local_chpass(struct pool_login *bl, const struct ua_pool_conf *pc,
    const char *old_pw, const char *new_pw, struct pool_reply *rp);
int local_chpass_done(struct local_login *s, const struct ua_pool_conf *pc,
    bool ok, struct pool_reply *rp);
int local_chpass_hashed(struct local_login *s, const char *hash,
    struct pool_reply *rp);

#endif
