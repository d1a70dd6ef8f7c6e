/* SPDX-License-Identifier: MIT */
/*
 * The local backend after a right first factor: a new password when one
 * is due, then TOTP (SOFTWARE_TOKEN_MFA) or enrolment at login
 * (MFA_SETUP), then OK, and only then is the new password stored; and
 * after a wrong one, whether a TOTP would have been asked.  There is no
 * path to OK around the TOTP of a pool that requires it; a secret shown
 * for enrolment is kept only after the first valid code, and never over a
 * secret the user already has.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/wipe.h"
#include "server/log.h"
#include "userauthd/otp.h"
#include "userauthd/pool/local_int.h"
#include "server/qr.h"
#include "userauthd/store/store_sources.h"
#include "userauthd/store/store_mfa.h"

/* The network a source stands for: a /24, a /64, a host name, "local". */
static void
source_net(const char *rhost, char *out, size_t outsz)
{
	struct in_addr a4;
	struct in6_addr a6;
	unsigned char *b;
	char txt[INET6_ADDRSTRLEN];
	size_t i;

	if (rhost[0] == '\0') {
		(void)snprintf(out, outsz, "local");
	} else if (inet_pton(AF_INET, rhost, &a4) == 1) {
		b = (unsigned char *)&a4;
		(void)snprintf(out, outsz, "%u.%u.%u.0/24", b[0], b[1], b[2]);
	} else if (inet_pton(AF_INET6, rhost, &a6) == 1) {
		memset(a6.s6_addr + 8, 0, 8);
		if (inet_ntop(AF_INET6, &a6, txt, sizeof(txt)) == NULL)
			txt[0] = '\0';
		(void)snprintf(out, outsz, "%s/64", txt);
	} else {
		for (i = 0; rhost[i] != '\0' && i + 1 < outsz; i++)
			out[i] = (char)tolower((unsigned char)rhost[i]);
		out[i] = '\0';
	}
}

/* s with every '%' doubled into out (a mail template's text). */
static void
no_escapes(const char *s, char *out, size_t outsz)
{
	size_t n = 0;

	for (; *s != '\0' && n + 2 < outsz; s++) {
		if (*s == '%')
			out[n++] = '%';
		out[n++] = *s;
	}
	out[n] = '\0';
}

/*
 * login_notice_days: a sign-in from a network the user has not used for
 * that long mails them a notice (through the queue, like a code).  The
 * login never fails for it; a failure is logged.
 */
static void
notice_new_source(struct local_login *s, const struct ua_pool_conf *pc)
{
	struct store_err err = { 0 };
	char net[300], host[600], svc[140], when[40], text[1200];
	time_t now = time(NULL);
	struct tm tm;
	bool is_new = false;

	if (pc->login_notice_days == 0 || pc->mail_from == NULL ||
	    s->user.email[0] == '\0')
		return;
	source_net(s->rhost, net, sizeof(net));
	if (store_login_source(s->lb->env.store, s->user.id, net, (int64_t)now,
		(int64_t)pc->login_notice_days * 86400, &is_new, &err) < 0) {
		ua_log(LOG_ERR, "login sources: %s", err.msg);
		return;
	}
	if (!is_new)
		return;
	no_escapes(s->rhost[0] ? s->rhost : "this machine", host, sizeof(host));
	no_escapes(s->service, svc, sizeof(svc));
	(void)strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC",
	    gmtime_r(&now, &tm));
	(void)snprintf(text, sizeof(text),
	    "Your %%p account on %%h signed in "
	    "from a place it had not\nsigned in from in %u days:\n\n"
	    "  from:    %s\n  service: %s\n  time:    %s\n\n"
	    "If that was you, there is nothing to do. If not, change your\n"
	    "password and tell your administrator.\n",
	    (unsigned)pc->login_notice_days, host, svc, when);
	if (otp_queue_notice(s->lb->env.store, pc, s->user.email, text, now,
		&err) < 0) {
		ua_log(LOG_ERR, "new-login notice: %s", err.msg);
		return;
	}
	local_audit(s, "notice", "queued", "new_source");
	if (s->lb->env.mail_queued != NULL)
		s->lb->env.mail_queued(s->lb->env.mail_arg);
}

static int
success(struct local_login *s, const struct ua_pool_conf *pc,
    struct pool_reply *rp)
{
	if (local_new_password_commit(s) < 0)
		return local_unavailable(rp, "new_password");
	notice_new_source(s, pc);
	rp->status = POOL_OK;
	rp->user = (struct pool_user){ .login = s->user.login,
		.uid = s->user.uid,
		.enabled = s->user.enabled,
		.has_password = s->user.hash != NULL,
		.groups = (const char *const *)s->user.groups,
		.ngroups = s->user.ngroups };
	return 0;
}

/* Ask for the TOTP (SOFTWARE_TOKEN_MFA) or, enrolling, MFA_SETUP. */
static int
ask_totp(struct local_login *s, enum policy_challenge c, struct pool_reply *rp)
{
	s->expect = c;
	rp->status = POOL_CHALLENGE;
	rp->challenge = c;
	if (c == POLICY_MFA_SETUP)
		rp->info = s->setup_info;
	return 0;
}

/*
 * A new secret and recovery codes for enrolment at login, and the text
 * that shows them; the codes in plain are forgotten once in the text.
 */
static int
setup_begin(struct local_login *s, const struct ua_pool_conf *pc)
{
	struct totp_params p;
	char b32[TOTP_BASE32_MAX], *key = NULL, *codes = NULL;
	size_t sz;
	int r = -EIO;

	totp_params_of(pc, &p);
	if (totp_new_secret(s->setup_secret) < 0 ||
	    totp_base32(s->setup_secret, TOTP_SECRET_LEN, b32, sizeof(b32)) <
		0 ||
	    recovery_new(s->lb->env.keys, s->user.id, &s->setup_recovery) < 0)
		goto out;
	r = -ENOMEM;
	key = totp_setup_text(totp_issuer(pc), s->user.email, b32, &p);
	codes = recovery_text(&s->setup_recovery);
	recovery_forget_shown(&s->setup_recovery);
	if (key == NULL || codes == NULL)
		goto out;
	sz = strlen(key) + strlen(codes) + 2;
	ua_erase_free(s->setup_info);
	s->setup_info = malloc(sz);
	if (s->setup_info == NULL)
		goto out;
	(void)snprintf(s->setup_info, sz, "%s\n%s", key, codes);
	r = 0;
out:
	ua_erase_free(key);
	ua_erase_free(codes);
	ua_wipe(b32, sizeof(b32));
	return r;
}

/* Whether the user has an active TOTP key (pools with MFA only). */
static int
enrolled_in(struct local_login *s, const struct ua_pool_conf *pc, bool *ret)
{
	struct store_err err = { 0 };
	struct store_mfa m;
	int r;

	*ret = false;
	if (pc->mfa == UA_MFA_OFF)
		return 0;
	r = store_mfa_load(s->lb->env.store, s->user.id, NULL, &m, &err);
	if (r < 0) {
		ua_log(LOG_ERR, "reading the MFA state failed: %s", err.msg);
		return r;
	}
	*ret = m.enrolled;
	store_mfa_clear(&m);
	return 0;
}

/*
 * The first factor is done and right.  In a pool with mfa = required
 * everyone goes on to the TOTP prompt and only a right TOTP reaches OK;
 * mfa = optional asks enrolled users only.  (A wrong first factor never
 * comes here: see local_first_factor_failed.)
 */
int
local_after_first_factor(struct local_login *s, const struct ua_pool_conf *pc,
    struct pool_reply *rp)
{
	bool enrolled = false;
	int r;

	if (pc == NULL)
		return local_unavailable(rp, NULL);
	/* A reset password: a new one first, MFA after it (no bypass). */
	if (s->user.must_change) {
		s->newpw_tries = NEWPW_TRIES;
		return local_ask_new_password(s, pc, NULL, rp);
	}
	if (enrolled_in(s, pc, &enrolled) < 0)
		return local_unavailable(rp, NULL);
	if (pc->mfa == UA_MFA_OFF || (pc->mfa == UA_MFA_OPTIONAL && !enrolled))
		return success(s, pc, rp);
	s->totp_tries = pc->otp_tries;
	if (enrolled)
		return ask_totp(s, POLICY_TOTP, rp);
	if (pc->mfa_enrol_at_login) {
		r = setup_begin(s, pc);
		if (r < 0)
			return local_unavailable(rp, "mfa_setup");
		local_audit(s, "mfa", "setup", "not_enrolled");
		return ask_totp(s, POLICY_MFA_SETUP, rp);
	}
	/* Required, not enrolled, no enrolment here: fails like the rest. */
	local_new_password_drop(s);
	rp->before_mfa = true;
	return local_fail(rp, "mfa_not_enrolled");
}

/*
 * The first factor was wrong.  Where a right one would have been followed
 * by a TOTP prompt (the pool requires MFA; or it is optional and the user
 * is enrolled) the FAIL says before_mfa, and the conversation asks a TOTP
 * that cannot succeed: the prompts are those of a right first factor.
 * The MFA state is read either way, as after a right one.
 */
int
local_first_factor_failed(struct local_login *s, const struct ua_pool_conf *pc,
    const char *reason, struct pool_reply *rp)
{
	bool follows = false;

	if (pc == NULL)
		return local_unavailable(rp, NULL);
	if (local_mfa_follows(s, pc, &follows) < 0)
		return local_unavailable(rp, NULL);
	rp->before_mfa = follows;
	return local_fail(rp, reason);
}

int
local_mfa_follows(struct local_login *s, const struct ua_pool_conf *pc,
    bool *ret)
{
	bool enrolled = false;

	if (enrolled_in(s, pc, &enrolled) < 0)
		return -EIO;
	*ret = pc->mfa == UA_MFA_REQUIRED ||
	    (pc->mfa == UA_MFA_OPTIONAL && enrolled);
	return 0;
}

/*
 * MFA_SETUP's first code: keep the secret if it matches (-EIO: the store
 * failed).  Enrolment at login is for users without a key only: one that
 * appeared meanwhile (an administrator's) is never replaced, and the
 * login, which showed another, fails.
 */
static int
check_setup(struct local_login *s, const struct totp_params *p,
    const char *answer, bool *ret_ok, const char **ret_why)
{
	struct store_err err = { 0 };
	int64_t step = 0;
	bool ok;
	int r = 0;

	ok = totp_verify(s->setup_secret, TOTP_SECRET_LEN, p, time(NULL),
		 answer, -1, &step) == 0;
	if (ok)
		r = store_mfa_activate_new(s->lb->env.store, s->user.id,
		    s->setup_secret, step, &s->setup_recovery,
		    (int64_t)time(NULL), &err);
	if (r == -EEXIST) {
		local_audit(s, "mfa", "refused", "already_enrolled");
		ua_wipe(s->setup_secret, sizeof(s->setup_secret));
		s->totp_tries = 0; /* nothing left to try */
		*ret_why = "mfa_already_enrolled";
		ok = false;
	} else if (r < 0) {
		ua_log(LOG_ERR, "storing the TOTP secret failed: %s", err.msg);
		return -EIO;
	} else if (ok)
		local_audit(s, "mfa", "enrolled", NULL);
	*ret_ok = ok;
	return 0;
}

/*
 * A recovery code in place of the TOTP: spent if it is one of the
 * user's (once: the store deletes it in the same step).  -EIO (logged).
 */
static int
check_recovery(struct local_login *s, const char *norm, bool *ret_ok,
    const char **ret_why)
{
	struct store_err err = { 0 };
	uint8_t mac[KEYS_MAC_LEN];
	int r;

	*ret_ok = false;
	r = recovery_mac(s->lb->env.keys, s->user.id, norm, mac);
	if (r == 0)
		r = store_mfa_recovery_use(s->lb->env.store, s->user.id, mac,
		    ret_ok, &err);
	ua_wipe(mac, sizeof(mac));
	if (r < 0) {
		ua_log(LOG_ERR, "checking a recovery code failed: %s",
		    err.msg[0] != '\0' ? err.msg : "no MAC");
		return -EIO;
	}
	*ret_why = "bad_recovery_code";
	if (*ret_ok)
		local_audit(s, "mfa", "recovery_code_used", NULL);
	return 0;
}

/*
 * SOFTWARE_TOKEN_MFA: the stored secret, a step never used before; or,
 * for an enrolled user, one of the recovery codes.  -EIO (logged) when
 * the store fails.
 */
static int
check_totp(struct local_login *s, const struct totp_params *p,
    const char *answer, bool *ret_ok, const char **ret_why)
{
	struct store *st = s->lb->env.store;
	struct store_err err = { 0 };
	char norm[RECOVERY_LEN + 1];
	struct store_mfa m;
	int64_t step = 0;
	int r;

	r = store_mfa_load(st, s->user.id, NULL, &m, &err);
	if (r < 0) {
		ua_log(LOG_ERR, "reading the MFA state failed: %s", err.msg);
		return -EIO;
	}
	if (m.enrolled && recovery_answer(answer, norm)) {
		store_mfa_clear(&m);
		r = check_recovery(s, norm, ret_ok, ret_why);
		ua_wipe(norm, sizeof(norm));
		return r;
	}
	r = m.enrolled ? totp_verify(m.secret, TOTP_SECRET_LEN, p, time(NULL),
			     answer, m.last_step, &step)
		       : -EACCES;
	store_mfa_clear(&m);
	/* S12: the step is checked and stored in one statement. */
	if (r == 0)
		r = store_mfa_accept_step(st, s->user.id, step, &err);
	if (r == -EALREADY)
		*ret_why = "totp_replay";
	else if (r < 0 && r != -EACCES && r != -EINVAL) {
		ua_log(LOG_ERR, "storing the TOTP step failed: %s", err.msg);
		return -EIO;
	}
	*ret_ok = r == 0;
	return 0;
}

int
local_answer_totp(struct local_login *s, const struct ua_pool_conf *pc,
    const char *answer, struct pool_reply *rp)
{
	struct totp_params p;
	const char *why = "bad_totp";
	bool ok = false;
	int r;

	if (pc == NULL)
		return local_unavailable(rp, NULL);
	totp_params_of(pc, &p);
	if (s->expect == POLICY_MFA_SETUP)
		r = check_setup(s, &p, answer, &ok, &why);
	else
		r = check_totp(s, &p, answer, &ok, &why);
	if (r < 0)
		return local_unavailable(rp, NULL);
	rp->verdict =
	    (struct pool_verdict){ POOL_FACTOR_TOTP, ok, ok ? NULL : why };
	if (ok)
		return success(s, pc, rp);
	if (s->totp_tries > 0)
		s->totp_tries--;
	if (s->totp_tries == 0) {
		local_new_password_drop(s);
		return local_fail(rp, why);
	}
	rp->retry = why;
	return ask_totp(s, s->expect, rp);
}
