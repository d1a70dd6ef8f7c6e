/* SPDX-License-Identifier: MIT */
/*
 * The conversation's own challenges, for logins that cannot succeed: an
 * unknown, disabled or foreign user, no usable first factor, a password
 * that cannot be one, and the TOTP asked after a failed first factor that
 * a right one would have met.  They must look and cost like real ones (the
 * same prompts and messages, a dummy hash, the issuance counted like a
 * real code's, a TOTP check's work) and never mail anything.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "client/mask.h"
#include "server/log.h"
#include "client/wipe.h"
#include "userauthd/auth/session.h"
#include "userauthd/otp.h"
#include "userauthd/pool/pwjob.h"
#include "userauthd/recovery.h"
#include "userauthd/totp.h"

/*
 * Domain number pick of the pool's fake_domains (space-separated), or of
 * common mail providers when it has none.
 */
static void
fake_domain(const struct ua_pool_conf *pc, unsigned pick, char *out,
    size_t outsz)
{
	static const char *const common[] = { "gmail.com", "outlook.com",
		"yahoo.com", "icloud.com", "proton.me" };
	const char *w = pc->fake_domains, *e;
	unsigned n = 0, k;

	for (e = w; w != NULL && *e != '\0'; e++)
		if (*e != ' ' && (e == w || e[-1] == ' '))
			n++;
	if (n == 0) {
		(void)snprintf(out, outsz, "%s", common[pick % 5]);
		return;
	}
	k = pick % n;
	for (;;) {
		while (*w == ' ')
			w++;
		for (e = w; *e != '\0' && *e != ' '; e++)
			;
		if (k-- == 0)
			break;
		w = e;
	}
	(void)snprintf(out, outsz, "%.*s", (int)(e - w), w);
}

/* Ask for a code that was never sent (first: as if it just had been). */
/*
 * A Cognito pool's codes are sent by Cognito, which masks the address its
 * own way ("a***@e***"): a made-up code prompt must look the same.
 */
static void
cognito_mask(const char *email, char *out, size_t outsz)
{
	const char *at = strchr(email, '@');

	(void)snprintf(out, outsz, "%c***@%c***", email[0] ? email[0] : 'u',
	    at != NULL && at[1] != '\0' ? at[1] : 'e');
}

static int
fake_code(struct auth_ctx *ctx, struct auth_session *s, bool first,
    unsigned left, struct ua_msg *out)
{
	const struct ua_pool_conf *pc = auth_pool_of(ctx, s);
	struct pool_backend *be = s->bl != NULL ? s->bl->be : ctx->local;
	struct pool_reply rp = { .status = POOL_CHALLENGE,
		.challenge = POLICY_EMAIL_OTP };
	char masked[UA_MAX_EMAIL + 1], fake_dest[UA_MAX_EMAIL + 1], domain[128];
	const char *dest = s->ident;
	struct otp_clock now = otp_clock_now();
	struct otp_limits lim;
	bool limited = false;

	if (pc == NULL)
		return auth_result(s, out, "UNAVAILABLE", NULL);
	if (first) {
		policy_otp_limits(pc, &lim);
		s->fake_tries = lim.tries;
		s->code_expires = otp_clock_after(&now, lim.lifetime);
		if (be->ops->count_code != NULL &&
		    be->ops->count_code(be, s->host_mac, pc, s->ident_mac,
			&limited) < 0) {
			auth_audit(s, "auth", "error", "otp_issue");
			return auth_result(s, out, "UNAVAILABLE", NULL);
		}
		if (limited)
			auth_audit(s, "otp", "limited", "issuance_limit");
	}
	/*
	 * The destination shown: a found user's own (disabled, foreign);
	 * else the address typed, lowercased as stored ones are; else (a
	 * login name typed) a plausible address made from the name and a
	 * domain of the pool's fake_domains (or common providers) picked by
	 * the identifier's keyed MAC, stable across attempts.
	 */
	if (s->masked[0] != '\0')
		(void)snprintf(masked, sizeof(masked), "%s", s->masked);
	else {
		if (strchr(s->ident, '@') == NULL) {
			fake_domain(pc, s->ident_mac[1], domain,
			    sizeof(domain));
			(void)snprintf(fake_dest, sizeof(fake_dest), "%c@%s",
			    s->ident[0] ? s->ident[0] : 'u', domain);
			dest = fake_dest;
		} else if (ua_email_normalize(s->ident, fake_dest,
			       sizeof(fake_dest), NULL) == 0)
			dest = fake_dest;
		if (pc->backend == UA_BACKEND_COGNITO)
			cognito_mask(dest, masked, sizeof(masked));
		else if (ua_mask_email(dest, masked, sizeof(masked)) < 0)
			return auth_result(s, out, "UNAVAILABLE", NULL);
	}
	rp.destination = masked;
	if (!first) {
		rp.retry = s->fake;
		rp.tries_left = left;
	}
	return auth_ask(ctx, s, &rp, out);
}

static int
fake_ask(struct auth_ctx *ctx, struct auth_session *s, enum policy_challenge c,
    struct ua_msg *out)
{
	const struct pool_reply rp = { .status = POOL_CHALLENGE,
		.challenge = c };

	if (c == POLICY_EMAIL_OTP)
		return fake_code(ctx, s, true, 0, out);
	return auth_ask(ctx, s, &rp, out);
}

int
auth_fake_start(struct auth_ctx *ctx, struct auth_session *s,
    struct ua_msg *out)
{
	const struct ua_pool_conf *pc = auth_pool_of(ctx, s);

	if (pc == NULL)
		return auth_result(s, out, "UNAVAILABLE", NULL);
	return fake_ask(ctx, s, policy_fake(pc, s->ident_mac[0], s->preferred),
	    out);
}

int
auth_fake_check(struct auth_ctx *ctx, struct auth_session *s,
    const char *password)
{
	int r;

	r = pool_pw_submit(ctx->wq, s->owner, password, ctx->dummy_hash, false);
	if (r < 0)
		return r;
	s->state = S_JOB;
	s->fake_job = true;
	return 1;
}

static int
fake_password(struct auth_ctx *ctx, struct auth_session *s, const char *answer,
    struct ua_msg *out)
{
	const struct ua_pool_conf *pc = auth_pool_of(ctx, s);
	size_t n = strlen(answer);
	bool valid;

	if (n == 0 && pc != NULL && policy_code_fallback(pc))
		return fake_code(ctx, s, true, 0, out);
	/* Fakes and invalid answers cost one hash too: same timing. */
	valid = ua_valid_password(answer, n, NULL) == 0;
	return auth_fake_check(ctx, s, valid ? answer : "");
}

/*
 * A live code that never matches, down to its tries and its expiry.  An
 * answer that is no code (otp_answer_is_code) spends no try and gets no
 * verdict, as a backend refuses it, throttled or not (a real user's is
 * passed on as it is then too).
 */
static int
fake_answer_code(struct auth_ctx *ctx, struct auth_session *s,
    const char *answer, struct ua_msg *out)
{
	const struct ua_pool_conf *pc = auth_pool_of(ctx, s);
	bool judged = otp_answer_is_code(answer);
	struct otp_clock now = otp_clock_now();
	struct store_err err = { 0 };
	unsigned left = 0;

	/* a local pool's real wrong code costs a store write: so does this */
	if (judged && pc != NULL && pc->backend == UA_BACKEND_LOCAL &&
	    ctx->store != NULL &&
	    otp_verify_decoy(ctx->store, ctx->keys, answer, time(NULL), &err) <
		0) {
		ua_log(LOG_ERR, "decoy code check failed: %s", err.msg);
		return auth_unavailable(s, out, "otp_store");
	}
	if (!otp_clock_passed(&s->code_expires, &now) && s->fake_tries > 0)
		left = judged ? --s->fake_tries : s->fake_tries;
	if (left == 0)
		return auth_fail(s, out, s->fake);
	auth_audit(s, "auth", "retry", s->fake);
	return fake_code(ctx, s, false, left, out);
}

/* The TOTP after a failed first factor: the work of a check, no match. */
static int
fake_answer_totp(struct auth_ctx *ctx, struct auth_session *s,
    const char *answer, struct ua_msg *out)
{
	static const uint8_t none[TOTP_SECRET_LEN];
	const struct ua_pool_conf *pc = auth_pool_of(ctx, s);
	const char *why = s->mfa_doomed ? s->mfa_doomed : s->fake;
	struct pool_reply rp = { .status = POOL_CHALLENGE,
		.challenge = s->expect,
		.retry = why };
	char norm[RECOVERY_LEN + 1];
	uint8_t mac[KEYS_MAC_LEN];
	struct totp_params p;
	int64_t step = 0;

	if (pc == NULL)
		return auth_result(s, out, "UNAVAILABLE", NULL);
	totp_params_of(pc, &p);
	/* a recovery code's work is its MAC, as for a real user's */
	if (recovery_answer(answer, norm))
		(void)recovery_mac(ctx->keys, 0, norm, mac);
	else
		(void)totp_verify(none, sizeof(none), &p, time(NULL), answer,
		    INT64_MAX, &step);
	ua_wipe(norm, sizeof(norm));
	ua_wipe(mac, sizeof(mac));
	if (s->totp_tries > 0)
		s->totp_tries--;
	if (s->totp_tries == 0)
		return auth_fail(s, out, why);
	auth_audit(s, "auth", "retry", why);
	return auth_ask(ctx, s, &rp, out);
}

int
auth_fake_respond(struct auth_ctx *ctx, struct auth_session *s,
    const char *answer, struct ua_msg *out)
{
	switch (s->expect) {
	case POLICY_PASSWORD:
		return fake_password(ctx, s, answer, out);
	case POLICY_EMAIL_OTP:
		return fake_answer_code(ctx, s, answer, out);
	case POLICY_SELECT:
		return fake_ask(ctx, s, policy_parse(answer), out);
	case POLICY_TOTP:
	case POLICY_MFA_SETUP:
		return fake_answer_totp(ctx, s, answer, out);
	case POLICY_NEW_PASSWORD:
	case POLICY_NONE:
		break;
	}
	return -EPROTO;
}

int
auth_first_factor_failed(struct auth_ctx *ctx, struct auth_session *s,
    const char *reason, struct ua_msg *out)
{
	const struct ua_pool_conf *pc = auth_pool_of(ctx, s);
	const struct pool_reply rp = { .status = POOL_CHALLENGE,
		.challenge = POLICY_TOTP };
	bool follows = pc != NULL && pc->mfa == UA_MFA_REQUIRED;

	if (pc == NULL)
		return auth_result(s, out, "UNAVAILABLE", NULL);
	/*
	 * A fake's (s->fake set) where the pool requires MFA; a backend's
	 * before_mfa (s->fake NULL) always: it says so only where a right
	 * answer would have been followed by a TOTP (mfa = optional too).
	 * A found user's password refused unjudged is a wrong one: the
	 * backend says whether a TOTP would follow (optional, enrolled).
	 */
	if (!follows && s->fake != NULL && s->real_unjudged &&
	    pc->mfa == UA_MFA_OPTIONAL && s->bl != NULL &&
	    s->bl->be->ops->mfa_follows != NULL &&
	    s->bl->be->ops->mfa_follows(s->bl, pc, &follows) < 0)
		return auth_unavailable(s, out, "mfa_state");
	if (!follows && s->fake != NULL)
		return auth_fail(s, out, reason);
	/* The same transcript as a right first factor; never OK. */
	s->totp_tries = pc->otp_tries;
	s->mfa_doomed = reason;
	return auth_ask(ctx, s, &rp, out);
}

/* The dummy check is done: a fake's password is always wrong. */
int
auth_fake_job_done(struct auth_ctx *ctx, struct auth_session *s,
    struct workq_job *job, struct ua_msg *out)
{
	bool failed = ((struct pool_pw_job *)job)->failed;
	int r;

	pool_job_free(job);
	/* as a real user's check that libcrypt could not make */
	if (failed)
		return auth_unavailable(s, out, "hash_failed");
	if (s->kind != K_CHPASS)
		return auth_first_factor_failed(ctx, s, s->fake, out);
	if (auth_pool_of(ctx, s) == NULL)
		return auth_result(s, out, "UNAVAILABLE", NULL);
	r = auth_fail(s, out, s->fake);
	if (r == 0 && ua_msg_add(out, UA_T_MESSAGE, AUTH_OLD_WRONG) < 0)
		return -ENOMEM;
	return r;
}
