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
#include "userauthd/pool/cognito_int.h"
#include "userauthd/qr.h"
#include "userauthd/totp.h"

#define TOKEN_SKEW 120		/* seconds of clock difference allowed */
#define JWKS_MIN_REFETCH 30	/* seconds between fetches for a new kid */

enum cg_op { OP_INITIATE, OP_RESPOND, OP_ASSOCIATE, OP_VERIFY, OP_CHANGE,
	OP_JWKS };

static const char *const op_names[] = {
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

struct cg_login {
	struct pool_login base;
	struct cognito_backend *cb;
	char pool[UA_MAX_POOL + 1];
	char ident[UA_MAX_EMAIL + 1];
	char username[CG_MAX_USERNAME + 1];	/* USERNAME to send */
	char *session;
	enum cg_challenge step;		/* where the Session stands */
	enum policy_challenge preferred;
	bool offers_password, offers_email;
	bool sent_preference;
	char destination[128];
	char *setup_info;
	unsigned tries;			/* codes left for this challenge */
	unsigned trips;
	enum pool_factor judging;	/* what the request under way judges */
	bool chpass;
	char *old_pw, *new_pw;
	char *id_token, *access_token;	/* held while the JWKS comes */
	bool refetched;
	const char *groups[CG_MAX_GROUPS];	/* of a synced user */
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

static int
unavailable(struct pool_reply *rp, const char *reason)
{
	rp->status = POOL_UNAVAILABLE;
	rp->reason = reason;
	return 0;
}

/* Send op with body; 1 (pending) or a reply. */
static int
submit(struct cg_login *l, const struct ua_pool_conf *pc, enum cg_op op,
    json_t *body, struct pool_reply *rp)
{
	struct cg_job *j;
	int r;

	if (++l->trips > CG_MAX_ROUND_TRIPS) {
		json_decref(body);
		ua_log(LOG_ERR, "cognito pool %s: more than %d requests for "
		    "one login; giving up", l->pool, CG_MAX_ROUND_TRIPS);
		return unavailable(rp, "cognito_loop");
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		json_decref(body);
		return -ENOMEM;
	}
	j->pj.free = job_free;
	j->pj.wq.owner = l->base.conv.owner;
	j->op = op;
	r = op == OP_JWKS ? cg_request_jwks(&j->rq, pc) :
			    cg_request(&j->rq, pc, op_names[op], body);
	j->rq.job = &j->pj.wq;
	if (r == 0)
		r = http_submit(l->cb->http, &j->rq);
	if (r < 0) {
		job_free(&j->pj);
		return r == -ENOMEM ? r : unavailable(rp, "cognito_request");
	}
	return 1;
}

/* {"ClientId", "ChallengeName", "Session", "ChallengeResponses"}. */
static int
respond_with(struct cg_login *l, const struct ua_pool_conf *pc,
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
	return submit(l, pc, OP_RESPOND, b, rp);
}

#define PARAMS(l, pc, ...)                                              \
	cg_params((l)->username, (pc)->cognito_client_id,             \
	    cg_secret_of((l)->cb, (l)->pool), __VA_ARGS__, NULL)

static int
initiate_auth(struct cg_login *l, const struct ua_pool_conf *pc,
    const char *rhost, struct pool_reply *rp)
{
	json_t *b = json_object(), *ap;

	l->sent_preference = l->preferred == POLICY_EMAIL_OTP && !l->chpass;
	ap = l->sent_preference ?
	    PARAMS(l, pc, "PREFERRED_CHALLENGE", "EMAIL_OTP") :
	    PARAMS(l, pc, NULL);
	if (b == NULL || ap == NULL ||
	    json_object_set_new(b, "AuthFlow", json_string("USER_AUTH")) <
		0 ||
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
	return submit(l, pc, OP_INITIATE, b, rp);
}

static int
ask(struct cg_login *l, enum policy_challenge c, struct pool_reply *rp)
{
	rp->status = POOL_CHALLENGE;
	rp->challenge = c;
	if (c == POLICY_PASSWORD)
		rp->no_code_hint = !(l->offers_email &&
		    l->step == CG_SELECT_CHALLENGE);
	if (c == POLICY_EMAIL_OTP && l->destination[0] != '\0')
		rp->destination = l->destination;
	if (c == POLICY_SELECT)
		rp->available = "PASSWORD,EMAIL_OTP";
	if (c == POLICY_MFA_SETUP)
		rp->info = l->setup_info;
	return 0;
}

static int
fail(struct pool_reply *rp, const char *reason, const char *message)
{
	rp->status = POOL_FAIL;
	rp->reason = reason;
	rp->message = message;
	return 0;
}

static void
judged(struct cg_login *l, struct pool_reply *rp, bool ok,
    const char *reason)
{
	if (l->judging == POOL_FACTOR_NONE)
		return;
	rp->verdict = (struct pool_verdict){ .factor = l->judging, .ok = ok,
		.reason = reason };
	l->judging = POOL_FACTOR_NONE;
}

/* A wrong code: asked again while tries remain. */
static int
wrong_code(struct cg_login *l, enum policy_challenge c, struct pool_reply *rp)
{
	judged(l, rp, false, "bad_code");
	if (l->tries > 0)
		l->tries--;
	if (l->tries == 0)
		return fail(rp, "bad_code", NULL);
	rp->retry = "bad_code";
	rp->tries_left = l->tries;
	return ask(l, c, rp);
}

/* The enrolment text: QR, key and URI of the secret Cognito made. */
static int
setup_text(struct cg_login *l, const struct ua_pool_conf *pc,
    const char *b32)
{
	/* Cognito's software tokens: RFC 6238 with SHA-1, 30 s, 6 digits */
	struct totp_params p = { .digits = 6, .period = 30,
		.alg = UA_TOTP_SHA1 };

	(void)pc;
	ua_erase_free(l->setup_info);
	l->setup_info = totp_setup_text(l->pool, l->ident, b32, &p);
	return l->setup_info != NULL ? 0 : -ENOMEM;
}

static int verify_tokens(struct cg_login *l, const struct ua_pool_conf *pc,
    struct pool_reply *rp);

/* Cognito asks for a challenge: ask the user, or answer it ourselves. */
static int
on_challenge(struct cg_login *l, const struct ua_pool_conf *pc,
    const struct cg_answer *a, struct pool_reply *rp)
{
	json_t *b;

	l->step = a->challenge;
	switch (a->challenge) {
	case CG_SELECT_CHALLENGE:
		l->offers_password = a->offers_password;
		l->offers_email = a->offers_email_otp;
		if (l->chpass && l->offers_password) {
			l->judging = POOL_FACTOR_PASSWORD;
			return respond_with(l, pc, "SELECT_CHALLENGE",
			    PARAMS(l, pc, "ANSWER", "PASSWORD", "PASSWORD",
				l->old_pw), rp);
		}
		if (l->chpass)
			break;
		if (l->offers_password && (l->preferred == POLICY_PASSWORD ||
			!l->offers_email))
			return ask(l, POLICY_PASSWORD, rp);
		if (l->offers_email && (l->preferred == POLICY_EMAIL_OTP ||
			!l->offers_password))
			return respond_with(l, pc, "SELECT_CHALLENGE",
			    PARAMS(l, pc, "ANSWER", "EMAIL_OTP"), rp);
		if (l->offers_email && l->offers_password)
			return ask(l, POLICY_SELECT, rp);
		return fail(rp, "no_factor", "This account has no way to sign "
		    "in that this host supports.");
	case CG_PASSWORD:
		l->judging = l->chpass ? POOL_FACTOR_PASSWORD : l->judging;
		if (l->chpass)
			return respond_with(l, pc, "PASSWORD",
			    PARAMS(l, pc, "PASSWORD", l->old_pw), rp);
		return ask(l, POLICY_PASSWORD, rp);
	case CG_EMAIL_OTP:
		if (l->chpass)
			break;
		(void)snprintf(l->destination, sizeof(l->destination), "%s",
		    a->destination);
		l->tries = CG_CODE_TRIES;
		return ask(l, POLICY_EMAIL_OTP, rp);
	case CG_SOFTWARE_TOKEN_MFA:
		if (l->chpass)
			break;
		l->tries = CG_CODE_TRIES;
		return ask(l, POLICY_TOTP, rp);
	case CG_SELECT_MFA_TYPE:
		if (l->chpass || (!a->mfa_totp && !a->mfa_email))
			break;
		return respond_with(l, pc, "SELECT_MFA_TYPE",
		    PARAMS(l, pc, "ANSWER", a->mfa_totp ? "SOFTWARE_TOKEN_MFA" :
		    "EMAIL_OTP"), rp);
	case CG_MFA_SETUP:
		if (l->chpass || !a->mfa_totp)
			break;
		b = json_pack("{s:s}", "Session", l->session);
		return b != NULL ? submit(l, pc, OP_ASSOCIATE, b, rp) : -ENOMEM;
	case CG_NEW_PASSWORD_REQUIRED:
		if (l->chpass)
			break;
		if (a->required_attributes)
			return fail(rp, "attributes_required", "This account "
			    "needs details only its administrator can set.");
		return ask(l, POLICY_NEW_PASSWORD, rp);
	case CG_NONE:
	case CG_OTHER:
		ua_log(LOG_ERR, "cognito pool %s: challenge '%s' cannot be "
		    "answered here; the login fails", l->pool, a->name);
		return unavailable(rp, "cognito_challenge");
	}
	if (l->chpass && a->challenge == CG_SELECT_CHALLENGE &&
	    !a->offers_password)
		return fail(rp, "no_password", "This account has no password "
		    "to change: it signs in with emailed codes.");
	if (l->chpass)
		return fail(rp, "second_factor", "This account signs in with "
		    "more than a password: change it where you sign in.");
	return fail(rp, "mfa_unsupported", "This account needs a second "
	    "factor this host does not support.");
}

/* A service error (__type) in answer to op. */
static int
on_error(struct cg_login *l, const struct ua_pool_conf *pc, enum cg_op op,
    const char *type, const char *message, struct pool_reply *rp)
{
	bool throttled = strcmp(type, "TooManyRequestsException") == 0;
	bool not_auth = strcmp(type, "NotAuthorizedException") == 0;

	if (throttled || (strcmp(type, "LimitExceededException") == 0 &&
		op != OP_CHANGE)) {
		ua_log(LOG_WARNING, "cognito pool %s: %s: %s", l->pool,
		    op_names[op], type);
		l->judging = POOL_FACTOR_NONE;
		return unavailable(rp, "cognito_throttled");
	}
	if (strcmp(type, "PasswordResetRequiredException") == 0) {
		judged(l, rp, false, "reset_required");
		return fail(rp, "reset_required", "The password of this "
		    "account must be reset first.");
	}
	/*
	 * A refused client secret looks like any refusal to the user, but
	 * fails every login: the log must say so (the decision stays on
	 * the error's name; its text only picks the log line).
	 */
	if (not_auth && strcasestr(message, "secret") != NULL)
		ua_log(LOG_ERR, "cognito pool %s: Cognito refuses the app "
		    "client's SECRET_HASH (%s): check cognito_client_secret_file "
		    "and cognito_client_id", l->pool, message);
	if (op == OP_INITIATE && !l->chpass &&
	    (strcmp(type, "UserNotFoundException") == 0 || not_auth ||
		strcmp(type, "UserNotConfirmedException") == 0)) {
		/* no such user (LEGACY), disabled, unconfirmed: fakes */
		rp->status = POOL_FAKE;
		rp->reason = not_auth ? "refused" : "unknown";
		return 0;
	}
	if (op == OP_INITIATE && l->sent_preference &&
	    strcmp(type, "InvalidParameterException") == 0) {
		/* the preference is not this user's: let Cognito choose */
		l->preferred = POLICY_NONE;
		return initiate_auth(l, pc, NULL, rp);
	}
	if (op == OP_VERIFY && (strcmp(type, "CodeMismatchException") == 0 ||
		strcmp(type, "EnableSoftwareTokenMFAException") == 0))
		return wrong_code(l, POLICY_MFA_SETUP, rp);
	if (strcmp(type, "CodeMismatchException") == 0 &&
	    (l->step == CG_EMAIL_OTP || l->step == CG_SOFTWARE_TOKEN_MFA))
		return wrong_code(l, l->step == CG_EMAIL_OTP ?
		    POLICY_EMAIL_OTP : POLICY_TOTP, rp);
	if (strcmp(type, "ExpiredCodeException") == 0) {
		judged(l, rp, false, "expired_code");
		return fail(rp, "expired_code", "The code has expired. Sign "
		    "in again for a new one.");
	}
	if ((strcmp(type, "InvalidPasswordException") == 0 ||
		strcmp(type, "PasswordHistoryPolicyViolationException") ==
		    0) && (l->step == CG_NEW_PASSWORD_REQUIRED || op == OP_CHANGE)) {
		if (op == OP_CHANGE)
			return fail(rp, "weak_password", "The new password "
			    "does not meet the pool's rules.");
		rp->retry = "weak_password";
		rp->message = "The new password does not meet the pool's "
			      "rules. Choose another.";
		return ask(l, POLICY_NEW_PASSWORD, rp);
	}
	if (op == OP_CHANGE && strcmp(type, "LimitExceededException") == 0)
		return fail(rp, "throttled", "Too many attempts. Try again "
		    "later.");
	if (not_auth || strcmp(type, "UserNotFoundException") == 0) {
		if (l->judging == POOL_FACTOR_PASSWORD) {
			judged(l, rp, false, "bad_password");
			rp->before_mfa = pc->mfa == UA_MFA_REQUIRED;
			return fail(rp, "bad_password", NULL);
		}
		if (l->judging != POOL_FACTOR_NONE) {
			judged(l, rp, false, "bad_code");
			return fail(rp, "bad_code", NULL);
		}
		return fail(rp, "session_expired", "The sign-in took too long. "
		    "Start again.");
	}
	ua_log(LOG_ERR, "cognito pool %s: %s refused: %s", l->pool,
	    op_names[op], type);
	l->judging = POOL_FACTOR_NONE;
	return unavailable(rp, "cognito_error");
}

static int
on_jwks(struct cg_login *l, const struct ua_pool_conf *pc,
    const struct http_req *rq, struct pool_reply *rp)
{
	struct cg_keys *k = cg_keys_of(l->cb, l->pool);
	struct cg_jwks *ks = NULL;

	if (k == NULL)
		return -ENOMEM;
	if (rq->error != 0 || rq->status != 200 || rq->resp == NULL ||
	    cg_jwks_parse(rq->resp, rq->resp_len, &ks) < 0) {
		ua_log(LOG_ERR, "cognito pool %s: cannot fetch its token keys "
		    "from %s/%s/.well-known/jwks.json: %s", l->pool,
		    pc->cognito_url, pc->cognito_user_pool_id,
		    rq->error != 0 ? rq->error_text : "no key set in the answer");
		return unavailable(rp, "jwks_unavailable");
	}
	cg_jwks_free(k->jwks);
	k->jwks = ks;
	k->fetched = time(NULL);
	return verify_tokens(l, pc, rp);
}

/* The verified claims make the user; remembered for ACCT. */
static int
signed_in(struct cg_login *l, const struct ua_pool_conf *pc,
    const struct cg_claims *c, struct pool_reply *rp)
{
	struct cg_user tmp, *u = &tmp;
	const struct cg_user *kept;
	time_t now = time(NULL);
	size_t i;

	memset(u, 0, sizeof(*u));
	if (ua_valid_name(c->username, NULL) < 0) {
		ua_log(LOG_ERR, "cognito pool %s: the user name of a signed-in "
		    "user is no valid login name; refused", l->pool);
		return unavailable(rp, "bad_login_name");
	}
	if (cg_uid_of(pc, c, &u->uid) < 0) {
		ua_log(LOG_ERR, "cognito pool %s: user %s has no %s within "
		    "uid_min-uid_max; refused", l->pool, c->username,
		    pc->cognito_uid_attribute);
		return unavailable(rp, "bad_uid");
	}
	memcpy(u->pool, l->pool, sizeof(u->pool));
	/* ua_valid_name: at most UA_MAX_LOGIN bytes */
	memcpy(u->login, c->username, strlen(c->username) + 1);
	if (c->email_verified && strlen(c->email) < sizeof(u->email))
		memcpy(u->email, c->email, strlen(c->email) + 1);
	for (i = 0; i < c->ngroups && u->ngroups < CG_MAX_GROUPS; i++)
		if (ua_valid_name(c->groups[i], NULL) == 0)
			u->groups[u->ngroups++] = c->groups[i];
	u->until = (time_t)c->exp > now + CG_RECENT_SECONDS ?
	    (time_t)c->exp : now + CG_RECENT_SECONDS;
	/* kept with copies of the claims' strings */
	cg_recent_add(l->cb, u);
	/* a user the last sync did not have: sync again soon */
	if (pc->cognito_sync_interval > 0) {
		struct pool_user su;
		const char *sg[1];
		struct cg_sync *y;

		if (cg_synced_find(l->cb, l->pool, u->login, &su, sg, 0) < 0 &&
		    (y = cg_sync_of(l->cb, l->pool)) != NULL)
			y->want_now = true;
	}
	kept = cg_recent_find(l->cb, l->pool, u->login, now);
	if (kept == NULL)
		return -ENOMEM;
	judged(l, rp, true, NULL);
	rp->status = POOL_OK;
	rp->user = (struct pool_user){ .login = kept->login, .uid = kept->uid,
		.enabled = true, .has_password = true,
		.groups = (const char *const *)kept->groups,
		.ngroups = kept->ngroups };
	return 0;
}

static int
verify_tokens(struct cg_login *l, const struct ua_pool_conf *pc,
    struct pool_reply *rp)
{
	struct cg_keys *k = cg_keys_of(l->cb, l->pool);
	struct cg_claims c;
	struct cg_expect ex = { .iss = pc->cognito_issuer,
		.client_id = pc->cognito_client_id, .token_use = "id",
		.attr = pc->cognito_uid_attribute, .now = time(NULL),
		.skew = TOKEN_SKEW };
	char why[64] = "";
	int r;

	if (k == NULL)
		return -ENOMEM;
	if (ex.attr != NULL && *ex.attr == '\0')
		ex.attr = NULL;
	if (k->jwks == NULL)
		return submit(l, pc, OP_JWKS, NULL, rp);
	memset(&c, 0, sizeof(c));
	r = cg_jwt_verify(k->jwks, l->id_token, &ex, &c, why, sizeof(why));
	if (r == -ENOKEY && !l->refetched &&
	    time(NULL) - k->fetched >= JWKS_MIN_REFETCH) {
		l->refetched = true;
		return submit(l, pc, OP_JWKS, NULL, rp);
	}
	if (r < 0) {
		ua_log(LOG_ERR, "cognito pool %s: the ID token of a sign-in "
		    "was refused (%s); the login fails", l->pool,
		    why[0] ? why : "not verified");
		cg_claims_clear(&c);
		return unavailable(rp, "token_refused");
	}
	r = signed_in(l, pc, &c, rp);
	cg_claims_clear(&c);
	return r;
}

/* A successful sign-in: the tokens (CHPASS goes on to ChangePassword). */
static int
on_tokens(struct cg_login *l, const struct ua_pool_conf *pc,
    struct cg_answer *a, struct pool_reply *rp)
{
	json_t *b;

	ua_erase_free(l->id_token);
	ua_erase_free(l->access_token);
	l->id_token = a->id_token;
	l->access_token = a->access_token;
	a->id_token = a->access_token = NULL;
	if (l->id_token == NULL || l->access_token == NULL) {
		ua_log(LOG_ERR, "cognito pool %s: a sign-in ended without an "
		    "ID or access token; refused", l->pool);
		return unavailable(rp, "token_missing");
	}
	if (!l->chpass)
		return verify_tokens(l, pc, rp);
	judged(l, rp, true, NULL);
	b = json_pack("{s:s,s:s,s:s}", "AccessToken", l->access_token,
	    "PreviousPassword", l->old_pw, "ProposedPassword", l->new_pw);
	return b != NULL ? submit(l, pc, OP_CHANGE, b, rp) : -ENOMEM;
}

static int
on_answer(struct cg_login *l, const struct ua_pool_conf *pc, enum cg_op op,
    struct cg_answer *a, struct pool_reply *rp)
{
	if (a->error != 0) {
		ua_log(LOG_ERR, "cognito pool %s: %s failed: %s (%s)", l->pool,
		    op_names[op], a->error_text, pc->cognito_url);
		l->judging = POOL_FACTOR_NONE;
		return unavailable(rp, "cognito_unreachable");
	}
	if (a->type[0] != '\0')
		return on_error(l, pc, op, a->type, a->message, rp);
	if (a->session != NULL) {
		ua_erase_free(l->session);
		l->session = a->session;
		a->session = NULL;
	}
	if (a->username[0] != '\0')
		memcpy(l->username, a->username, sizeof(l->username));
	switch (op) {
	case OP_ASSOCIATE:
		if (a->secret_code == NULL || setup_text(l, pc,
			a->secret_code) < 0)
			return unavailable(rp, "mfa_setup");
		l->step = CG_MFA_SETUP;
		l->tries = CG_CODE_TRIES;
		return ask(l, POLICY_MFA_SETUP, rp);
	case OP_VERIFY:
		if (!a->verified)
			return wrong_code(l, POLICY_MFA_SETUP, rp);
		judged(l, rp, true, NULL);
		return respond_with(l, pc, "MFA_SETUP", PARAMS(l, pc, NULL),
		    rp);
	case OP_CHANGE:
		rp->status = POOL_OK;
		rp->user = (struct pool_user){ .login = l->ident };
		return 0;
	default:
		break;
	}
	if (a->id_token != NULL || a->access_token != NULL)
		return on_tokens(l, pc, a, rp);
	if (a->challenge != CG_NONE) {
		if (l->judging != POOL_FACTOR_NONE)
			judged(l, rp, true, NULL);
		return on_challenge(l, pc, a, rp);
	}
	ua_log(LOG_ERR, "cognito pool %s: %s answered neither a challenge "
	    "nor tokens", l->pool, op_names[op]);
	return unavailable(rp, "cognito_bad_answer");
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
		return unavailable(rp, "pool_gone");
	}
	if (j->op == OP_JWKS) {
		r = on_jwks(l, pc, &j->rq, rp);
		job_free(pj);
		return r;
	}
	cg_answer_read(&j->rq, &a);
	r = on_answer(l, pc, j->op, &a, rp);
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
	if (cg_synced_find(l->cb, rq->pool, rq->ident, &rp->user,
		l->groups, CG_MAX_GROUPS) == 0) {
		rp->status = POOL_OK;
		return 0;
	}
	u = cg_recent_find(l->cb, rq->pool, rq->ident, time(NULL));
	if (u != NULL && !rq->login) {
		rp->status = POOL_OK;
		rp->user = (struct pool_user){ .login = u->login,
			.uid = u->uid, .enabled = true, .has_password = true,
			.groups = (const char *const *)u->groups,
			.ngroups = u->ngroups };
		return 0;
	}
	if (rq->login) {
		rp->status = POOL_OK;
		rp->user = (struct pool_user){ .login = l->ident,
			.enabled = true, .has_password = true,
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
	return initiate_auth(l, rq->pc, rq->rhost, rp);
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
		return unavailable(rp, "pool_gone");
	switch (c) {
	case POLICY_SELECT:
		if (strcmp(answer, "EMAIL_OTP") == 0)
			return respond_with(l, pc, "SELECT_CHALLENGE",
			    PARAMS(l, pc, "ANSWER", "EMAIL_OTP"), rp);
		return ask(l, POLICY_PASSWORD, rp);
	case POLICY_PASSWORD:
		if (*answer == '\0' && l->offers_email &&
		    l->step == CG_SELECT_CHALLENGE)
			return respond_with(l, pc, "SELECT_CHALLENGE",
			    PARAMS(l, pc, "ANSWER", "EMAIL_OTP"), rp);
		l->judging = POOL_FACTOR_PASSWORD;
		if (*answer == '\0') {
			judged(l, rp, false, "bad_password");
			rp->before_mfa = pc->mfa == UA_MFA_REQUIRED;
			return fail(rp, "bad_password", NULL);
		}
		if (l->step == CG_SELECT_CHALLENGE)
			return respond_with(l, pc, "SELECT_CHALLENGE",
			    PARAMS(l, pc, "ANSWER", "PASSWORD", "PASSWORD",
				answer), rp);
		return respond_with(l, pc, "PASSWORD",
		    PARAMS(l, pc, "PASSWORD", answer), rp);
	case POLICY_EMAIL_OTP:
	case POLICY_TOTP:
		l->judging = c == POLICY_TOTP ? POOL_FACTOR_TOTP :
						POOL_FACTOR_EMAIL_OTP;
		if (unjudged)
			return wrong_code(l, c, rp);
		if (c == POLICY_TOTP)
			return respond_with(l, pc, "SOFTWARE_TOKEN_MFA",
			    PARAMS(l, pc, "SOFTWARE_TOKEN_MFA_CODE", answer),
			    rp);
		return respond_with(l, pc, "EMAIL_OTP",
		    PARAMS(l, pc, "EMAIL_OTP_CODE", answer), rp);
	case POLICY_MFA_SETUP:
		l->judging = POOL_FACTOR_TOTP;
		if (unjudged)
			return wrong_code(l, c, rp);
		b = json_pack("{s:s,s:s}", "Session", l->session, "UserCode",
		    answer);
		return b != NULL ? submit(l, pc, OP_VERIFY, b, rp) : -ENOMEM;
	case POLICY_NEW_PASSWORD:
		return respond_with(l, pc, "NEW_PASSWORD_REQUIRED",
		    PARAMS(l, pc, "NEW_PASSWORD", answer), rp);
	default:
		break;
	}
	return unavailable(rp, "unexpected_answer");
}

static int
cg_change_password(struct pool_login *bl, const struct ua_pool_conf *pc,
    const char *old_pw, const char *new_pw, struct pool_reply *rp)
{
	struct cg_login *l = (struct cg_login *)bl;

	pc = pool_of(l, pc);
	if (pc == NULL)
		return unavailable(rp, "pool_gone");
	l->chpass = true;
	l->old_pw = strdup(old_pw);
	l->new_pw = strdup(new_pw);
	if (l->old_pw == NULL || l->new_pw == NULL)
		return -ENOMEM;
	return initiate_auth(l, pc, NULL, rp);
}

static int
cg_session_open(struct pool_login *bl, struct pool_reply *rp)
{
	(void)bl;
	rp->status = POOL_OK;
	return 0;
}

static int
cg_list(struct pool_backend *be, struct store_nss *ret,
    struct store_err *err)
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
