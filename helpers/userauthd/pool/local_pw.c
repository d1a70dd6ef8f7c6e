/* SPDX-License-Identifier: MIT */
/*
 * The local backend's new passwords: NEW_PASSWORD_REQUIRED at login (a
 * reset, an accepted invitation) and CHPASS.  A new password meets the
 * pool's rules (policy_new_password) and is hashed on a worker before it
 * is stored; the clear text is never kept longer than that, and at login
 * the hash only until the login succeeds or fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/wipe.h"
#include "server/log.h"
#include "userauthd/pool/local_int.h"
#include "userauthd/pool/pwjob.h"

int
local_ask_new_password(struct local_login *s, const struct ua_pool_conf *pc,
    const char *message, struct pool_reply *rp)
{
	(void)snprintf(s->newpw_info, sizeof(s->newpw_info),
	    "You must choose "
	    "a new password (at least %u characters, not your login name or "
	    "email).",
	    pc != NULL ? (unsigned)pc->password_min_length : 0u);
	s->expect = POLICY_NEW_PASSWORD;
	rp->status = POOL_CHALLENGE;
	rp->challenge = POLICY_NEW_PASSWORD;
	rp->info = s->newpw_info;
	rp->message = message;
	return 0;
}

/*
 * The answer to NEW_PASSWORD_REQUIRED: checked against the pool's
 * policy (a violation is asked again with the rule), hashed, then on to
 * MFA as after any first factor; stored with the flag cleared when the
 * login succeeds.
 */
int
local_answer_new_password(struct local_login *s, const struct ua_pool_conf *pc,
    const char *answer, struct pool_reply *rp)
{
	const char *why;
	int r;

	if (pc == NULL)
		return local_unavailable(rp, NULL);
	why = policy_new_password(pc, s->user.login, s->user.email, answer);
	if (why != NULL) {
		if (s->newpw_tries > 0)
			s->newpw_tries--;
		if (s->newpw_tries == 0)
			return local_fail(rp, "new_password_policy");
		rp->retry = "new_password_policy";
		return local_ask_new_password(s, pc, why, rp);
	}
	/* Hashed in a worker; local_new_password_hashed goes on from there. */
	r = pool_pw_submit(s->lb->env.wq, s->base.conv.owner, answer, NULL,
	    true);
	return r < 0 ? r : 1;
}

/*
 * The worker hashed the answer to NEW_PASSWORD_REQUIRED: hold it, and go
 * on as after any first factor.  It is stored only when the login
 * succeeds, after the TOTP where there is one: a temporary password alone
 * never changes a password.
 */
int
local_new_password_hashed(struct local_login *s, const struct ua_pool_conf *pc,
    const char *hash, struct pool_reply *rp)
{
	if (hash == NULL || strlen(hash) >= sizeof(s->newpw_hash)) {
		ua_log(LOG_ERR, "hashing the new password failed");
		return local_unavailable(rp, "new_password");
	}
	memcpy(s->newpw_hash, hash, strlen(hash) + 1);
	s->user.must_change = false;
	return local_after_first_factor(s, pc, rp);
}

int
local_new_password_commit(struct local_login *s)
{
	struct store_err err = { 0 };
	int r;

	if (s->newpw_hash[0] == '\0')
		return 0;
	r = store_auth_set_password(s->lb->env.store, s->user.id, s->newpw_hash,
	    &err);
	local_new_password_drop(s);
	if (r < 0) {
		ua_log(LOG_ERR, "storing the new password failed: %s", err.msg);
		return -EIO;
	}
	local_audit(s, "password", "changed", "new_password_required");
	return 0;
}

void
local_new_password_drop(struct local_login *s)
{
	ua_wipe(s->newpw_hash, sizeof(s->newpw_hash));
}

/*
 * CHPASS: the old password is checked by a worker like a login's, then
 * local_chpass_done applies the new one.
 */
int
local_chpass(struct pool_login *bl, const struct ua_pool_conf *pc,
    const char *old_pw, const char *new_pw, struct pool_reply *rp)
{
	struct local_login *s = (struct local_login *)bl;
	int r;

	(void)pc;
	(void)rp;
	s->expect = POLICY_PASSWORD;
	s->new_password = strdup(new_pw);
	if (s->new_password == NULL)
		return -ENOMEM;
	r = pool_pw_submit(s->lb->env.wq, s->base.conv.owner, old_pw,
	    s->user.hash, false);
	return r < 0 ? r : 1;
}

/*
 * CHPASS, once the old password was checked in a worker: the new one
 * against the pool's policy, then hashed in a worker again
 * (local_chpass_hashed stores it); OK, or FAIL with the reason.
 */
int
local_chpass_done(struct local_login *s, const struct ua_pool_conf *pc, bool ok,
    struct pool_reply *rp)
{
	const char *why;
	int r;

	rp->verdict = (struct pool_verdict){ POOL_FACTOR_PASSWORD, ok,
		ok ? NULL : "bad_old_password" };
	if (pc == NULL)
		return local_unavailable(rp, NULL);
	if (!ok)
		return local_fail(rp, "bad_old_password");
	why = policy_new_password(pc, s->user.login, s->user.email,
	    s->new_password);
	if (why != NULL) {
		rp->message = why;
		return local_fail(rp, "new_password_policy");
	}
	r = pool_pw_submit(s->lb->env.wq, s->base.conv.owner, s->new_password,
	    NULL, true);
	return r < 0 ? r : 1;
}

/* The worker hashed CHPASS's new password: store it. */
int
local_chpass_hashed(struct local_login *s, const char *hash,
    struct pool_reply *rp)
{
	struct store_err err = { 0 };
	int r = -EINVAL;

	if (hash != NULL)
		r = store_auth_set_password(s->lb->env.store, s->user.id, hash,
		    &err);
	if (r < 0) {
		ua_log(LOG_ERR, "storing the new password failed: %s",
		    err.msg[0] ? err.msg : "hash failed");
		return local_unavailable(rp, NULL);
	}
	local_audit(s, "password", "changed", "chauthtok");
	rp->status = POOL_OK;
	rp->user.login = s->user.login;
	return 0;
}
