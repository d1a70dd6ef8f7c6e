/* SPDX-License-Identifier: MIT */
/*
 * The login conversation, the same for every pool backend.  Owns the
 * per-connection session: who is logging in, which challenge is
 * expected, who may log in at all (enabled, the peer's uid, the pool's
 * service rules), the audit log.  The backend (pool/backend.h) picks the
 * challenges and judges the answers; fakes (auth/fake.c) stand in for
 * it.  It must treat unknown, disabled, foreign (a non-root peer asking
 * for another uid) and wrong answers alike: same challenges, messages and
 * work (a dummy hash for passwords), never a mail for a fake.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/frame.h"
#include "client/valid.h"
#include "client/wipe.h"
#include "server/log.h"
#include "userauthd/auth.h"
#include "userauthd/auth/session.h"
#include "userauthd/otp.h"
#include "userauthd/pool/cognito.h"
#include "userauthd/pool/local.h"

#define AUTH_MAX_TTY 64

static int finish(struct auth_ctx *ctx, struct auth_session *s,
    enum auth_call call, int r, const struct pool_reply *rp,
    struct ua_msg *out);

int
auth_start(struct auth_ctx *ctx)
{
	const struct pool_local_env env = { .store = ctx->store,
		.keys = ctx->keys,
		.wq = ctx->wq,
		.dummy_hash = ctx->dummy_hash,
		.mail_queued = ctx->mail_queued,
		.mail_arg = ctx->mail_arg };

	const struct pool_cognito_hooks hooks = { .nss = ctx->nss_extra,
		.arg = ctx->nss_arg,
		.state_dir = ctx->conf->state_dir };
	int r;

	r = pool_local_new(&env, &ctx->local);
	if (r == 0 && ctx->http != NULL) {
		r = pool_cognito_new(ctx->http, ctx->cg_secrets, &hooks,
		    &ctx->cognito);
		if (r == 0)
			ctx->cg_secrets = NULL;
		if (r == 0)
			r = pool_cognito_load(ctx->cognito, ctx->conf);
	}
	return r;
}

uint64_t
auth_tick(struct auth_ctx *ctx, uint64_t now_ms)
{
	return ctx->cognito != NULL
	    ? pool_cognito_tick(ctx->cognito, ctx->conf, now_ms)
	    : 1000;
}

void
auth_backend_job(struct auth_ctx *ctx, struct workq_job *job, uint64_t now_ms)
{
	if (ctx->cognito != NULL)
		pool_cognito_job(ctx->cognito, ctx->conf, job, now_ms);
	else
		pool_job_free(job);
}

void
auth_stop(struct auth_ctx *ctx)
{
	pool_backend_free(ctx->local);
	pool_backend_free(ctx->cognito);
	pool_cognito_secrets_free(ctx->cg_secrets);
	ctx->local = ctx->cognito = NULL;
	ctx->cg_secrets = NULL;
}

/*
 * The backend of the session's pool (one the configuration names:
 * lookup_subject checks); a Cognito pool in a daemon without its
 * backend goes to the local one, and its store answers.
 */
static struct pool_backend *
backend_of(const struct auth_ctx *ctx, const struct auth_session *s)
{
	const struct ua_pool_conf *pc = auth_pool_of(ctx, s);

	switch (pc != NULL ? pc->backend : UA_BACKEND_LOCAL) {
	case UA_BACKEND_COGNITO:
		if (ctx->cognito != NULL)
			return ctx->cognito;
		break;
	case UA_BACKEND_LOCAL:
		break;
	}
	return ctx->local;
}

void
auth_throttle_limits(const struct ua_pool_conf *pc, struct throttle_limits *ret)
{
	*ret = (struct throttle_limits){
		.pair_after = pc->throttle_pair_after,
		.account_after = pc->throttle_account_after,
		.host_after = pc->throttle_host_after,
		.lock_after = pc->lock_after,
		.max_delay = pc->throttle_max_delay,
		.host_window = pc->throttle_host_window,
	};
}

static void
throttle_log(const struct auth_session *s, const struct store_err *err)
{
	char pool[80];

	ua_log(LOG_ERR, "event=throttle pool=%s result=error: %s",
	    ua_log_quote(s->pool, pool, sizeof(pool)), err->msg);
}

/*
 * Before an answer is judged: may it be?  0 and s->unjudged NULL (judge
 * it: it is counted as a failure now, before any work on it) or
 * "throttled" / "locked" (refuse it unjudged, looking like any wrong
 * answer and costing the same store work); < 0 when the counters cannot
 * be read or written: fail closed.
 */
static int
throttle_gate(struct auth_ctx *ctx, struct auth_session *s)
{
	const struct ua_pool_conf *pc = auth_pool_of(ctx, s);
	const struct throttle_who who = { s->pool, s->account, s->trhost };
	struct throttle_limits l;
	struct store_err err = { 0 };
	enum throttle_state st;
	int r;

	s->unjudged = NULL;
	if (pc == NULL || s->account[0] == '\0')
		return 0;
	auth_throttle_limits(pc, &l);
	r = throttle_admit(ctx->store, &l, &who, (int64_t)time(NULL), &st,
	    &err);
	if (r == 0 && st != THROTTLE_OPEN)
		s->unjudged = st == THROTTLE_LOCKED ? "locked" : "throttled";
	else if (r == 0)
		s->charged++;
	if (r < 0)
		throttle_log(s, &err);
	return r;
}

/*
 * A login succeeded: the account's own buckets start afresh (the host's
 * was never charged).  A CHPASS proved only the password: it gives back
 * its one count and resets nothing (a password alone must not wipe TOTP
 * failures).
 */
static void
throttle_reset(struct auth_ctx *ctx, struct auth_session *s, bool login)
{
	const struct ua_pool_conf *pc = auth_pool_of(ctx, s);
	const struct throttle_who who = { s->pool, s->account, s->trhost };
	struct throttle_limits l;
	struct store_err err = { 0 };
	int r;

	if (s->account[0] == '\0' || pc == NULL)
		return;
	auth_throttle_limits(pc, &l);
	r = login ? throttle_succeeded(ctx->store, &who, &err)
		  : throttle_refund(ctx->store, &l, &who, (int64_t)time(NULL),
			s->charged, &err);
	s->charged = 0;
	if (r < 0)
		throttle_log(s, &err);
}

/*
 * A login or CHPASS ended without success (its RESULT is in out), or it
 * was cut off (out NULL): the answers it charged (throttle_charge) are
 * settled.  Those judged wrong go to the host's bucket; the last one goes
 * back instead when it was never judged: the RESULT is UNAVAILABLE
 * (libcrypt, the backend or the store failed on it) or the login was cut
 * off while its check waited for a worker.  Fakes and real users alike:
 * the same store work.
 */
static void
settle_host(struct auth_ctx *ctx, struct auth_session *s,
    const struct ua_msg *out)
{
	const struct ua_pool_conf *pc = auth_pool_of(ctx, s);
	const struct throttle_who who = { s->pool, s->account, s->trhost };
	const char *outcome =
	    out != NULL ? ua_msg_get(out, UA_T_OUTCOME) : NULL;
	struct throttle_limits l;
	struct store_err err = { 0 };
	int64_t now = (int64_t)time(NULL);
	unsigned back;
	int r = 0;

	if (s->charged == 0 || pc == NULL || s->account[0] == '\0' ||
	    (out != NULL &&
		(s->state != S_DONE || outcome == NULL ||
		    strcmp(outcome, "OK") == 0)))
		return;
	back = (out != NULL ? strcmp(outcome, "UNAVAILABLE") == 0
			    : s->state == S_JOB)
	    ? 1
	    : 0;
	auth_throttle_limits(pc, &l);
	if (back > 0)
		r = throttle_refund(ctx->store, &l, &who, now, back, &err);
	if (r == 0)
		r = throttle_failed_host(ctx->store, &l, &who, now,
		    s->charged - back, &err);
	if (r < 0)
		throttle_log(s, &err);
	s->charged = 0;
}

/* The identifier as limits and throttling count it (keys_ident_mac). */
static int
ident_mac_of(const struct auth_ctx *ctx, struct auth_session *s)
{
	return keys_ident_mac(ctx->keys, s->ident, s->ident_mac);
}

/*
 * Whose counters a login's failures go to: a real user's account
 * (whatever name reached it, disabled ones too); a non-root peer asking
 * for somebody else only ever its own (it must not move anyone else's
 * counters); an unknown identifier its keyed hash.  And which host: the
 * remote host root's callers (sshd, su) name; a non-root peer names what
 * it likes, so its failures go to a host of its own, its uid.
 */
static void
account_key(struct auth_session *s, const struct pool_reply *found)
{
	if (found->status == POOL_OK && found->user.provisional)
		throttle_account_ident(s->account, s->ident_mac,
		    sizeof(s->ident_mac));
	else if (found->status == POOL_OK && s->peer_uid != 0 &&
	    s->peer_uid != found->user.uid)
		(void)snprintf(s->account, sizeof(s->account), "p%u",
		    (unsigned)s->peer_uid);
	else if (found->status == POOL_OK)
		throttle_account_user(s->account, (int64_t)found->user.uid);
	else if (s->peer_uid != 0)
		(void)snprintf(s->account, sizeof(s->account), "p%u",
		    (unsigned)s->peer_uid);
	else
		throttle_account_ident(s->account, s->ident_mac,
		    sizeof(s->ident_mac));
	if (s->peer_uid != 0)
		(void)snprintf(s->trhost, sizeof(s->trhost), "local-uid:%u",
		    (unsigned)s->peer_uid);
	else
		(void)snprintf(s->trhost, sizeof(s->trhost), "%s", s->rhost);
}

/* The keyed host code budgets count for (S10), once trhost is known. */
static int
host_mac_of(const struct auth_ctx *ctx, struct auth_session *s)
{
	return keys_mac(ctx->keys, "rhost", s->trhost, strlen(s->trhost),
	    s->host_mac);
}

void
auth_session_free(struct auth_session *sess)
{
	if (sess == NULL)
		return;
	if (sess->bl != NULL)
		sess->bl->be->ops->login_free(sess->bl);
	ua_erase_free(sess->old_password);
	ua_erase_free(sess->new_password);
	ua_freezero(sess, sizeof(*sess));
}

void
auth_job_free(struct workq_job *job)
{
	pool_job_free(job);
}

const struct ua_pool_conf *
auth_pool_of(const struct auth_ctx *ctx, const struct auth_session *s)
{
	return ua_conf_pool(ctx->conf, s->pool);
}

void
auth_abandoned(struct auth_ctx *ctx, struct auth_session *s, const char *why)
{
	/* a login or password change cut off before its RESULT: waiting
	 * for a worker, or for the answer to a prompt */
	if (s != NULL &&
	    (s->state == S_JOB ||
		(s->state == S_ANSWER &&
		    (s->kind == K_LOGIN || s->kind == K_CHPASS)))) {
		auth_audit(s, "auth", "abandoned", why);
		settle_host(ctx, s, NULL);
	}
}

/* Copy an optional text field into a fixed buffer: printable, bounded. */
static int
take_text(const struct ua_msg *in, uint16_t tag, char *out, size_t outsz,
    bool required)
{
	const char *v = ua_msg_get(in, tag);
	size_t i, n;

	out[0] = '\0';
	if (v == NULL)
		return required ? -EBADMSG : 0;
	n = strlen(v);
	if (n >= outsz || !ua_valid_utf8(v, n))
		return -EBADMSG;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return -EBADMSG;
	memcpy(out, v, n + 1);
	return 0;
}

static void
request_of(const struct auth_ctx *ctx, const struct auth_session *s,
    struct pool_request *rq)
{
	*rq = (struct pool_request){ .pc = auth_pool_of(ctx, s),
		.pool = s->pool,
		.ident = s->ident,
		.ident_mac = s->ident_mac,
		.service = s->service,
		.rhost = s->rhost,
		.host_mac = s->trhost[0] != '\0' || s->account[0] != '\0'
		    ? s->host_mac
		    : NULL,
		.preferred = s->preferred,
		.login = s->kind == K_LOGIN };
}

/*
 * The subject of a request, one intake for every phase: POOL and USER,
 * and for all but SESSION the SERVICE and optional RHOST; a pool the
 * configuration names; then the backend's login for the request and
 * the user it names (judged by subject_verdict when it answers).
 */
static int
lookup_subject(struct auth_ctx *ctx, struct auth_session *s,
    enum auth_kind kind, const struct ua_msg *in, struct ua_msg *out)
{
	struct pool_backend *be;
	const struct pool_conv conv = { .owner = s->owner,
		.audit = auth_conv_audit,
		.arg = s };
	struct pool_reply rp = { 0 };
	struct pool_request rq;
	bool named = kind != K_SESSION;
	char pq[80];
	int r;

	if (take_text(in, UA_T_POOL, s->pool, sizeof(s->pool), true) < 0 ||
	    take_text(in, UA_T_USER, s->ident, sizeof(s->ident), true) < 0 ||
	    take_text(in, UA_T_SERVICE, s->service, sizeof(s->service), named) <
		0 ||
	    take_text(in, UA_T_RHOST, s->rhost, sizeof(s->rhost), false) < 0)
		return -EBADMSG;
	s->kind = kind;
	if (auth_pool_of(ctx, s) == NULL) {
		if (kind != K_LOGIN)
			return auth_unavailable(s, out, NULL);
		ua_log(LOG_ERR,
		    "login for unknown pool %s (check the PAM "
		    "module's pool= option)",
		    ua_log_quote(s->pool, pq, sizeof(pq)));
		return auth_unavailable(s, out, "unknown_pool");
	}
	r = ident_mac_of(ctx, s);
	if (r < 0)
		return auth_unavailable(s, out, NULL);
	be = backend_of(ctx, s);
	r = be->ops->login_new(be, &conv, &s->bl);
	if (r < 0)
		return r;
	request_of(ctx, s, &rq);
	r = be->ops->account(s->bl, &rq, &rp);
	return finish(ctx, s, C_ACCOUNT, r, &rp, out);
}

/*
 * Who the user found is to this request, the same for every phase: an
 * enabled user the peer may speak for, or why not.  A non-root peer
 * speaks only for its own uid; a provisional user's uid is known only
 * after sign-in, so a non-root peer cannot be that user.  Each phase
 * says what a verdict gives (login and chpass: a fake, its audit reason
 * from subject_reason; acct: FAIL, or DENIED for a disabled user;
 * session: FAIL but for a disabled user, whose session is still
 * recorded).
 */
enum subject { SUBJ_OK, SUBJ_UNKNOWN, SUBJ_FOREIGN, SUBJ_DISABLED };

static const char *const subject_reason[] = {
	[SUBJ_OK] = NULL,
	[SUBJ_UNKNOWN] = "unknown",
	[SUBJ_FOREIGN] = "foreign_peer",
	[SUBJ_DISABLED] = "disabled",
};

static enum subject
subject_verdict(const struct auth_session *s, const struct pool_reply *rp)
{
	if (rp->status != POOL_OK)
		return SUBJ_UNKNOWN;
	if (s->peer_uid != 0 &&
	    (rp->user.provisional || s->peer_uid != rp->user.uid))
		return SUBJ_FOREIGN;
	if (!rp->user.enabled)
		return SUBJ_DISABLED;
	return SUBJ_OK;
}

/*
 * ->account could not tell (POOL_UNAVAILABLE): logged with the backend's
 * error, for the phase what names; the audit reason of the failure.
 */
static const char *
lookup_failed(const char *what, const struct pool_reply *found)
{
	ua_log(LOG_ERR, "%s lookup failed: %s", what,
	    found->error ? found->error : "unknown error");
	return found->reason ? found->reason : "user_lookup";
}

/*
 * The audit line of ACCT and SESSION: no challenge, the login the
 * backend found (NULL: the identifier as asked, auth_log_ident).
 */
static void
phase_audit(const struct auth_session *s, const char *event, const char *login,
    const char *result, const char *reason)
{
	char user[80], service[80], rhost[80], pool[80];

	ua_log(LOG_NOTICE,
	    "event=%s pool=%s user=%s service=%s rhost=%s result=%s%s%s", event,
	    ua_log_quote(s->pool, pool, sizeof(pool)),
	    login != NULL ? ua_log_quote(login, user, sizeof(user))
			  : auth_log_ident(s, user, sizeof(user)),
	    ua_log_quote(s->service, service, sizeof(service)),
	    ua_log_quote(s->rhost, rhost, sizeof(rhost)), result,
	    reason ? " reason=" : "", reason ? reason : "");
}

/* INITIATE: the user is known (or not); the first challenge. */
static int
login_found(struct auth_ctx *ctx, struct auth_session *s,
    const struct pool_reply *found, struct ua_msg *out)
{
	struct pool_reply rp = { 0 };
	struct pool_request rq;
	int r;

	/* audited too: every login attempt leaves its event=auth line */
	if (found->status == POOL_UNAVAILABLE)
		return auth_unavailable(s, out, lookup_failed("login", found));
	s->fake = subject_reason[subject_verdict(s, found)];
	/* a disabled or foreign user's code prompt names its real address */
	if (s->fake != NULL && found->status == POOL_OK &&
	    found->user.masked != NULL)
		(void)snprintf(s->masked, sizeof(s->masked), "%s",
		    found->user.masked);
	if (s->fake != NULL)
		return auth_fake_start(ctx, s, out);
	request_of(ctx, s, &rq);
	if (rq.pc == NULL)
		return auth_unavailable(s, out, NULL);
	r = s->bl->be->ops->initiate(s->bl, &rq, &rp);
	return finish(ctx, s, C_INITIATE, r, &rp, out);
}

/* CHPASS: the user is known (or not); the old password is checked. */
static int
chpass_found(struct auth_ctx *ctx, struct auth_session *s,
    const struct pool_reply *found, struct ua_msg *out)
{
	struct pool_reply rp = { 0 };
	bool valid;
	int r;

	if (found->status == POOL_UNAVAILABLE)
		return auth_unavailable(s, out,
		    lookup_failed("password change", found));
	s->fake = subject_reason[subject_verdict(s, found)];
	if (s->fake == NULL && !found->user.has_password)
		s->fake = "no_password";
	valid = ua_valid_password(s->old_password, strlen(s->old_password),
		    NULL) == 0;
	if (!valid)
		s->fake = s->fake ? s->fake : "invalid_password";
	if (throttle_gate(ctx, s) < 0)
		return auth_unavailable(s, out, "throttle_store");
	if (s->unjudged != NULL && s->fake == NULL)
		s->fake = s->unjudged;
	if (s->fake != NULL)
		r = auth_fake_check(ctx, s, valid ? s->old_password : "");
	else
		r = s->bl->be->ops->change_password(s->bl, auth_pool_of(ctx, s),
		    s->old_password, s->new_password, &rp);
	/* Whoever checks them holds copies now. */
	ua_erase_free(s->old_password);
	ua_erase_free(s->new_password);
	s->old_password = s->new_password = NULL;
	if (s->fake != NULL)
		return r;
	return finish(ctx, s, C_CHPASS, r, &rp, out);
}

/* ACCT: enabled, and allowed for this pool and service. */
static int
acct_found(struct auth_ctx *ctx, struct auth_session *s,
    const struct pool_reply *found, struct ua_msg *out)
{
	const struct ua_pool_conf *pc = auth_pool_of(ctx, s);
	const struct pool_user *u = &found->user;
	struct policy_user pu;
	enum subject why = subject_verdict(s, found);
	bool foreign = why == SUBJ_FOREIGN;
	const char *outcome;

	if (pc == NULL)
		return auth_unavailable(s, out, NULL);
	if (found->status == POOL_UNAVAILABLE) {
		phase_audit(s, "account", NULL, "error",
		    lookup_failed("account", found));
		return auth_unavailable(s, out, NULL);
	}
	/* a non-root peer learns nothing of other users: as unknown */
	if (why == SUBJ_OK) {
		pu = (struct policy_user){ .has_password = u->has_password,
			.groups = u->groups,
			.ngroups = u->ngroups };
		outcome = policy_service_allowed(pc, s->service, &pu)
		    ? "OK"
		    : "DENIED";
	} else
		outcome = why == SUBJ_DISABLED ? "DENIED" : "FAIL";
	phase_audit(s, "account", foreign ? NULL : u->login, outcome,
	    foreign ? "foreign_peer" : NULL);
	return auth_result(s, out, outcome, foreign ? NULL : u->login);
}

/* SESSION: the user is known to be the peer; record the login. */
static int
session_found(struct auth_ctx *ctx, struct auth_session *s,
    const struct pool_reply *found, struct ua_msg *out)
{
	enum subject why = subject_verdict(s, found);
	struct pool_reply rp = { 0 };
	int r;

	if (found->status == POOL_UNAVAILABLE) {
		phase_audit(s, "session", NULL, "error",
		    lookup_failed("session", found));
		return auth_unavailable(s, out, NULL);
	}
	if (why != SUBJ_OK && why != SUBJ_DISABLED)
		return auth_result(s, out, "FAIL", NULL);
	r = s->bl->be->ops->session_open(s->bl, &rp);
	return finish(ctx, s, C_SESSION, r, &rp, out);
}

/* A reply to INITIATE or RESPOND. */
static int
login_reply(struct auth_ctx *ctx, struct auth_session *s,
    const struct pool_reply *rp, struct ua_msg *out)
{
	switch (rp->status) {
	case POOL_CHALLENGE:
		return auth_ask(ctx, s, rp, out);
	case POOL_OK:
		throttle_reset(ctx, s, true);
		return auth_success(s, &rp->user, out);
	case POOL_FAIL:
		if (rp->before_mfa)
			return auth_first_factor_failed(ctx, s, rp->reason,
			    out);
		return auth_fail(s, out, rp->reason);
	case POOL_FAKE:
		s->fake = rp->reason;
		return auth_fake_start(ctx, s, out);
	case POOL_UNAVAILABLE:
		break;
	}
	return auth_unavailable_saying(s, out, rp->reason, rp->message);
}

static int
chpass_reply(struct auth_ctx *ctx, struct auth_session *s,
    const struct pool_reply *rp, struct ua_msg *out)
{
	const char *message = rp->message;

	switch (rp->status) {
	case POOL_OK:
		throttle_reset(ctx, s, false);
		return auth_result(s, out, "OK", rp->user.login);
	case POOL_FAIL:
		if (message == NULL &&
		    rp->verdict.factor == POOL_FACTOR_PASSWORD &&
		    !rp->verdict.ok)
			message = AUTH_OLD_WRONG;
		return auth_fail_saying(s, out, rp->reason, message);
	default:
		break;
	}
	return auth_unavailable(s, out, rp->reason);
}

/*
 * A backend call returned r with reply rp (or pending): the verdict to
 * the hook, a retry to the audit, then on with the request.
 */
static int
finish(struct auth_ctx *ctx, struct auth_session *s, enum auth_call call, int r,
    const struct pool_reply *rp, struct ua_msg *out)
{
	if (r < 0)
		return r;
	if (r == 1) {
		s->state = S_JOB;
		s->pending = call;
		s->fake_job = false;
		return 1;
	}
	if (rp->retry != NULL)
		auth_audit(s, "auth", "retry", rp->retry);
	switch (call) {
	case C_ACCOUNT:
		if (rp->status != POOL_UNAVAILABLE) {
			account_key(s, rp);
			if (host_mac_of(ctx, s) < 0)
				return auth_unavailable(s, out, NULL);
		}
		if (s->kind == K_LOGIN)
			return login_found(ctx, s, rp, out);
		if (s->kind == K_CHPASS)
			return chpass_found(ctx, s, rp, out);
		if (s->kind == K_ACCT)
			return acct_found(ctx, s, rp, out);
		return session_found(ctx, s, rp, out);
	case C_INITIATE:
	case C_RESPOND:
		return login_reply(ctx, s, rp, out);
	case C_CHPASS:
		return chpass_reply(ctx, s, rp, out);
	case C_SESSION:
		return auth_result(s, out,
		    rp->status == POOL_OK ? "OK" : "UNAVAILABLE", NULL);
	}
	return -EPROTO;
}

int
auth_job_done(struct auth_ctx *ctx, struct auth_session *s,
    struct workq_job *job, struct ua_msg *out)
{
	struct pool_reply rp = { 0 };
	int r;

	if (s->state != S_JOB) {
		pool_job_free(job);
		return -EPROTO;
	}
	if (s->fake_job)
		r = auth_fake_job_done(ctx, s, job, out);
	else
		r = finish(ctx, s, s->pending,
		    s->bl->be->ops->complete(s->bl, auth_pool_of(ctx, s),
			(struct pool_job *)job, &rp),
		    &rp, out);
	if (r == 0)
		settle_host(ctx, s, out);
	return r;
}

/*
 * An answer to a code challenge: its reply goes out no sooner than
 * otp_min_answer_age after the challenge and otp_answer_delay_ms after
 * the answer, for every user alike.  A real user's wrong code takes a
 * fraction of a millisecond longer than a made-up one's (its mail may be
 * on its way, its row is read and written), which an attacker on the
 * socket can measure (BENCHMARKS.md, enumeration by timing): the first
 * hides the mail, the second the row's work however late the answer.
 */
static void
hold_code_reply(const struct auth_ctx *ctx, struct auth_session *s)
{
	const struct ua_pool_conf *pc = auth_pool_of(ctx, s);
	int64_t asked, answered;

	s->hold_until = 0;
	if (pc == NULL || s->state != S_ANSWER ||
	    s->expect != POLICY_EMAIL_OTP || s->code_asked <= 0)
		return;
	asked = s->code_asked + (int64_t)pc->otp_min_answer_age * 1000000000;
	answered = ua_now_ns() + (int64_t)pc->otp_answer_delay_ms * 1000000;
	s->hold_until = asked > answered ? asked : answered;
}

int64_t
auth_hold_until(const struct auth_session *s)
{
	return s != NULL ? s->hold_until : 0;
}

static int
initiate(struct auth_ctx *ctx, struct auth_session *s, const struct ua_msg *in,
    struct ua_msg *out)
{
	char tty[AUTH_MAX_TTY + 1], pref[32];

	if (take_text(in, UA_T_TTY, tty, sizeof(tty), false) < 0 ||
	    take_text(in, UA_T_PREFERRED, pref, sizeof(pref), false) < 0)
		return -EBADMSG;
	s->preferred = policy_parse(pref);
	return lookup_subject(ctx, s, K_LOGIN, in, out);
}

/*
 * Does an answer to c of n bytes try a factor (a guess to throttle)?
 * Every answer to a factor does, empty ones too, but for the empty
 * password that asks for a code instead where the pool allows that.
 */
static bool
factor_answer(const struct ua_pool_conf *pc, enum policy_challenge c, size_t n)
{
	switch (c) {
	case POLICY_PASSWORD:
		return n > 0 || pc == NULL || !policy_code_fallback(pc);
	case POLICY_EMAIL_OTP:
	case POLICY_TOTP:
	case POLICY_MFA_SETUP:
		return true;
	default:
		return false;
	}
}

/*
 * The answer to the challenge asked.  Fakes and doomed TOTPs answer
 * themselves; so does a password that cannot be one (the dummy hash
 * then, as for a fake), unless it is the empty answer that asks for a
 * code.
 */
static int
respond(struct auth_ctx *ctx, struct auth_session *s, const struct ua_msg *in,
    struct ua_msg *out)
{
	const char *ch = ua_msg_get(in, UA_T_CHALLENGE);
	const char *answer = ua_msg_get(in, UA_T_ANSWER);
	const struct ua_pool_conf *pc = auth_pool_of(ctx, s);
	struct pool_reply rp = { 0 };
	enum policy_challenge pick;
	size_t n;
	int r;

	if (s->state != S_ANSWER || answer == NULL ||
	    policy_parse(ch) != s->expect || s->expect == POLICY_NONE)
		return -EPROTO;
	if (s->expect == POLICY_SELECT) {
		pick = policy_parse(answer);
		if (pick != POLICY_PASSWORD && pick != POLICY_EMAIL_OTP)
			return -EPROTO;
	}
	n = strlen(answer);
	/* S13: an empty password in a required-MFA pool is just wrong. */
	if (s->expect == POLICY_PASSWORD && s->fake == NULL &&
	    !(n == 0 && pc != NULL && policy_code_fallback(pc)) &&
	    ua_valid_password(answer, n, NULL) < 0)
		s->fake = "invalid_password";
	s->unjudged = NULL;
	if (factor_answer(pc, s->expect, n) && throttle_gate(ctx, s) < 0)
		return auth_unavailable(s, out, "throttle_store");
	if (s->unjudged != NULL && s->fake == NULL && s->mfa_doomed == NULL) {
		/*
		 * Refused unjudged, and it must look like a wrong answer: a
		 * password costs the dummy hash and fails as a wrong one
		 * does; a code goes to the backend as one that cannot match
		 * (an emailed "code" that is no code stays as it is: it is
		 * refused without a try either way).
		 */
		if (s->expect == POLICY_PASSWORD) {
			s->fake = s->unjudged;
			s->real_unjudged = true;
		} else if (s->expect != POLICY_EMAIL_OTP ||
		    otp_answer_is_code(answer))
			answer = POOL_UNJUDGED_ANSWER;
	}
	if (s->fake != NULL || s->mfa_doomed != NULL)
		return auth_fake_respond(ctx, s, answer, out);
	r = s->bl->be->ops->respond(s->bl, pc, s->expect, answer, &rp);
	return finish(ctx, s, C_RESPOND, r, &rp, out);
}

/*
 * CHPASS: POOL, USER, SERVICE, OLD_PASSWORD, NEW_PASSWORD.  The old
 * password is checked by a worker like a login's (unknown, disabled and
 * foreign users hash against the dummy and fail alike), then the backend
 * applies the new one.
 */
static int
chpass(struct auth_ctx *ctx, struct auth_session *s, const struct ua_msg *in,
    struct ua_msg *out)
{
	const char *old = ua_msg_get(in, UA_T_OLD_PASSWORD);
	const char *new = ua_msg_get(in, UA_T_NEW_PASSWORD);

	if (old == NULL || new == NULL)
		return -EBADMSG;
	s->expect = POLICY_PASSWORD;
	s->old_password = strdup(old);
	s->new_password = strdup(new);
	if (s->old_password == NULL || s->new_password == NULL)
		return -ENOMEM;
	return lookup_subject(ctx, s, K_CHPASS, in, out);
}

int
auth_handle(struct auth_ctx *ctx, struct auth_session **sessp,
    const struct ucred *peer, uint64_t owner, const struct ua_msg *in,
    struct ua_msg *out)
{
	struct auth_session *s = *sessp;
	int r;

	if (in->type == UA_MSG_RESPOND) {
		if (s == NULL)
			return -EPROTO;
		hold_code_reply(ctx, s);
		r = respond(ctx, s, in, out);
		if (r == 0)
			settle_host(ctx, s, out);
		return r;
	}
	/* Every other request starts afresh on this connection (a login
	 * left unfinished is settled and audited first). */
	auth_abandoned(ctx, s, "restarted");
	auth_session_free(s);
	s = calloc(1, sizeof(*s));
	*sessp = s;
	if (s == NULL)
		return -ENOMEM;
	s->owner = owner;
	s->peer_uid = peer->uid;
	switch (in->type) {
	case UA_MSG_INITIATE:
		r = initiate(ctx, s, in, out);
		break;
	case UA_MSG_ACCT:
		return lookup_subject(ctx, s, K_ACCT, in, out);
	case UA_MSG_SESSION:
		return lookup_subject(ctx, s, K_SESSION, in, out);
	case UA_MSG_CHPASS:
		r = chpass(ctx, s, in, out);
		break;
	default:
		return -EPROTO;
	}
	if (r == 0)
		settle_host(ctx, s, out);
	return r;
}
