/* SPDX-License-Identifier: MIT */
/*
 * The Cognito pool backend: the conversation's challenges translated to
 * Cognito's USER_AUTH flow and back (a translation, not a second state
 * machine: Cognito decides what comes next).  Every request is a job
 * whose HTTP transfer runs in the HTTP thread; ->complete reads the
 * answer.  Success is only ever an AuthenticationResult whose ID token
 * verifies (RS256 against the pool's JWKS, iss, aud, token_use, exp):
 * never the absence of an error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/wipe.h"
#include "server/log.h"
#include "userauthd/nss/nsscache.h"
#include "userauthd/pool/cognito_int.h"

const char *const cg_op_names[] = {
	[OP_INITIATE] = "InitiateAuth",
	[OP_RESPOND] = "RespondToAuthChallenge",
	[OP_ASSOCIATE] = "AssociateSoftwareToken",
	[OP_VERIFY] = "VerifySoftwareToken",
	[OP_CHANGE] = "ChangePassword",
	[OP_JWKS] = "the JWKS",
};

struct cg_job {
	struct pool_job pj;
	struct http_req rq;
	enum cg_op op;
};

static void
job_free(struct pool_job *pj)
{
	struct cg_job *j = (struct cg_job *)pj;

	http_req_clear(&j->rq);
	free(j);
}

static const struct ua_pool_conf *
pool_of(const struct cg_login *l, const struct ua_pool_conf *pc)
{
	return pc != NULL && strcmp(pc->name, l->pool) == 0 ? pc : NULL;
}

int
cg_unavailable(struct pool_reply *rp, const char *reason)
{
	rp->status = POOL_UNAVAILABLE;
	rp->reason = reason;
	return 0;
}

/* Send op with body; 1 (pending) or a reply. */
int
cg_submit(struct cg_login *l, const struct ua_pool_conf *pc, enum cg_op op,
    json_t *body, struct pool_reply *rp)
{
	struct cg_job *j;
	int r;

	if (++l->trips > CG_MAX_ROUND_TRIPS) {
		json_decref(body);
		ua_log(LOG_ERR,
		    "cognito pool %s: more than %d requests for "
		    "one login; giving up",
		    l->pool, CG_MAX_ROUND_TRIPS);
		return cg_unavailable(rp, "cognito_loop");
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		json_decref(body);
		return -ENOMEM;
	}
	j->pj.free = job_free;
	j->pj.wq.owner = l->base.conv.owner;
	j->op = op;
	r = op == OP_JWKS ? cg_request_jwks(&j->rq, pc)
			  : cg_request(&j->rq, pc, cg_op_names[op], body);
	j->rq.job = &j->pj.wq;
	if (r == 0)
		r = http_submit(l->cb->http, &j->rq);
	if (r < 0) {
		job_free(&j->pj);
		return r == -ENOMEM ? r : cg_unavailable(rp, "cognito_request");
	}
	return 1;
}

/* {"ClientId", "ChallengeName", "Session", "ChallengeResponses"}. */
int
cg_respond_with(struct cg_login *l, const struct ua_pool_conf *pc,
    const char *challenge, json_t *responses, struct pool_reply *rp)
{
	json_t *b = json_object();

	if (b == NULL || responses == NULL ||
	    json_object_set_new(b, "ClientId",
		json_string(pc->cognito_client_id)) < 0 ||
	    json_object_set_new(b, "ChallengeName", json_string(challenge)) <
		0 ||
	    json_object_set_new(b, "Session", json_string(l->session)) < 0 ||
	    json_object_set_new(b, "ChallengeResponses", responses) < 0) {
		json_decref(b);
		return -ENOMEM;
	}
	return cg_submit(l, pc, OP_RESPOND, b, rp);
}

int
cg_initiate_auth(struct cg_login *l, const struct ua_pool_conf *pc,
    const char *rhost, struct pool_reply *rp)
{
	json_t *b = json_object(), *ap;

	l->sent_preference = l->preferred == POLICY_EMAIL_OTP && !l->chpass;
	ap = l->sent_preference
	    ? PARAMS(l, pc, "PREFERRED_CHALLENGE", "EMAIL_OTP")
	    : PARAMS(l, pc, NULL);
	if (b == NULL || ap == NULL ||
	    json_object_set_new(b, "AuthFlow", json_string("USER_AUTH")) < 0 ||
	    json_object_set_new(b, "ClientId",
		json_string(pc->cognito_client_id)) < 0 ||
	    json_object_set_new(b, "AuthParameters", ap) < 0 ||
	    (rhost != NULL && *rhost != '\0' &&
		strspn(rhost, "0123456789abcdefABCDEF.:") == strlen(rhost) &&
		json_object_set_new(b, "UserContextData",
		    json_pack("{s:s}", "IpAddress", rhost)) < 0)) {
		json_decref(b);
		return -ENOMEM;
	}
	return cg_submit(l, pc, OP_INITIATE, b, rp);
}

int
cg_ask(struct cg_login *l, enum policy_challenge c, struct pool_reply *rp)
{
	rp->status = POOL_CHALLENGE;
	rp->challenge = c;
	if (c == POLICY_PASSWORD)
		rp->no_code_hint =
		    !(l->offers_email && l->step == CG_SELECT_CHALLENGE);
	if (c == POLICY_EMAIL_OTP && l->destination[0] != '\0')
		rp->destination = l->destination;
	if (c == POLICY_SELECT)
		rp->available = "PASSWORD,EMAIL_OTP";
	if (c == POLICY_MFA_SETUP)
		rp->info = l->setup_info;
	return 0;
}

int
cg_fail(struct pool_reply *rp, const char *reason, const char *message)
{
	rp->status = POOL_FAIL;
	rp->reason = reason;
	rp->message = message;
	return 0;
}

void
cg_judged(struct cg_login *l, struct pool_reply *rp, bool ok,
    const char *reason)
{
	if (l->judging == POOL_FACTOR_NONE)
		return;
	rp->verdict = (struct pool_verdict){ .factor = l->judging,
		.ok = ok,
		.reason = reason };
	l->judging = POOL_FACTOR_NONE;
}

/* A wrong code: asked again while tries remain. */
int
cg_wrong_code(struct cg_login *l, enum policy_challenge c,
    struct pool_reply *rp)
{
	cg_judged(l, rp, false, "bad_code");
	if (l->tries > 0)
		l->tries--;
	if (l->tries == 0)
		return cg_fail(rp, "bad_code", NULL);
	rp->retry = "bad_code";
	rp->tries_left = l->tries;
	return cg_ask(l, c, rp);
}

static int
cg_complete(struct pool_login *bl, const struct ua_pool_conf *pc,
    struct pool_job *pj, struct pool_reply *rp)
{
	struct cg_login *l = (struct cg_login *)bl;
	struct cg_job *j = (struct cg_job *)pj;
	struct cg_answer a;
	int r;

	pc = pool_of(l, pc);
	if (pc == NULL) {
		job_free(pj);
		return cg_unavailable(rp, "pool_gone");
	}
	if (j->op == OP_JWKS) {
		r = cg_on_jwks(l, pc, &j->rq, rp);
		job_free(pj);
		return r;
	}
	cg_answer_read(&j->rq, &a);
	r = cg_on_answer(l, pc, j->op, &a, rp);
	cg_answer_clear(&a);
	job_free(pj);
	return r;
}

static int
cg_account(struct pool_login *bl, const struct pool_request *rq,
    struct pool_reply *rp)
{
	struct cg_login *l = (struct cg_login *)bl;
	const struct cg_user *u;

	(void)snprintf(l->pool, sizeof(l->pool), "%s", rq->pool);
	(void)snprintf(l->ident, sizeof(l->ident), "%s", rq->ident);
	(void)snprintf(l->username, sizeof(l->username), "%s", rq->ident);
	if (cg_synced_find(l->cb, rq->pool, rq->ident, &rp->user, l->groups,
		CG_MAX_GROUPS) == 0) {
		rp->status = POOL_OK;
		return 0;
	}
	u = cg_recent_find(l->cb, rq->pool, rq->ident, time(NULL));
	if (u != NULL && !rq->login) {
		rp->status = POOL_OK;
		rp->user = (struct pool_user){ .login = u->login,
			.uid = u->uid,
			.enabled = true,
			.has_password = true,
			.groups = (const char *const *)u->groups,
			.ngroups = u->ngroups };
		return 0;
	}
	if (rq->login) {
		rp->status = POOL_OK;
		rp->user = (struct pool_user){ .login = l->ident,
			.enabled = true,
			.has_password = true,
			.provisional = true };
		return 0;
	}
	rp->status = POOL_FAIL;
	rp->reason = "unknown";
	return 0;
}

static int
cg_initiate(struct pool_login *bl, const struct pool_request *rq,
    struct pool_reply *rp)
{
	struct cg_login *l = (struct cg_login *)bl;

	l->preferred = rq->preferred;
	return cg_initiate_auth(l, rq->pc, rq->rhost, rp);
}

static int
cg_respond(struct pool_login *bl, const struct ua_pool_conf *pc,
    enum policy_challenge c, const char *answer, struct pool_reply *rp)
{
	struct cg_login *l = (struct cg_login *)bl;
	bool unjudged = strcmp(answer, POOL_UNJUDGED_ANSWER) == 0;
	json_t *b;

	pc = pool_of(l, pc);
	if (pc == NULL || l->session == NULL)
		return cg_unavailable(rp, "pool_gone");
	switch (c) {
	case POLICY_SELECT:
		if (strcmp(answer, "EMAIL_OTP") == 0)
			return cg_respond_with(l, pc, "SELECT_CHALLENGE",
			    PARAMS(l, pc, "ANSWER", "EMAIL_OTP"), rp);
		return cg_ask(l, POLICY_PASSWORD, rp);
	case POLICY_PASSWORD:
		if (*answer == '\0' && l->offers_email &&
		    l->step == CG_SELECT_CHALLENGE)
			return cg_respond_with(l, pc, "SELECT_CHALLENGE",
			    PARAMS(l, pc, "ANSWER", "EMAIL_OTP"), rp);
		l->judging = POOL_FACTOR_PASSWORD;
		if (*answer == '\0') {
			cg_judged(l, rp, false, "bad_password");
			rp->before_mfa = pc->mfa == UA_MFA_REQUIRED;
			return cg_fail(rp, "bad_password", NULL);
		}
		if (l->step == CG_SELECT_CHALLENGE)
			return cg_respond_with(l, pc, "SELECT_CHALLENGE",
			    PARAMS(l, pc, "ANSWER", "PASSWORD", "PASSWORD",
				answer),
			    rp);
		return cg_respond_with(l, pc, "PASSWORD",
		    PARAMS(l, pc, "PASSWORD", answer), rp);
	case POLICY_EMAIL_OTP:
	case POLICY_TOTP:
		l->judging =
		    c == POLICY_TOTP ? POOL_FACTOR_TOTP : POOL_FACTOR_EMAIL_OTP;
		if (unjudged)
			return cg_wrong_code(l, c, rp);
		if (c == POLICY_TOTP)
			return cg_respond_with(l, pc, "SOFTWARE_TOKEN_MFA",
			    PARAMS(l, pc, "SOFTWARE_TOKEN_MFA_CODE", answer),
			    rp);
		return cg_respond_with(l, pc, "EMAIL_OTP",
		    PARAMS(l, pc, "EMAIL_OTP_CODE", answer), rp);
	case POLICY_MFA_SETUP:
		l->judging = POOL_FACTOR_TOTP;
		if (unjudged)
			return cg_wrong_code(l, c, rp);
		b = json_pack("{s:s,s:s}", "Session", l->session, "UserCode",
		    answer);
		return b != NULL ? cg_submit(l, pc, OP_VERIFY, b, rp) : -ENOMEM;
	case POLICY_NEW_PASSWORD:
		return cg_respond_with(l, pc, "NEW_PASSWORD_REQUIRED",
		    PARAMS(l, pc, "NEW_PASSWORD", answer), rp);
	default:
		break;
	}
	return cg_unavailable(rp, "unexpected_answer");
}

static int
cg_change_password(struct pool_login *bl, const struct ua_pool_conf *pc,
    const char *old_pw, const char *new_pw, struct pool_reply *rp)
{
	struct cg_login *l = (struct cg_login *)bl;

	pc = pool_of(l, pc);
	if (pc == NULL)
		return cg_unavailable(rp, "pool_gone");
	l->chpass = true;
	l->old_pw = strdup(old_pw);
	l->new_pw = strdup(new_pw);
	if (l->old_pw == NULL || l->new_pw == NULL)
		return -ENOMEM;
	return cg_initiate_auth(l, pc, NULL, rp);
}

static int
cg_session_open(struct pool_login *bl, struct pool_reply *rp)
{
	(void)bl;
	rp->status = POOL_OK;
	return 0;
}

static int
cg_list(struct pool_backend *be, struct store_nss *ret, struct store_err *err)
{
	(void)be;
	(void)err;
	memset(ret, 0, sizeof(*ret));
	return 0;
}

static int
cg_login_new(struct pool_backend *be, const struct pool_conv *conv,
    struct pool_login **ret)
{
	struct cg_login *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return -ENOMEM;
	l->base.be = be;
	l->base.conv = *conv;
	l->cb = (struct cognito_backend *)be;
	*ret = &l->base;
	return 0;
}

static void
cg_login_free(struct pool_login *bl)
{
	struct cg_login *l = (struct cg_login *)bl;

	if (l == NULL)
		return;
	ua_erase_free(l->session);
	ua_erase_free(l->setup_info);
	ua_erase_free(l->old_pw);
	ua_erase_free(l->new_pw);
	ua_erase_free(l->id_token);
	ua_erase_free(l->access_token);
	ua_freezero(l, sizeof(*l));
}

static void
cg_free(struct pool_backend *be)
{
	struct cognito_backend *cb = (struct cognito_backend *)be;
	size_t i;

	for (i = 0; i < cb->nkeys; i++)
		cg_jwks_free(cb->keys[i].jwks);
	for (i = 0; i < cb->nsyncs; i++)
		cg_sync_free(cb->syncs[i]);
	cg_recent_free(cb);
	pool_cognito_secrets_free(cb->secrets);
	free(cb);
}

static const struct pool_ops cognito_ops = {
	.name = "cognito",
	.login_new = cg_login_new,
	.login_free = cg_login_free,
	.account = cg_account,
	.initiate = cg_initiate,
	.respond = cg_respond,
	.change_password = cg_change_password,
	.session_open = cg_session_open,
	.complete = cg_complete,
	.count_code = NULL,
	.list = cg_list,
	.free = cg_free,
};

int
pool_cognito_new(struct http *http, struct cg_secrets *secrets,
    const struct pool_cognito_hooks *hooks, struct pool_backend **ret)
{
	struct cognito_backend *cb = calloc(1, sizeof(*cb));

	if (cb == NULL)
		return -ENOMEM;
	cb->base.ops = &cognito_ops;
	cb->http = http;
	cb->secrets = secrets;
	cb->state_max = CG_STATE_MAX;
	if (hooks != NULL)
		cb->hooks = *hooks;
	*ret = &cb->base;
	return 0;
}

uint64_t
pool_cognito_tick(struct pool_backend *be, const struct ua_conf *c,
    uint64_t now_ms)
{
	return cg_sync_tick((struct cognito_backend *)be, c, now_ms);
}

void
pool_cognito_job(struct pool_backend *be, const struct ua_conf *c,
    struct workq_job *job, uint64_t now_ms)
{
	cg_sync_done((struct cognito_backend *)be, c, job, now_ms);
}

int
pool_cognito_load(struct pool_backend *be, const struct ua_conf *c)
{
	return cg_sync_load((struct cognito_backend *)be, c);
}

json_t *
pool_cognito_sync_status(struct pool_backend *be, const struct ua_pool_conf *pc)
{
	struct cognito_backend *cb = (struct cognito_backend *)be;
	struct cg_sync *y = cg_sync_of(cb, pc->name);
	const struct store_nss *n;
	json_t *o = json_pack("{s:I}", "interval",
	    (json_int_t)pc->cognito_sync_interval);

	if (o == NULL || y == NULL)
		return o;
	if (y->last != NULL) {
		n = nss_extra_get(y->last);
		(void)json_object_set_new(o, "users",
		    json_integer((json_int_t)n->nusers));
		(void)json_object_set_new(o, "groups",
		    json_integer((json_int_t)n->ngroups));
	}
	if (y->synced_at != 0)
		(void)json_object_set_new(o, "synced_at",
		    json_integer((json_int_t)y->synced_at));
	if (y->failed_at != 0 && y->failed_at >= y->synced_at) {
		(void)json_object_set_new(o, "failed_at",
		    json_integer((json_int_t)y->failed_at));
		(void)json_object_set_new(o, "error",
		    json_string(y->last_error));
	}
	return o;
}
