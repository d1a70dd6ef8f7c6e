/* SPDX-License-Identifier: MIT */
/*
 * What the login conversation says: CHALLENGE and RESULT messages built
 * from backend replies (with the conversation's own texts, so fakes and
 * every backend say the same), and the audit line of each decision.  No
 * secret and no code ever goes into either.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "client/frame.h"
#include "server/log.h"
#include "userauthd/auth/session.h"
#include "userauthd/stats.h"

#define CODE_HINT                                                              \
	"Press Enter at the password prompt to get a code by email instead."
/*
 * A wrong SOFTWARE_TOKEN_MFA answer: in an MFA pool the TOTP is asked
 * after a wrong password too (a doomed one), so the message cannot say
 * which factor failed.  MFA_SETUP is only ever asked after a right
 * password (it shows a new key), so its message may name the code.
 */
#define TOTP_WRONG "Wrong password or verification code."
#define SETUP_WRONG "Wrong verification code."

/*
 * The identifier for a log line: quoted when it is a login name or an
 * address, else (users type passwords into "Email:") a short keyed hash.
 */
const char *
auth_log_ident(const struct auth_session *s, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	char lower[AUTH_MAX_IDENT + 1];
	size_t i;

	if (ua_valid_name(s->ident, NULL) == 0 ||
	    ua_email_normalize(s->ident, lower, sizeof(lower), NULL) == 0)
		return ua_log_quote(s->ident, out, outsz);
	if (outsz < 5 + 16 + 1)
		return "hash:";
	memcpy(out, "hash:", 5);
	for (i = 0; i < 8; i++) {
		out[5 + 2 * i] = hex[s->ident_mac[i] >> 4];
		out[6 + 2 * i] = hex[s->ident_mac[i] & 15];
	}
	out[21] = '\0';
	return out;
}

void
auth_audit(const struct auth_session *s, const char *event, const char *result,
    const char *reason)
{
	char user[80], rhost[80], service[80], pool[80];

	/* an answer refused unjudged says so, and only the audit line does */
	if (s->unjudged != NULL && strcmp(event, "auth") == 0 &&
	    (strcmp(result, "fail") == 0 || strcmp(result, "retry") == 0))
		reason = s->unjudged;
	if (strcmp(event, "auth") == 0)
		stats_auth((int)s->expect, result);
	ua_log(LOG_NOTICE,
	    "event=%s pool=%s user=%s service=%s rhost=%s challenge=%s "
	    "result=%s%s%s",
	    event, ua_log_quote(s->pool, pool, sizeof(pool)),
	    auth_log_ident(s, user, sizeof(user)),
	    ua_log_quote(s->service, service, sizeof(service)),
	    ua_log_quote(s->rhost, rhost, sizeof(rhost)),
	    policy_name(s->expect), result, reason ? " reason=" : "",
	    reason ? reason : "");
}

/* What a backend's audit calls come through. */
void
auth_conv_audit(void *arg, const char *event, const char *result,
    const char *reason)
{
	auth_audit(arg, event, result, reason);
}

int
auth_result(struct auth_session *s, struct ua_msg *out, const char *outcome,
    const char *user)
{
	s->state = S_DONE;
	ua_msg_init(out, UA_MSG_RESULT);
	if (ua_msg_add(out, UA_T_OUTCOME, outcome) < 0 ||
	    ua_msg_add(out, UA_T_USER, user) < 0)
		return -ENOMEM;
	return 0;
}

int
auth_fail(struct auth_session *s, struct ua_msg *out, const char *reason)
{
	auth_audit(s, "auth", "fail", reason);
	return auth_result(s, out, "FAIL", NULL);
}

/* FAIL with a sentence for the user (CHPASS). */
int
auth_fail_saying(struct auth_session *s, struct ua_msg *out, const char *reason,
    const char *message)
{
	int r = auth_fail(s, out, reason);

	if (r == 0 && ua_msg_add(out, UA_T_MESSAGE, message) < 0)
		return -ENOMEM;
	return r;
}

int
auth_unavailable(struct auth_session *s, struct ua_msg *out, const char *reason)
{
	if (reason != NULL)
		auth_audit(s, "auth", "error", reason);
	return auth_result(s, out, "UNAVAILABLE", NULL);
}

int
auth_unavailable_saying(struct auth_session *s, struct ua_msg *out,
    const char *reason, const char *message)
{
	int r = auth_unavailable(s, out, reason);

	if (r == 0 && message != NULL &&
	    ua_msg_add(out, UA_T_MESSAGE, message) < 0)
		return -ENOMEM;
	return r;
}

int
auth_ask(const struct auth_ctx *ctx, struct auth_session *s,
    const struct pool_reply *rp, struct ua_msg *out)
{
	const struct ua_pool_conf *pc = auth_pool_of(ctx, s);
	enum policy_challenge c = rp->challenge;
	const char *info = rp->info, *message = rp->message;
	const char *available = rp->available;
	char ibuf[UA_MAX_EMAIL + 64], mbuf[64];

	if (c == POLICY_PASSWORD && info == NULL && pc != NULL &&
	    !rp->no_code_hint && policy_code_fallback(pc))
		info = CODE_HINT;
	if (c == POLICY_EMAIL_OTP && info == NULL && rp->destination != NULL) {
		(void)snprintf(ibuf, sizeof(ibuf), "A code was sent to %s",
		    rp->destination);
		info = ibuf;
	}
	if (c == POLICY_SELECT && available == NULL)
		available = "PASSWORD,EMAIL_OTP";
	if (rp->retry != NULL && message == NULL && c == POLICY_EMAIL_OTP) {
		(void)snprintf(mbuf, sizeof(mbuf), "Wrong code, %u %s left.",
		    rp->tries_left, rp->tries_left == 1 ? "try" : "tries");
		message = mbuf;
	} else if (rp->retry != NULL && message == NULL && c == POLICY_TOTP)
		message = TOTP_WRONG;
	else if (rp->retry != NULL && message == NULL && c == POLICY_MFA_SETUP)
		message = SETUP_WRONG;
	s->expect = c;
	s->state = S_ANSWER;
	if (c == POLICY_EMAIL_OTP)
		s->code_asked = ua_now_ns();
	ua_msg_init(out, UA_MSG_CHALLENGE);
	if (ua_msg_add(out, UA_T_CHALLENGE, policy_name(c)) < 0 ||
	    ua_msg_add(out, UA_T_INFO, info) < 0 ||
	    ua_msg_add(out, UA_T_DESTINATION, rp->destination) < 0 ||
	    ua_msg_add(out, UA_T_AVAILABLE, available) < 0 ||
	    ua_msg_add(out, UA_T_MESSAGE, message) < 0)
		return -ENOMEM;
	return 0;
}

int
auth_success(struct auth_session *s, const struct pool_user *u,
    struct ua_msg *out)
{
	char groups[UA_FIELD_MAX + 1];
	size_t i, n = 0, len;
	int r;

	auth_audit(s, "auth", "ok", NULL);
	r = auth_result(s, out, "OK", u->login);
	/* The user's named groups, as many as fit one field. */
	groups[0] = '\0';
	for (i = 0; i < u->ngroups; i++) {
		len = strlen(u->groups[i]);
		if (n + len + 2 > sizeof(groups))
			break;
		if (n > 0)
			groups[n++] = ',';
		memcpy(groups + n, u->groups[i], len + 1);
		n += len;
	}
	if (r == 0 && ua_msg_add(out, UA_T_GROUPS, groups) < 0)
		return -ENOMEM;
	return r;
}
