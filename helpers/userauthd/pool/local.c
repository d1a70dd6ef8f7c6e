/* SPDX-License-Identifier: MIT */
/*
 * The local backend's login steps up to the first factor: the user from
 * the store, invitations, the first challenge, emailed codes, the
 * password check on a worker.  It only ever deals with real users (the
 * conversation fakes the others) and never tells the client anything
 * itself: it fills replies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/mask.h"
#include "client/wipe.h"
#include "server/log.h"
#include "userauthd/otp.h"
#include "userauthd/pool/local_int.h"
#include "userauthd/pool/pwjob.h"

#define INVITE_INFO "Enter the invitation code from your email."

void
local_audit(const struct local_login *s, const char *event, const char *result,
    const char *reason)
{
	s->base.conv.audit(s->base.conv.arg, event, result, reason);
}

int
local_unavailable(struct pool_reply *rp, const char *reason)
{
	rp->status = POOL_UNAVAILABLE;
	rp->reason = reason;
	return 0;
}

int
local_fail(struct pool_reply *rp, const char *reason)
{
	rp->status = POOL_FAIL;
	rp->reason = reason;
	return 0;
}

static int
local_login_new(struct pool_backend *be, const struct pool_conv *conv,
    struct pool_login **ret)
{
	struct local_login *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return -ENOMEM;
	s->base.be = be;
	s->base.conv = *conv;
	s->lb = (struct local_backend *)be;
	*ret = &s->base;
	return 0;
}

static void
local_login_free(struct pool_login *bl)
{
	struct local_login *s = (struct local_login *)bl;

	if (s == NULL)
		return;
	store_auth_user_clear(&s->user);
	ua_erase_free(s->setup_info);
	ua_erase_free(s->new_password);
	ua_freezero(s, sizeof(*s));
}

static int
local_account(struct pool_login *bl, const struct pool_request *rq,
    struct pool_reply *rp)
{
	struct local_login *s = (struct local_login *)bl;
	struct store_err err = { 0 };
	char acct[16];
	int r;

	(void)snprintf(s->pool, sizeof(s->pool), "%s", rq->pool);
	memcpy(s->ident_mac, rq->ident_mac, KEYS_MAC_LEN);
	store_auth_user_clear(&s->user);
	r = store_auth_lookup(s->lb->env.store, rq->pool, rq->ident, &s->user,
	    &err);
	if (r == -ENOENT)
		return local_fail(rp, "unknown");
	if (r < 0) {
		(void)snprintf(s->errmsg, sizeof(s->errmsg), "%s", err.msg);
		rp->error = s->errmsg;
		return local_unavailable(rp, NULL);
	}
	/*
	 * A real user's code budget is the account's, whatever name or
	 * address reached it (S4): login name and email share one.
	 */
	(void)snprintf(acct, sizeof(acct), "u%u", (unsigned)s->user.uid);
	if (keys_mac(s->lb->env.keys, "account", acct, strlen(acct),
		s->ident_mac) < 0)
		return local_unavailable(rp, NULL);
	if (ua_mask_email(s->user.email, s->masked, sizeof(s->masked)) < 0)
		s->masked[0] = '\0';
	rp->status = POOL_OK;
	rp->user = (struct pool_user){ .login = s->user.login,
		.uid = s->user.uid,
		.enabled = s->user.enabled,
		.has_password = s->user.hash != NULL,
		.masked = s->masked[0] != '\0' ? s->masked : NULL,
		.groups = (const char *const *)s->user.groups,
		.ngroups = s->user.ngroups };
	return 0;
}

/*
 * An invited user (no password, a live invitation): EMAIL_OTP answered
 * with the code of the invitation mail; no new code is issued.
 */
static int
ask_invite(struct local_login *s, struct pool_reply *rp)
{
	if (ua_mask_email(s->user.email, s->masked, sizeof(s->masked)) < 0)
		return local_unavailable(rp, NULL);
	s->expect = POLICY_EMAIL_OTP;
	rp->status = POOL_CHALLENGE;
	rp->challenge = POLICY_EMAIL_OTP;
	rp->info = INVITE_INFO;
	rp->destination = s->masked;
	return 0;
}

/* Issue a code (first: a new one, else ask again) and ask for it. */
static int
ask_code(struct local_login *s, const struct ua_pool_conf *pc, bool first,
    struct pool_reply *rp)
{
	const struct pool_local_env *env = &s->lb->env;
	struct store_err err = { 0 };
	struct otp_limits lim;
	struct otp_clock now;
	bool limited = false;
	int r;

	if (pc == NULL)
		return local_unavailable(rp, NULL);
	if (s->invite)
		return ask_invite(s, rp);
	policy_otp_limits(pc, &lim);
	lim.host = s->has_host ? s->host_mac : NULL;
	if (first) {
		now = otp_clock_now();
		s->otp_id = 0;
		s->fake_tries = lim.tries;
		s->code_expires = otp_clock_after(&now, lim.lifetime);
		r = otp_issue(env->store, env->keys, pc, &lim, s->user.id,
		    s->user.email, s->ident_mac, now.wall, &s->otp_id, &limited,
		    &err);
		if (r < 0) {
			ua_log(LOG_ERR, "issuing a code failed: %s", err.msg);
			return local_unavailable(rp, "otp_issue");
		}
		if (s->otp_id > 0 && env->mail_queued != NULL)
			env->mail_queued(env->mail_arg);
		if (limited)
			local_audit(s, "otp", "limited", "issuance_limit");
	}
	if (ua_mask_email(s->user.email, s->masked, sizeof(s->masked)) < 0)
		return local_unavailable(rp, NULL);
	s->expect = POLICY_EMAIL_OTP;
	rp->status = POOL_CHALLENGE;
	rp->challenge = POLICY_EMAIL_OTP;
	rp->destination = s->masked;
	return 0;
}

static int
ask(struct local_login *s, const struct ua_pool_conf *pc,
    enum policy_challenge c, struct pool_reply *rp)
{
	if (c == POLICY_EMAIL_OTP)
		return ask_code(s, pc, true, rp);
	s->expect = c;
	rp->status = POOL_CHALLENGE;
	rp->challenge = c;
	return 0;
}

static int
local_initiate(struct pool_login *bl, const struct pool_request *rq,
    struct pool_reply *rp)
{
	struct local_login *s = (struct local_login *)bl;
	struct store_err err = { 0 };
	struct policy_user pu;
	enum policy_challenge c;
	int r;

	if (rq->host_mac != NULL) {
		memcpy(s->host_mac, rq->host_mac, KEYS_MAC_LEN);
		s->has_host = true;
	}
	(void)snprintf(s->rhost, sizeof(s->rhost), "%s",
	    rq->rhost != NULL ? rq->rhost : "");
	(void)snprintf(s->service, sizeof(s->service), "%s",
	    rq->service != NULL ? rq->service : "");

	if (s->user.hash == NULL) {
		r = otp_find_invite(s->lb->env.store, s->user.id, time(NULL),
		    &s->otp_id, &err);
		if (r < 0) {
			ua_log(LOG_ERR, "login lookup failed: %s", err.msg);
			return local_unavailable(rp, NULL);
		}
		if (s->otp_id > 0) {
			s->invite = true;
			return ask_invite(s, rp);
		}
	}
	pu = (struct policy_user){ .has_password = s->user.hash != NULL,
		.groups = (const char *const *)s->user.groups,
		.ngroups = s->user.ngroups };
	c = policy_first(rq->pc, &pu, rq->preferred);
	if (c == POLICY_NONE) {
		rp->status = POOL_FAKE;
		rp->reason = "no_usable_challenge";
		return 0;
	}
	return ask(s, rq->pc, c, rp);
}

static int
answer_password(struct local_login *s, const struct ua_pool_conf *pc,
    const char *answer, struct pool_reply *rp)
{
	const struct pool_local_env *env = &s->lb->env;
	int r;

	/* Empty: the conversation lets it through only for a code. */
	if (answer[0] == '\0')
		return ask_code(s, pc, true, rp);
	/* No hash: the dummy's cost, and no match to be had. */
	r = pool_pw_submit(env->wq, s->base.conv.owner, answer,
	    s->user.hash ? s->user.hash : env->dummy_hash, false);
	return r < 0 ? r : 1;
}

/*
 * Judge a code: *ret_ok, and the tries it has left.  A code past its
 * deadline by either clock is dead, whatever its row says (the row's
 * expiry is on the wall clock only, which may have been stepped back);
 * an invitation has only its row.  -EIO (logged) when the store fails.
 */
static int
check_code(struct local_login *s, const char *answer, bool *ret_ok,
    unsigned *ret_left)
{
	const struct pool_local_env *env = &s->lb->env;
	struct otp_clock now = otp_clock_now();
	struct store_err err = { 0 };

	*ret_ok = false;
	*ret_left = 0;
	if (!s->invite && otp_clock_passed(&s->code_expires, &now))
		return 0;
	if (s->otp_id > 0) {
		if (otp_verify(env->store, env->keys, s->otp_id, answer,
			now.wall, ret_ok, ret_left, &err) < 0) {
			ua_log(LOG_ERR, "checking a code failed: %s", err.msg);
			return -EIO;
		}
	} else if (s->fake_tries > 0) {
		/*
		 * No code row (past the issuance limits): behave as a live
		 * code that never matches, down to its tries and its expiry.
		 */
		*ret_left = --s->fake_tries;
	}
	return 0;
}

/* What the code asked for has left, spending nothing (0: dead). */
static int
code_left(struct local_login *s, unsigned *ret_left)
{
	struct otp_clock now = otp_clock_now();
	struct store_err err = { 0 };

	*ret_left = 0;
	if (!s->invite && otp_clock_passed(&s->code_expires, &now))
		return 0;
	if (s->otp_id == 0) {
		*ret_left = s->fake_tries;
		return 0;
	}
	if (otp_tries_left(s->lb->env.store, s->otp_id, now.wall, ret_left,
		&err) < 0) {
		ua_log(LOG_ERR, "reading a code failed: %s", err.msg);
		return -EIO;
	}
	return 0;
}

/*
 * An answer that is no code at all (otp_answer_is_code: not 8 bytes) is
 * refused without a try and without a verdict: asked again with what the
 * code has left.  (answer_code judges the conversation's stand-in for an
 * answer refused unjudged as a wrong code: a throttled answer must look
 * like one.)
 */
static int
answer_no_code(struct local_login *s, const struct ua_pool_conf *pc,
    struct pool_reply *rp)
{
	unsigned left = 0;

	if (code_left(s, &left) < 0)
		return local_unavailable(rp, NULL);
	if (left == 0)
		return local_fail(rp, "bad_code");
	rp->retry = "invalid_code";
	rp->tries_left = left;
	return ask_code(s, pc, false, rp);
}

static int
answer_code(struct local_login *s, const struct ua_pool_conf *pc,
    const char *answer, struct pool_reply *rp)
{
	unsigned left = 0;
	bool ok = false;

	if (!otp_answer_is_code(answer) &&
	    strcmp(answer, POOL_UNJUDGED_ANSWER) != 0)
		return answer_no_code(s, pc, rp);
	if (check_code(s, answer, &ok, &left) < 0)
		return local_unavailable(rp, NULL);
	rp->verdict = (struct pool_verdict){ POOL_FACTOR_EMAIL_OTP, ok,
		ok ? NULL : "bad_code" };
	if (ok && s->invite) {
		/*
		 * The invitation is spent: a password must be chosen now,
		 * where the pool has passwords (not one never to be used in
		 * a pool of emailed codes only).
		 */
		local_audit(s, "invite", "accepted", NULL);
		if (pc != NULL && pc->allow_password)
			s->user.must_change = true;
	}
	if (ok)
		return local_after_first_factor(s, pc, rp);
	if (left == 0)
		return local_fail(rp, "bad_code");
	rp->retry = "bad_code";
	rp->tries_left = left;
	return ask_code(s, pc, false, rp);
}

static int
local_respond(struct pool_login *bl, const struct ua_pool_conf *pc,
    enum policy_challenge c, const char *answer, struct pool_reply *rp)
{
	struct local_login *s = (struct local_login *)bl;

	switch (c) {
	case POLICY_PASSWORD:
		return answer_password(s, pc, answer, rp);
	case POLICY_EMAIL_OTP:
		return answer_code(s, pc, answer, rp);
	case POLICY_SELECT:
		return ask(s, pc, policy_parse(answer), rp);
	case POLICY_TOTP:
	case POLICY_MFA_SETUP:
		return local_answer_totp(s, pc, answer, rp);
	case POLICY_NEW_PASSWORD:
		return local_answer_new_password(s, pc, answer, rp);
	case POLICY_NONE:
		break;
	}
	return -EPROTO;
}

/* A password job is back: a check (login or CHPASS) or a new hash. */
static int
local_complete(struct pool_login *bl, const struct ua_pool_conf *pc,
    struct pool_job *job, struct pool_reply *rp)
{
	struct local_login *s = (struct local_login *)bl;
	struct pool_pw_job *j = (struct pool_pw_job *)job;
	bool ok = j->ok;
	int r;

	if (j->make) {
		const char *hash = j->ok ? j->hash : NULL;

		r = s->new_password != NULL
		    ? local_chpass_hashed(s, hash, rp)
		    : local_new_password_hashed(s, pc, hash, rp);
		pool_job_free(&job->wq);
		return r;
	}
	if (j->failed) {
		/* no verdict (libcrypt out of memory): not a wrong password */
		pool_job_free(&job->wq);
		return local_unavailable(rp, "hash_failed");
	}
	pool_job_free(&job->wq);
	if (s->new_password != NULL)
		return local_chpass_done(s, pc, ok, rp);
	rp->verdict = (struct pool_verdict){ POOL_FACTOR_PASSWORD, ok,
		ok ? NULL : "bad_password" };
	if (!ok)
		return local_first_factor_failed(s, pc, "bad_password", rp);
	return local_after_first_factor(s, pc, rp);
}

static int
local_session_open(struct pool_login *bl, struct pool_reply *rp)
{
	struct local_login *s = (struct local_login *)bl;
	struct store_err err = { 0 };
	int r;

	r = store_touch_login(s->lb->env.store, s->user.id, (int64_t)time(NULL),
	    &err);
	if (r < 0)
		return local_unavailable(rp, NULL);
	rp->status = POOL_OK;
	return 0;
}

static int
local_count_code(struct pool_backend *be, const uint8_t *host_mac,
    const struct ua_pool_conf *pc, const uint8_t ident_mac[KEYS_MAC_LEN],
    bool *ret_limited)
{
	const struct pool_local_env *env = &((struct local_backend *)be)->env;
	struct store_err err = { 0 };
	struct otp_limits lim;
	int64_t otp_id = 0;
	int r;

	/* No user: only the issuance is counted, no code, no mail. */
	policy_otp_limits(pc, &lim);
	lim.host = host_mac;
	r = otp_issue(env->store, env->keys, pc, &lim, 0, "", ident_mac,
	    time(NULL), &otp_id, ret_limited, &err);
	if (r < 0)
		ua_log(LOG_ERR, "issuing a code failed: %s", err.msg);
	return r;
}

static int
local_list(struct pool_backend *be, struct store_nss *ret,
    struct store_err *err)
{
	return store_nss_snapshot(((struct local_backend *)be)->env.store, ret,
	    err);
}

static void
local_free(struct pool_backend *be)
{
	free(be);
}

static int
local_mfa_follows_op(struct pool_login *bl, const struct ua_pool_conf *pc,
    bool *ret)
{
	return local_mfa_follows((struct local_login *)bl, pc, ret);
}

static const struct pool_ops local_ops = {
	.name = "local",
	.login_new = local_login_new,
	.login_free = local_login_free,
	.account = local_account,
	.initiate = local_initiate,
	.respond = local_respond,
	.change_password = local_chpass,
	.mfa_follows = local_mfa_follows_op,
	.session_open = local_session_open,
	.complete = local_complete,
	.count_code = local_count_code,
	.list = local_list,
	.free = local_free,
};

int
pool_local_new(const struct pool_local_env *env, struct pool_backend **ret)
{
	struct local_backend *lb = calloc(1, sizeof(*lb));

	if (lb == NULL)
		return -ENOMEM;
	lb->base.ops = &local_ops;
	lb->env = *env;
	*ret = &lb->base;
	return 0;
}
