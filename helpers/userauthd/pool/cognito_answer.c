/* SPDX-License-Identifier: MIT */
/*
 * What Cognito answered, turned into the conversation's reply: the next
 * challenge (asked, or answered by the daemon itself), an error mapped
 * to a calm message, or a sign-in whose ID token verifies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/wipe.h"
#include "server/log.h"
#include "userauthd/pool/cognito_int.h"
#include "userauthd/totp.h"

#define TOKEN_SKEW 120      /* seconds of clock difference allowed */
#define JWKS_MIN_REFETCH 30 /* seconds between fetches for a new kid */

/* The enrolment text: QR, key and URI of the secret Cognito made. */
static int
setup_text(struct cg_login *l, const struct ua_pool_conf *pc, const char *b32)
{
	/* Cognito's software tokens: RFC 6238 with SHA-1, 30 s, 6 digits */
	struct totp_params p = { .digits = 6,
		.period = 30,
		.alg = UA_TOTP_SHA1 };

	ua_erase_free(l->setup_info);
	l->setup_info = totp_setup_text(totp_issuer(pc), l->ident, b32, &p);
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
			return cg_respond_with(l, pc, "SELECT_CHALLENGE",
			    PARAMS(l, pc, "ANSWER", "PASSWORD", "PASSWORD",
				l->old_pw),
			    rp);
		}
		if (l->chpass)
			break;
		if (l->offers_password &&
		    (l->preferred == POLICY_PASSWORD || !l->offers_email))
			return cg_ask(l, POLICY_PASSWORD, rp);
		if (l->offers_email &&
		    (l->preferred == POLICY_EMAIL_OTP || !l->offers_password))
			return cg_respond_with(l, pc, "SELECT_CHALLENGE",
			    PARAMS(l, pc, "ANSWER", "EMAIL_OTP"), rp);
		if (l->offers_email && l->offers_password)
			return cg_ask(l, POLICY_SELECT, rp);
		return cg_fail(rp, "no_factor",
		    "This account has no way to sign "
		    "in that this host supports.");
	case CG_PASSWORD:
		l->judging = l->chpass ? POOL_FACTOR_PASSWORD : l->judging;
		if (l->chpass)
			return cg_respond_with(l, pc, "PASSWORD",
			    PARAMS(l, pc, "PASSWORD", l->old_pw), rp);
		return cg_ask(l, POLICY_PASSWORD, rp);
	case CG_EMAIL_OTP:
		if (l->chpass)
			break;
		(void)snprintf(l->destination, sizeof(l->destination), "%s",
		    a->destination);
		l->tries = CG_CODE_TRIES;
		return cg_ask(l, POLICY_EMAIL_OTP, rp);
	case CG_SOFTWARE_TOKEN_MFA:
		if (l->chpass)
			break;
		l->tries = CG_CODE_TRIES;
		return cg_ask(l, POLICY_TOTP, rp);
	case CG_SELECT_MFA_TYPE:
		if (l->chpass || (!a->mfa_totp && !a->mfa_email))
			break;
		return cg_respond_with(l, pc, "SELECT_MFA_TYPE",
		    PARAMS(l, pc, "ANSWER",
			a->mfa_totp ? "SOFTWARE_TOKEN_MFA" : "EMAIL_OTP"),
		    rp);
	case CG_MFA_SETUP:
		if (l->chpass || !a->mfa_totp)
			break;
		b = json_pack("{s:s}", "Session", l->session);
		return b != NULL ? cg_submit(l, pc, OP_ASSOCIATE, b, rp)
				 : -ENOMEM;
	case CG_NEW_PASSWORD_REQUIRED:
		if (l->chpass)
			break;
		if (a->required_attributes)
			return cg_fail(rp, "attributes_required",
			    "This account "
			    "needs details only its administrator can set.");
		return cg_ask(l, POLICY_NEW_PASSWORD, rp);
	case CG_NONE:
	case CG_OTHER:
		ua_log(LOG_ERR,
		    "cognito pool %s: challenge '%s' cannot be "
		    "answered here; the login fails",
		    l->pool, a->name);
		return cg_unavailable(rp, "cognito_challenge");
	}
	if (l->chpass && a->challenge == CG_SELECT_CHALLENGE &&
	    !a->offers_password)
		return cg_fail(rp, "no_password",
		    "This account has no password "
		    "to change: it signs in with emailed codes.");
	if (l->chpass)
		return cg_fail(rp, "second_factor",
		    "This account signs in with "
		    "more than a password: change it where you sign in.");
	return cg_fail(rp, "mfa_unsupported",
	    "This account needs a second "
	    "factor this host does not support.");
}

/* A service error (__type) in answer to op. */
static int
on_error(struct cg_login *l, const struct ua_pool_conf *pc, enum cg_op op,
    const char *type, const char *message, struct pool_reply *rp)
{
	bool throttled = strcmp(type, "TooManyRequestsException") == 0;
	bool not_auth = strcmp(type, "NotAuthorizedException") == 0;

	if (throttled ||
	    (strcmp(type, "LimitExceededException") == 0 && op != OP_CHANGE)) {
		ua_log(LOG_WARNING, "cognito pool %s: %s: %s", l->pool,
		    cg_op_names[op], type);
		l->judging = POOL_FACTOR_NONE;
		rp->message = "The sign-in service is busy. Try again in a "
			      "minute.";
		return cg_unavailable(rp, "cognito_throttled");
	}
	if (strcmp(type, "PasswordResetRequiredException") == 0) {
		cg_judged(l, rp, false, "reset_required");
		return cg_fail(rp, "reset_required",
		    "The password of this "
		    "account must be reset first.");
	}
	/*
	 * A refused client secret looks like any refusal to the user, but
	 * fails every login: the log must say so (the decision stays on
	 * the error's name; its text only picks the log line).
	 */
	if (not_auth && strcasestr(message, "secret") != NULL)
		ua_log(LOG_ERR,
		    "cognito pool %s: Cognito refuses the app "
		    "client's SECRET_HASH (%s): check "
		    "cognito_client_secret_file "
		    "and cognito_client_id",
		    l->pool, message);
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
		return cg_initiate_auth(l, pc, NULL, rp);
	}
	if (op == OP_VERIFY &&
	    (strcmp(type, "CodeMismatchException") == 0 ||
		strcmp(type, "EnableSoftwareTokenMFAException") == 0))
		return cg_wrong_code(l, POLICY_MFA_SETUP, rp);
	if (strcmp(type, "CodeMismatchException") == 0 &&
	    (l->step == CG_EMAIL_OTP || l->step == CG_SOFTWARE_TOKEN_MFA))
		return cg_wrong_code(l,
		    l->step == CG_EMAIL_OTP ? POLICY_EMAIL_OTP : POLICY_TOTP,
		    rp);
	if (strcmp(type, "ExpiredCodeException") == 0) {
		cg_judged(l, rp, false, "expired_code");
		return cg_fail(rp, "expired_code",
		    "The code has expired. Sign "
		    "in again for a new one.");
	}
	if ((strcmp(type, "InvalidPasswordException") == 0 ||
		strcmp(type, "PasswordHistoryPolicyViolationException") == 0) &&
	    (l->step == CG_NEW_PASSWORD_REQUIRED || op == OP_CHANGE)) {
		if (op == OP_CHANGE)
			return cg_fail(rp, "weak_password",
			    "The new password "
			    "does not meet the pool's rules.");
		rp->retry = "weak_password";
		rp->message = "The new password does not meet the pool's "
			      "rules. Choose another.";
		return cg_ask(l, POLICY_NEW_PASSWORD, rp);
	}
	if (op == OP_CHANGE && strcmp(type, "LimitExceededException") == 0)
		return cg_fail(rp, "throttled",
		    "Too many attempts. Try again "
		    "later.");
	if (not_auth || strcmp(type, "UserNotFoundException") == 0) {
		if (l->judging == POOL_FACTOR_PASSWORD) {
			cg_judged(l, rp, false, "bad_password");
			rp->before_mfa = pc->mfa == UA_MFA_REQUIRED;
			return cg_fail(rp, "bad_password", NULL);
		}
		if (l->judging != POOL_FACTOR_NONE) {
			cg_judged(l, rp, false, "bad_code");
			return cg_fail(rp, "bad_code", NULL);
		}
		return cg_fail(rp, "session_expired",
		    "The sign-in took too long. "
		    "Start again.");
	}
	ua_log(LOG_ERR, "cognito pool %s: %s refused: %s", l->pool,
	    cg_op_names[op], type);
	l->judging = POOL_FACTOR_NONE;
	return cg_unavailable(rp, "cognito_error");
}

int
cg_on_jwks(struct cg_login *l, const struct ua_pool_conf *pc,
    const struct http_req *rq, struct pool_reply *rp)
{
	struct cg_keys *k = cg_keys_of(l->cb, l->pool);
	struct cg_jwks *ks = NULL;

	if (k == NULL)
		return -ENOMEM;
	if (rq->error != 0 || rq->status != 200 || rq->resp == NULL ||
	    cg_jwks_parse(rq->resp, rq->resp_len, &ks) < 0) {
		ua_log(LOG_ERR,
		    "cognito pool %s: cannot fetch its token keys "
		    "from %s/%s/.well-known/jwks.json: %s",
		    l->pool, pc->cognito_url, pc->cognito_user_pool_id,
		    rq->error != 0 ? rq->error_text
				   : "no key set in the answer");
		return cg_unavailable(rp, "jwks_unavailable");
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
		ua_log(LOG_ERR,
		    "cognito pool %s: the user name of a signed-in "
		    "user is no valid login name; refused",
		    l->pool);
		return cg_unavailable(rp, "bad_login_name");
	}
	if (cg_uid_of(pc, c, &u->uid) < 0) {
		ua_log(LOG_ERR,
		    "cognito pool %s: user %s has no %s within "
		    "uid_min-uid_max; refused",
		    l->pool, c->username, pc->cognito_uid_attribute);
		return cg_unavailable(rp, "bad_uid");
	}
	memcpy(u->pool, l->pool, sizeof(u->pool));
	/* ua_valid_name: at most UA_MAX_LOGIN bytes */
	memcpy(u->login, c->username, strlen(c->username) + 1);
	if (c->email_verified && strlen(c->email) < sizeof(u->email))
		memcpy(u->email, c->email, strlen(c->email) + 1);
	for (i = 0; i < c->ngroups && u->ngroups < CG_MAX_GROUPS; i++)
		if (ua_valid_name(c->groups[i], NULL) == 0)
			u->groups[u->ngroups++] = c->groups[i];
	u->until = (time_t)c->exp > now + CG_RECENT_SECONDS
	    ? (time_t)c->exp
	    : now + CG_RECENT_SECONDS;
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
	cg_judged(l, rp, true, NULL);
	rp->status = POOL_OK;
	rp->user = (struct pool_user){ .login = kept->login,
		.uid = kept->uid,
		.enabled = true,
		.has_password = true,
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
		.client_id = pc->cognito_client_id,
		.token_use = "id",
		.attr = pc->cognito_uid_attribute,
		.now = time(NULL),
		.skew = TOKEN_SKEW };
	char why[64] = "";
	int r;

	if (k == NULL)
		return -ENOMEM;
	if (ex.attr != NULL && *ex.attr == '\0')
		ex.attr = NULL;
	if (k->jwks == NULL)
		return cg_submit(l, pc, OP_JWKS, NULL, rp);
	memset(&c, 0, sizeof(c));
	r = cg_jwt_verify(k->jwks, l->id_token, &ex, &c, why, sizeof(why));
	if (r == -ENOKEY && !l->refetched &&
	    time(NULL) - k->fetched >= JWKS_MIN_REFETCH) {
		l->refetched = true;
		return cg_submit(l, pc, OP_JWKS, NULL, rp);
	}
	if (r < 0) {
		ua_log(LOG_ERR,
		    "cognito pool %s: the ID token of a sign-in "
		    "was refused (%s); the login fails",
		    l->pool, why[0] ? why : "not verified");
		cg_claims_clear(&c);
		return cg_unavailable(rp, "token_refused");
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
		ua_log(LOG_ERR,
		    "cognito pool %s: a sign-in ended without an "
		    "ID or access token; refused",
		    l->pool);
		return cg_unavailable(rp, "token_missing");
	}
	if (!l->chpass)
		return verify_tokens(l, pc, rp);
	cg_judged(l, rp, true, NULL);
	b = json_pack("{s:s,s:s,s:s}", "AccessToken", l->access_token,
	    "PreviousPassword", l->old_pw, "ProposedPassword", l->new_pw);
	return b != NULL ? cg_submit(l, pc, OP_CHANGE, b, rp) : -ENOMEM;
}

int
cg_on_answer(struct cg_login *l, const struct ua_pool_conf *pc, enum cg_op op,
    struct cg_answer *a, struct pool_reply *rp)
{
	if (a->error != 0) {
		ua_log(LOG_ERR, "cognito pool %s: %s failed: %s (%s)", l->pool,
		    cg_op_names[op], a->error_text, pc->cognito_url);
		l->judging = POOL_FACTOR_NONE;
		rp->message = "The sign-in service cannot be reached. Try "
			      "again later.";
		return cg_unavailable(rp, "cognito_unreachable");
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
		if (a->secret_code == NULL ||
		    setup_text(l, pc, a->secret_code) < 0)
			return cg_unavailable(rp, "mfa_setup");
		l->step = CG_MFA_SETUP;
		l->tries = CG_CODE_TRIES;
		return cg_ask(l, POLICY_MFA_SETUP, rp);
	case OP_VERIFY:
		if (!a->verified)
			return cg_wrong_code(l, POLICY_MFA_SETUP, rp);
		cg_judged(l, rp, true, NULL);
		return cg_respond_with(l, pc, "MFA_SETUP", PARAMS(l, pc, NULL),
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
			cg_judged(l, rp, true, NULL);
		return on_challenge(l, pc, a, rp);
	}
	ua_log(LOG_ERR,
	    "cognito pool %s: %s answered neither a challenge "
	    "nor tokens",
	    l->pool, cg_op_names[op]);
	return cg_unavailable(rp, "cognito_bad_answer");
}
