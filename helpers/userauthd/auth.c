/* SPDX-License-Identifier: MIT */
/*
 * The login state machine.  Owns the per-connection session: who is
 * logging in, which challenge is expected, the code bound to it.  It must
 * treat unknown, disabled, foreign (a non-root peer asking for another
 * uid) and wrong answers alike: same challenges, messages and work (a
 * dummy hash for passwords), never a mail for a fake.
 */
#include <crypt.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/mask.h"
#include "client/valid.h"
#include "client/wipe.h"
#include "server/log.h"
#include "userauthd/admin.h"
#include "userauthd/auth.h"
#include "userauthd/otp.h"
#include "userauthd/policy.h"
#include "userauthd/qr.h"
#include "userauthd/store_mfa.h"
#include "userauthd/totp.h"

#define AUTH_MAX_IDENT 254
#define AUTH_MAX_SERVICE 64
#define AUTH_MAX_RHOST 255
#define AUTH_MAX_TTY 64

#define CODE_HINT "Press Enter at the password prompt to get a code by email instead."
#define TOTP_WRONG "Wrong verification code."
#define INVITE_INFO "Enter the invitation code from your email."
#define NEWPW_TRIES 5	/* policy violations before FAIL */

enum auth_state { S_NEW, S_ANSWER, S_JOB, S_DONE };

struct auth_session {
	enum auth_state state;
	enum policy_challenge expect;
	const char *fake;		/* why it is fake, or NULL */
	char pool[UA_MAX_POOL + 1];
	char ident[AUTH_MAX_IDENT + 1];
	char service[AUTH_MAX_SERVICE + 1];
	char rhost[AUTH_MAX_RHOST + 1];
	struct store_auth_user user;
	uint8_t ident_mac[KEYS_MAC_LEN];
	int64_t otp_id;
	unsigned fake_tries;	/* tries left when there is no code row */
	time_t code_expires;	/* when the code asked for dies, row or not */
	/* TOTP after the first factor (SOFTWARE_TOKEN_MFA, MFA_SETUP) */
	const char *mfa_doomed;	/* fails whatever the code: why, or NULL */
	unsigned totp_tries;	/* answers left */
	uint8_t setup_secret[TOTP_SECRET_LEN];	/* MFA_SETUP, until confirmed */
	char *setup_info;	/* its enrolment text (secret, URI, QR) */
	unsigned newpw_tries;	/* NEW_PASSWORD_REQUIRED answers left */
	bool invite;		/* EMAIL_OTP answers the invitation code */
	char *new_password;	/* CHPASS: applied once the old one checks */
};

/*
 * Password work for the workers: check `password` against `hash`, or
 * (make) hash a new password into `hash`.  Both cost one yescrypt hash
 * (~60 ms, 16 MiB), which must never run on the event loop.
 */
struct pw_job {
	struct workq_job job;
	char *password;
	char *hash;
	bool make;
	bool ok;
};

void
auth_session_free(struct auth_session *sess)
{
	if (sess == NULL)
		return;
	store_auth_user_clear(&sess->user);
	ua_erase_free(sess->setup_info);
	ua_erase_free(sess->new_password);
	ua_freezero(sess, sizeof(*sess));
}

void
auth_job_free(struct workq_job *job)
{
	struct pw_job *j = (struct pw_job *)job;

	if (j == NULL)
		return;
	ua_erase_free(j->password);
	ua_erase_free(j->hash);
	ua_freezero(j, sizeof(*j));
}

/* Runs in a worker: one hash, compared in constant time (or kept). */
static void
pw_run(struct workq_job *job)
{
	struct pw_job *j = (struct pw_job *)job;
	struct crypt_data *cd;
	const char *h;
	size_t n;

	j->ok = false;
	if (j->make) {
		j->ok = admin_hash_password(j->password, &j->hash) == 0;
		return;
	}
	cd = calloc(1, sizeof(*cd));
	if (cd == NULL)
		return;
	h = crypt_r(j->password, j->hash, cd);
	n = strlen(j->hash);
	if (h != NULL && h[0] != '*' && strlen(h) == n)
		j->ok = CRYPTO_memcmp(h, j->hash, n) == 0;
	ua_freezero(cd, sizeof(*cd));
}

/*
 * Hand PASSWORD to a worker: checked against HASH, or (make) hashed anew.
 * The session waits in S_JOB until auth_job_done; returns 1 (pending).
 */
static int
submit_pw_job(struct auth_ctx *ctx, struct auth_session *s, uint64_t owner,
    const char *password, const char *hash, bool make)
{
	struct pw_job *j = calloc(1, sizeof(*j));
	int r;

	if (j == NULL)
		return -ENOMEM;
	j->job.run = pw_run;
	j->job.owner = owner;
	j->make = make;
	j->password = strdup(password);
	if (j->password == NULL || (!make && (j->hash = strdup(hash)) == NULL)) {
		auth_job_free(&j->job);
		return -ENOMEM;
	}
	r = workq_submit(ctx->wq, &j->job);
	if (r < 0) {
		auth_job_free(&j->job);
		return r;
	}
	s->state = S_JOB;
	return 1;
}

static const struct ua_pool_conf *
pool_of(const struct auth_ctx *ctx, const struct auth_session *s)
{
	return ua_conf_pool(ctx->conf, s->pool);
}

static void
audit(const struct auth_session *s, const char *event, const char *result,
    const char *reason)
{
	char user[80], rhost[80], service[80];

	ua_log(LOG_NOTICE,
	    "event=%s pool=%s user=%s service=%s rhost=%s challenge=%s "
	    "result=%s%s%s",
	    event, s->pool, ua_log_quote(s->ident, user, sizeof(user)),
	    ua_log_quote(s->service, service, sizeof(service)),
	    ua_log_quote(s->rhost, rhost, sizeof(rhost)),
	    policy_name(s->expect), result, reason ? " reason=" : "",
	    reason ? reason : "");
}

void
auth_abandoned(struct auth_session *s)
{
	if (s != NULL && s->state == S_JOB)
		audit(s, "auth", "abandoned", "client_gone");
}

static int
result(struct auth_session *s, struct ua_msg *out, const char *outcome,
    const char *user)
{
	s->state = S_DONE;
	ua_msg_init(out, UA_MSG_RESULT);
	if (ua_msg_add(out, UA_T_OUTCOME, outcome) < 0 ||
	    ua_msg_add(out, UA_T_USER, user) < 0)
		return -ENOMEM;
	return 0;
}

static int
fail(struct auth_session *s, struct ua_msg *out, const char *reason)
{
	audit(s, "auth", "fail", reason);
	return result(s, out, "FAIL", NULL);
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

/*
 * An invited user (no password, a live invitation): EMAIL_OTP answered
 * with the code of the invitation mail; no new code is issued.
 */
static int
ask_invite(struct auth_session *s, struct ua_msg *out, const char *message)
{
	char masked[UA_MAX_EMAIL + 1];

	if (ua_mask_email(s->user.email, masked, sizeof(masked)) < 0)
		return result(s, out, "UNAVAILABLE", NULL);
	s->expect = POLICY_EMAIL_OTP;
	s->state = S_ANSWER;
	ua_msg_init(out, UA_MSG_CHALLENGE);
	if (ua_msg_add(out, UA_T_CHALLENGE, "EMAIL_OTP") < 0 ||
	    ua_msg_add(out, UA_T_INFO, INVITE_INFO) < 0 ||
	    ua_msg_add(out, UA_T_DESTINATION, masked) < 0 ||
	    ua_msg_add(out, UA_T_MESSAGE, message) < 0)
		return -ENOMEM;
	return 0;
}

/* Issue a code (for real users) and ask for it. */
static int
ask_code(struct auth_ctx *ctx, struct auth_session *s, struct ua_msg *out,
    const char *message)
{
	const struct ua_pool_conf *pc = pool_of(ctx, s);
	struct store_err err = { 0 };
	struct otp_limits lim;
	char masked[UA_MAX_EMAIL + 1], info[UA_MAX_EMAIL + 64];
	char fake_dest[UA_MAX_EMAIL + 1];
	const char *dest;
	bool limited = false;
	int r;

	if (pc == NULL)
		return result(s, out, "UNAVAILABLE", NULL);
	if (s->invite)
		return ask_invite(s, out, message);
	policy_otp_limits(pc, &lim);
	if (message == NULL) {
		s->otp_id = 0;
		s->fake_tries = lim.tries;
		s->code_expires = time(NULL) + (time_t)lim.lifetime;
		r = otp_issue(ctx->store, ctx->keys, pc, &lim,
		    s->fake ? 0 : s->user.id, s->user.email, s->ident_mac,
		    time(NULL), &s->otp_id, &limited, &err);
		if (r < 0) {
			ua_log(LOG_ERR, "issuing a code failed: %s", err.msg);
			audit(s, "auth", "error", "otp_issue");
			return result(s, out, "UNAVAILABLE", NULL);
		}
		if (s->otp_id > 0 && ctx->mail_queued != NULL)
			ctx->mail_queued(ctx->mail_arg);
		if (limited)
			audit(s, "otp", "limited", "issuance_limit");
	}
	/*
	 * The destination shown: the user's address; for a fake, the one
	 * typed, or (a login name typed) a plausible address made from the
	 * name and the identifier's keyed MAC, stable across attempts.
	 */
	dest = !s->fake ? s->user.email : s->ident;
	if (s->fake && strchr(s->ident, '@') == NULL) {
		static const char *const domains[] = { "gmail.com",
			"outlook.com", "yahoo.com", "icloud.com", "proton.me" };

		(void)snprintf(fake_dest, sizeof(fake_dest), "%c@%s",
		    s->ident[0] ? s->ident[0] : 'u',
		    domains[s->ident_mac[1] % 5]);
		dest = fake_dest;
	}
	if (ua_mask_email(dest, masked, sizeof(masked)) < 0)
		return result(s, out, "UNAVAILABLE", NULL);
	(void)snprintf(info, sizeof(info), "A code was sent to %s", masked);
	s->expect = POLICY_EMAIL_OTP;
	s->state = S_ANSWER;
	ua_msg_init(out, UA_MSG_CHALLENGE);
	if (ua_msg_add(out, UA_T_CHALLENGE, "EMAIL_OTP") < 0 ||
	    ua_msg_add(out, UA_T_INFO, info) < 0 ||
	    ua_msg_add(out, UA_T_DESTINATION, masked) < 0 ||
	    ua_msg_add(out, UA_T_MESSAGE, message) < 0)
		return -ENOMEM;
	return 0;
}

static int
ask(struct auth_ctx *ctx, struct auth_session *s, enum policy_challenge c,
    struct ua_msg *out)
{
	const struct ua_pool_conf *pc = pool_of(ctx, s);

	if (c == POLICY_EMAIL_OTP)
		return ask_code(ctx, s, out, NULL);
	s->expect = c;
	s->state = S_ANSWER;
	ua_msg_init(out, UA_MSG_CHALLENGE);
	if (ua_msg_add(out, UA_T_CHALLENGE, policy_name(c)) < 0)
		return -ENOMEM;
	if (c == POLICY_PASSWORD && pc != NULL && policy_code_fallback(pc) &&
	    ua_msg_add(out, UA_T_INFO, CODE_HINT) < 0)
		return -ENOMEM;
	if (c == POLICY_SELECT &&
	    ua_msg_add(out, UA_T_AVAILABLE, "PASSWORD,EMAIL_OTP") < 0)
		return -ENOMEM;
	return 0;
}

static int
initiate(struct auth_ctx *ctx, struct auth_session *s,
    const struct ucred *peer, const struct ua_msg *in, struct ua_msg *out)
{
	const struct ua_pool_conf *pc;
	struct store_err err = { 0 };
	struct policy_user pu;
	enum policy_challenge c = POLICY_NONE;
	char tty[AUTH_MAX_TTY + 1], pref[32];
	int r;

	if (take_text(in, UA_T_POOL, s->pool, sizeof(s->pool), true) < 0 ||
	    take_text(in, UA_T_USER, s->ident, sizeof(s->ident), true) < 0 ||
	    take_text(in, UA_T_SERVICE, s->service, sizeof(s->service),
		true) < 0 ||
	    take_text(in, UA_T_RHOST, s->rhost, sizeof(s->rhost), false) < 0 ||
	    take_text(in, UA_T_TTY, tty, sizeof(tty), false) < 0 ||
	    take_text(in, UA_T_PREFERRED, pref, sizeof(pref), false) < 0)
		return -EBADMSG;
	pc = pool_of(ctx, s);
	if (pc == NULL) {
		ua_log(LOG_ERR, "login for unknown pool '%s' (check the PAM "
		    "module's pool= option)", s->pool);
		audit(s, "auth", "error", "unknown_pool");
		return result(s, out, "UNAVAILABLE", NULL);
	}
	if (keys_mac(ctx->keys, "ident", s->ident, strlen(s->ident),
		s->ident_mac) < 0)
		return result(s, out, "UNAVAILABLE", NULL);
	r = store_auth_lookup(ctx->store, s->pool, s->ident, &s->user, &err);
	if (r == -ENOENT)
		s->fake = "unknown";
	else if (r < 0) {
		ua_log(LOG_ERR, "login lookup failed: %s", err.msg);
		return result(s, out, "UNAVAILABLE", NULL);
	} else if (!s->user.enabled)
		s->fake = "disabled";
	else if (peer->uid != 0 && peer->uid != s->user.uid)
		s->fake = "foreign_peer";
	if (!s->fake && s->user.hash == NULL) {
		r = otp_find_invite(ctx->store, s->user.id, time(NULL),
		    &s->otp_id, &err);
		if (r < 0) {
			ua_log(LOG_ERR, "login lookup failed: %s", err.msg);
			return result(s, out, "UNAVAILABLE", NULL);
		}
		if (s->otp_id > 0) {
			s->invite = true;
			return ask_invite(s, out, NULL);
		}
	}
	if (!s->fake) {
		pu = (struct policy_user){ .has_password = s->user.hash != NULL,
			.groups = (const char *const *)s->user.groups,
			.ngroups = s->user.ngroups };
		c = policy_first(pc, &pu, policy_parse(pref));
		if (c == POLICY_NONE)
			s->fake = "no_usable_challenge";
	}
	if (s->fake)
		c = policy_fake(pc, s->ident_mac[0]);
	return ask(ctx, s, c, out);
}

static int
answer_password(struct auth_ctx *ctx, struct auth_session *s,
    uint64_t owner, const char *answer, struct ua_msg *out)
{
	const struct ua_pool_conf *pc = pool_of(ctx, s);
	size_t n = strlen(answer);
	bool valid;

	if (n == 0 && pc != NULL && policy_code_fallback(pc))
		return ask_code(ctx, s, out, NULL);
	/* S13: an empty password in a required-MFA pool is just wrong. */
	valid = ua_valid_password(answer, n, NULL) == 0;
	if (!valid)
		s->fake = s->fake ? s->fake : "invalid_password";
	/* Fakes and invalid answers cost one hash too: same timing. */
	return submit_pw_job(ctx, s, owner, valid ? answer : "",
	    !s->fake && s->user.hash ? s->user.hash : ctx->dummy_hash, false);
}

static int
success(struct auth_ctx *ctx, struct auth_session *s, struct ua_msg *out)
{
	char groups[UA_FIELD_MAX + 1];
	size_t i, n = 0, len;
	int r;

	(void)ctx;
	audit(s, "auth", "ok", NULL);
	r = result(s, out, "OK", s->user.login);
	/* The user's named groups, as many as fit one field. */
	groups[0] = '\0';
	for (i = 0; i < s->user.ngroups; i++) {
		len = strlen(s->user.groups[i]);
		if (n + len + 2 > sizeof(groups))
			break;
		if (n > 0)
			groups[n++] = ',';
		memcpy(groups + n, s->user.groups[i], len + 1);
		n += len;
	}
	if (r == 0 && ua_msg_add(out, UA_T_GROUPS, groups) < 0)
		return -ENOMEM;
	return r;
}

/* Ask for the TOTP (SOFTWARE_TOKEN_MFA) or, enrolling, MFA_SETUP. */
static int
ask_totp(struct auth_session *s, enum policy_challenge c, const char *message,
    struct ua_msg *out)
{
	s->expect = c;
	s->state = S_ANSWER;
	ua_msg_init(out, UA_MSG_CHALLENGE);
	if (ua_msg_add(out, UA_T_CHALLENGE, policy_name(c)) < 0 ||
	    (c == POLICY_MFA_SETUP &&
		ua_msg_add(out, UA_T_INFO, s->setup_info) < 0) ||
	    ua_msg_add(out, UA_T_MESSAGE, message) < 0)
		return -ENOMEM;
	return 0;
}

/* A new secret for enrolment at login, and the text that shows it. */
static int
setup_begin(struct auth_ctx *ctx, struct auth_session *s)
{
	const struct ua_pool_conf *pc = pool_of(ctx, s);
	struct totp_params p;
	char b32[TOTP_BASE32_MAX], *uri = NULL, *qr = NULL;
	size_t sz;
	int r = -ENOMEM;

	totp_params_of(pc, &p);
	if (totp_new_secret(s->setup_secret) < 0 ||
	    totp_base32(s->setup_secret, TOTP_SECRET_LEN, b32,
		sizeof(b32)) < 0)
		return -EIO;
	uri = totp_uri(s->pool, s->user.email, b32, &p);
	qr = uri != NULL ? ua_qr_render(uri) : NULL;
	if (qr != NULL) {
		sz = strlen(qr) + strlen(uri) + strlen(b32) + 160;
		s->setup_info = malloc(sz);
		if (s->setup_info != NULL) {
			(void)snprintf(s->setup_info, sz,
			    "Two-factor authentication is required. Scan this "
			    "QR code with an authenticator app,\nor enter the "
			    "key by hand.\n%sKey: %s\nURI: %s",
			    qr, b32, uri);
			r = 0;
		}
	}
	ua_erase_free(qr);
	ua_erase_free(uri);
	ua_wipe(b32, sizeof(b32));
	return r;
}

static int after_first_factor(struct auth_ctx *ctx, struct auth_session *s,
    bool ok, const char *reason, struct ua_msg *out);

/* NEW_PASSWORD_REQUIRED: the rules as INFO, why the last one failed. */
static int
ask_new_password(struct auth_ctx *ctx, struct auth_session *s,
    const char *message, struct ua_msg *out)
{
	const struct ua_pool_conf *pc = pool_of(ctx, s);
	char info[160];

	(void)snprintf(info, sizeof(info), "You must choose a new password "
	    "(at least %u characters, not your login name or email).",
	    pc != NULL ? (unsigned)pc->password_min_length : 0u);
	s->expect = POLICY_NEW_PASSWORD;
	s->state = S_ANSWER;
	ua_msg_init(out, UA_MSG_CHALLENGE);
	if (ua_msg_add(out, UA_T_CHALLENGE, policy_name(POLICY_NEW_PASSWORD)) <
		0 ||
	    ua_msg_add(out, UA_T_INFO, info) < 0 ||
	    ua_msg_add(out, UA_T_MESSAGE, message) < 0)
		return -ENOMEM;
	return 0;
}

static char
lower_ascii(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* hay contains needle, ASCII case-insensitively (an empty one: no). */
static bool
contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle), h = strlen(hay), i, k;

	if (n == 0 || n > h)
		return false;
	for (i = 0; i + n <= h; i++) {
		for (k = 0; k < n; k++)
			if (lower_ascii(hay[i + k]) != lower_ascii(needle[k]))
				break;
		if (k == n)
			return true;
	}
	return false;
}

/*
 * The pool's password policy for a new password: NULL when it passes,
 * else the sentence that says which rule it breaks.  Length counts
 * characters (UTF-8 code points), not bytes.
 */
const char *
auth_password_policy(const struct ua_pool_conf *pc, const char *login,
    const char *email, const char *pw)
{
	size_t n = strlen(pw), chars = 0, i;
	const char *why = NULL;

	if (ua_valid_password(pw, n, &why) < 0)
		return "The password is not valid (control characters or not "
		       "UTF-8).";
	for (i = 0; i < n; i++)
		if (((unsigned char)pw[i] & 0xc0) != 0x80)
			chars++;
	if (chars < pc->password_min_length)
		return "The password is too short.";
	if (contains_nocase(pw, login))
		return "The password must not contain your login name.";
	if (contains_nocase(pw, email))
		return "The password must not contain your email address.";
	return NULL;
}

/*
 * The answer to NEW_PASSWORD_REQUIRED: checked against the pool's
 * policy (a violation is asked again with the rule), hashed, stored with
 * the flag cleared, then on to MFA as after any first factor.
 */
static int
answer_new_password(struct auth_ctx *ctx, struct auth_session *s,
    uint64_t owner, const char *answer, struct ua_msg *out)
{
	const struct ua_pool_conf *pc = pool_of(ctx, s);
	const char *why;

	if (pc == NULL)
		return result(s, out, "UNAVAILABLE", NULL);
	why = auth_password_policy(pc, s->user.login, s->user.email, answer);
	if (why != NULL) {
		if (s->newpw_tries > 0)
			s->newpw_tries--;
		if (s->newpw_tries == 0)
			return fail(s, out, "new_password_policy");
		audit(s, "auth", "retry", "new_password_policy");
		return ask_new_password(ctx, s, why, out);
	}
	/* Hashed in a worker; new_password_hashed goes on from there. */
	return submit_pw_job(ctx, s, owner, answer, NULL, true);
}

/* The worker hashed the answer to NEW_PASSWORD_REQUIRED: store it. */
static int
new_password_hashed(struct auth_ctx *ctx, struct auth_session *s,
    const char *hash, struct ua_msg *out)
{
	struct store_err err = { 0 };
	int r = -EINVAL;

	if (hash != NULL)
		r = store_auth_set_password(ctx->store, s->user.id, hash, &err);
	if (r < 0) {
		ua_log(LOG_ERR, "storing the new password failed: %s",
		    err.msg[0] ? err.msg : "hash failed");
		audit(s, "auth", "error", "new_password");
		return result(s, out, "UNAVAILABLE", NULL);
	}
	audit(s, "password", "changed", "new_password_required");
	s->user.must_change = false;
	return after_first_factor(ctx, s, true, NULL, out);
}

/*
 * The first factor is done (ok or not).  In a pool with mfa = required,
 * everyone goes on to the TOTP prompt, also a wrong password or a fake
 * (the same transcript), and only a right first factor and a right TOTP
 * reach OK.  mfa = optional asks enrolled users only.
 */
static int
after_first_factor(struct auth_ctx *ctx, struct auth_session *s, bool ok,
    const char *reason, struct ua_msg *out)
{
	const struct ua_pool_conf *pc = pool_of(ctx, s);
	struct store_err err = { 0 };
	struct store_mfa m;
	bool enrolled = false;
	int r;

	if (pc == NULL)
		return result(s, out, "UNAVAILABLE", NULL);
	/* A reset password: a new one first, MFA after it (no bypass). */
	if (ok && !s->fake && s->user.must_change) {
		s->newpw_tries = NEWPW_TRIES;
		return ask_new_password(ctx, s, NULL, out);
	}
	if (ok && pc->mfa != UA_MFA_OFF) {
		r = store_mfa_load(ctx->store, s->user.id, NULL, &m, &err);
		if (r < 0) {
			ua_log(LOG_ERR, "reading the MFA state failed: %s",
			    err.msg);
			return result(s, out, "UNAVAILABLE", NULL);
		}
		enrolled = m.enrolled;
		store_mfa_clear(&m);
	}
	if (pc->mfa == UA_MFA_OFF || (pc->mfa == UA_MFA_OPTIONAL &&
					 (!ok || !enrolled))) {
		if (!ok)
			return fail(s, out, reason);
		return success(ctx, s, out);
	}
	s->totp_tries = pc->otp_tries;
	if (!ok) {
		s->mfa_doomed = reason;
		return ask_totp(s, POLICY_TOTP, NULL, out);
	}
	if (enrolled)
		return ask_totp(s, POLICY_TOTP, NULL, out);
	if (pc->mfa_enrol_at_login) {
		r = setup_begin(ctx, s);
		if (r < 0) {
			audit(s, "auth", "error", "mfa_setup");
			return result(s, out, "UNAVAILABLE", NULL);
		}
		audit(s, "mfa", "setup", "not_enrolled");
		return ask_totp(s, POLICY_MFA_SETUP, NULL, out);
	}
	/* Required, not enrolled, no enrolment here: fails like the rest. */
	s->mfa_doomed = "mfa_not_enrolled";
	return ask_totp(s, POLICY_TOTP, NULL, out);
}

static int
answer_totp(struct auth_ctx *ctx, struct auth_session *s, const char *answer,
    struct ua_msg *out)
{
	static const uint8_t none[TOTP_SECRET_LEN];
	const struct ua_pool_conf *pc = pool_of(ctx, s);
	struct store_err err = { 0 };
	struct totp_params p;
	struct store_mfa m;
	const char *why = "bad_totp";
	int64_t step = 0;
	bool ok = false;
	int r;

	if (pc == NULL)
		return result(s, out, "UNAVAILABLE", NULL);
	totp_params_of(pc, &p);
	if (s->mfa_doomed != NULL) {
		/* The same work as a real check, and never a match. */
		(void)totp_verify(none, sizeof(none), &p, time(NULL), answer,
		    INT64_MAX, &step);
		why = s->mfa_doomed;
	} else if (s->expect == POLICY_MFA_SETUP) {
		ok = totp_verify(s->setup_secret, TOTP_SECRET_LEN, &p,
			 time(NULL), answer, -1, &step) == 0;
		if (ok && store_mfa_activate(ctx->store, s->user.id,
			      s->setup_secret, step, &err) < 0) {
			ua_log(LOG_ERR, "storing the TOTP secret failed: %s",
			    err.msg);
			return result(s, out, "UNAVAILABLE", NULL);
		}
		if (ok)
			audit(s, "mfa", "enrolled", NULL);
	} else {
		r = store_mfa_load(ctx->store, s->user.id, NULL, &m, &err);
		if (r < 0) {
			ua_log(LOG_ERR, "reading the MFA state failed: %s",
			    err.msg);
			return result(s, out, "UNAVAILABLE", NULL);
		}
		r = m.enrolled ? totp_verify(m.secret, TOTP_SECRET_LEN, &p,
				     time(NULL), answer, m.last_step, &step) :
				 -EACCES;
		store_mfa_clear(&m);
		/* S12: the step is checked and stored in one statement. */
		if (r == 0)
			r = store_mfa_accept_step(ctx->store, s->user.id, step,
			    &err);
		if (r == -EALREADY)
			why = "totp_replay";
		else if (r < 0 && r != -EACCES && r != -EINVAL) {
			ua_log(LOG_ERR, "storing the TOTP step failed: %s",
			    err.msg);
			return result(s, out, "UNAVAILABLE", NULL);
		}
		ok = r == 0;
	}
	if (ok)
		return success(ctx, s, out);
	if (s->totp_tries > 0)
		s->totp_tries--;
	if (s->totp_tries == 0)
		return fail(s, out, why);
	audit(s, "auth", "retry", why);
	return ask_totp(s, s->expect, TOTP_WRONG, out);
}

/*
 * CHPASS, once the old password was checked in a worker: the new one
 * against the pool's policy, then hashed in a worker again
 * (chpass_hashed stores it); RESULT OK, or FAIL with the reason.
 */
static int
chpass_done(struct auth_ctx *ctx, struct auth_session *s, uint64_t owner,
    bool ok, struct ua_msg *out)
{
	const struct ua_pool_conf *pc = pool_of(ctx, s);
	const char *why;
	int r;

	if (pc == NULL)
		return result(s, out, "UNAVAILABLE", NULL);
	if (!ok) {
		r = fail(s, out, s->fake ? s->fake : "bad_old_password");
		if (r == 0 && ua_msg_add(out, UA_T_MESSAGE,
				  "The current password is wrong.") < 0)
			return -ENOMEM;
		return r;
	}
	why = auth_password_policy(pc, s->user.login, s->user.email,
	    s->new_password);
	if (why != NULL) {
		r = fail(s, out, "new_password_policy");
		if (r == 0 && ua_msg_add(out, UA_T_MESSAGE, why) < 0)
			return -ENOMEM;
		return r;
	}
	return submit_pw_job(ctx, s, owner, s->new_password, NULL, true);
}

/* The worker hashed CHPASS's new password: store it. */
static int
chpass_hashed(struct auth_ctx *ctx, struct auth_session *s, const char *hash,
    struct ua_msg *out)
{
	struct store_err err = { 0 };
	int r = -EINVAL;

	if (hash != NULL)
		r = store_auth_set_password(ctx->store, s->user.id, hash, &err);
	if (r < 0) {
		ua_log(LOG_ERR, "storing the new password failed: %s",
		    err.msg[0] ? err.msg : "hash failed");
		return result(s, out, "UNAVAILABLE", NULL);
	}
	audit(s, "password", "changed", "chauthtok");
	return result(s, out, "OK", s->user.login);
}

int
auth_job_done(struct auth_ctx *ctx, struct auth_session *s,
    struct workq_job *job, struct ua_msg *out)
{
	struct pw_job *j = (struct pw_job *)job;
	uint64_t owner = job->owner;
	bool ok = j->ok && !s->fake;
	int r;

	if (s->state != S_JOB) {
		auth_job_free(job);
		return -EPROTO;
	}
	if (j->make) {
		const char *hash = j->ok ? j->hash : NULL;

		r = s->new_password != NULL ? chpass_hashed(ctx, s, hash, out) :
					      new_password_hashed(ctx, s, hash,
						  out);
		auth_job_free(job);
		return r;
	}
	auth_job_free(job);
	if (s->new_password != NULL)
		return chpass_done(ctx, s, owner, ok, out);
	return after_first_factor(ctx, s, ok,
	    s->fake ? s->fake : "bad_password", out);
}

static int
answer_code(struct auth_ctx *ctx, struct auth_session *s, const char *answer,
    struct ua_msg *out)
{
	struct store_err err = { 0 };
	char msg[64];
	unsigned left = 0;
	bool ok = false;
	int r;

	if (!s->fake && s->otp_id > 0) {
		r = otp_verify(ctx->store, ctx->keys, s->otp_id, answer,
		    time(NULL), &ok, &left, &err);
		if (r < 0) {
			ua_log(LOG_ERR, "checking a code failed: %s", err.msg);
			return result(s, out, "UNAVAILABLE", NULL);
		}
	} else if (time(NULL) < s->code_expires && s->fake_tries > 0) {
		/*
		 * No code row (a fake, or a real user past the issuance
		 * limits): behave as a live code that never matches, down to
		 * its tries and its expiry.
		 */
		left = --s->fake_tries;
	}
	if (ok && s->invite) {
		/* The invitation is spent: a password must be chosen now. */
		audit(s, "invite", "accepted", NULL);
		s->user.must_change = true;
	}
	if (ok)
		return after_first_factor(ctx, s, true, NULL, out);
	if (left == 0)
		return fail(s, out, s->fake ? s->fake : "bad_code");
	audit(s, "auth", "retry", s->fake ? s->fake : "bad_code");
	(void)snprintf(msg, sizeof(msg), "Wrong code, %u %s left.", left,
	    left == 1 ? "try" : "tries");
	return ask_code(ctx, s, out, msg);
}

static int
respond(struct auth_ctx *ctx, struct auth_session *s, uint64_t owner,
    const struct ua_msg *in, struct ua_msg *out)
{
	const char *ch = ua_msg_get(in, UA_T_CHALLENGE);
	const char *answer = ua_msg_get(in, UA_T_ANSWER);
	enum policy_challenge pick;

	if (s->state != S_ANSWER || answer == NULL ||
	    policy_parse(ch) != s->expect)
		return -EPROTO;
	switch (s->expect) {
	case POLICY_PASSWORD:
		return answer_password(ctx, s, owner, answer, out);
	case POLICY_EMAIL_OTP:
		return answer_code(ctx, s, answer, out);
	case POLICY_SELECT:
		pick = policy_parse(answer);
		if (pick != POLICY_PASSWORD && pick != POLICY_EMAIL_OTP)
			return -EPROTO;
		return ask(ctx, s, pick, out);
	case POLICY_TOTP:
	case POLICY_MFA_SETUP:
		return answer_totp(ctx, s, answer, out);
	case POLICY_NEW_PASSWORD:
		return answer_new_password(ctx, s, owner, answer, out);
	case POLICY_NONE:
		break;
	}
	return -EPROTO;
}

/* ACCT: enabled, and allowed for this pool and service. */
static int
account(struct auth_ctx *ctx, struct auth_session *s,
    const struct ucred *peer, const struct ua_msg *in, struct ua_msg *out)
{
	const struct ua_pool_conf *pc;
	struct store_err err = { 0 };
	struct policy_user pu;
	const char *outcome;
	int r;

	if (take_text(in, UA_T_POOL, s->pool, sizeof(s->pool), true) < 0 ||
	    take_text(in, UA_T_USER, s->ident, sizeof(s->ident), true) < 0 ||
	    take_text(in, UA_T_SERVICE, s->service, sizeof(s->service),
		true) < 0 ||
	    take_text(in, UA_T_RHOST, s->rhost, sizeof(s->rhost), false) < 0)
		return -EBADMSG;
	pc = pool_of(ctx, s);
	if (pc == NULL)
		return result(s, out, "UNAVAILABLE", NULL);
	r = store_auth_lookup(ctx->store, s->pool, s->ident, &s->user, &err);
	if (r < 0 && r != -ENOENT)
		return result(s, out, "UNAVAILABLE", NULL);
	if (r == -ENOENT || (peer->uid != 0 && peer->uid != s->user.uid))
		outcome = "FAIL";
	else {
		pu = (struct policy_user){ .has_password = s->user.hash != NULL,
			.groups = (const char *const *)s->user.groups,
			.ngroups = s->user.ngroups };
		outcome = s->user.enabled &&
			policy_service_allowed(pc, s->service, &pu) ?
		    "OK" :
		    "DENIED";
	}
	{
		char user[80], service[80], rhost[80];

		ua_log(LOG_NOTICE, "event=account pool=%s user=%s service=%s "
		    "rhost=%s result=%s", s->pool,
		    ua_log_quote(s->user.login[0] ? s->user.login : s->ident,
			user, sizeof(user)),
		    ua_log_quote(s->service, service, sizeof(service)),
		    ua_log_quote(s->rhost, rhost, sizeof(rhost)), outcome);
	}
	return result(s, out, outcome, s->user.login[0] ? s->user.login : NULL);
}

/*
 * CHPASS: POOL, USER, SERVICE, OLD_PASSWORD, NEW_PASSWORD.  The old
 * password is checked by a worker like a login's (unknown, disabled and
 * foreign users hash against the dummy and fail alike), then
 * chpass_done applies the new one.
 */
static int
chpass(struct auth_ctx *ctx, struct auth_session *s,
    const struct ucred *peer, uint64_t owner, const struct ua_msg *in,
    struct ua_msg *out)
{
	const char *old = ua_msg_get(in, UA_T_OLD_PASSWORD);
	const char *new = ua_msg_get(in, UA_T_NEW_PASSWORD);
	struct store_err err = { 0 };
	bool valid;
	int r;

	if (take_text(in, UA_T_POOL, s->pool, sizeof(s->pool), true) < 0 ||
	    take_text(in, UA_T_USER, s->ident, sizeof(s->ident), true) < 0 ||
	    take_text(in, UA_T_SERVICE, s->service, sizeof(s->service),
		true) < 0 ||
	    take_text(in, UA_T_RHOST, s->rhost, sizeof(s->rhost), false) < 0 ||
	    old == NULL || new == NULL)
		return -EBADMSG;
	if (pool_of(ctx, s) == NULL)
		return result(s, out, "UNAVAILABLE", NULL);
	r = store_auth_lookup(ctx->store, s->pool, s->ident, &s->user, &err);
	if (r == -ENOENT)
		s->fake = "unknown";
	else if (r < 0)
		return result(s, out, "UNAVAILABLE", NULL);
	else if (!s->user.enabled)
		s->fake = "disabled";
	else if (peer->uid != 0 && peer->uid != s->user.uid)
		s->fake = "foreign_peer";
	else if (s->user.hash == NULL)
		s->fake = "no_password";
	s->expect = POLICY_PASSWORD;
	s->new_password = strdup(new);
	if (s->new_password == NULL)
		return -ENOMEM;
	valid = ua_valid_password(old, strlen(old), NULL) == 0;
	if (!valid)
		s->fake = s->fake ? s->fake : "invalid_password";
	return submit_pw_job(ctx, s, owner, valid ? old : "",
	    !s->fake ? s->user.hash : ctx->dummy_hash, false);
}

static int
session_open(struct auth_ctx *ctx, struct auth_session *s,
    const struct ucred *peer, const struct ua_msg *in, struct ua_msg *out)
{
	struct store_err err = { 0 };
	int r;

	if (take_text(in, UA_T_POOL, s->pool, sizeof(s->pool), true) < 0 ||
	    take_text(in, UA_T_USER, s->ident, sizeof(s->ident), true) < 0)
		return -EBADMSG;
	r = store_auth_lookup(ctx->store, s->pool, s->ident, &s->user, &err);
	if (r < 0 || (peer->uid != 0 && peer->uid != s->user.uid))
		return result(s, out, "FAIL", NULL);
	r = store_touch_login(ctx->store, s->user.id, (int64_t)time(NULL),
	    &err);
	return result(s, out, r == 0 ? "OK" : "UNAVAILABLE", NULL);
}

int
auth_handle(struct auth_ctx *ctx, struct auth_session **sessp,
    const struct ucred *peer, uint64_t owner, const struct ua_msg *in,
    struct ua_msg *out)
{
	struct auth_session *s = *sessp;

	if (in->type == UA_MSG_RESPOND)
		return s != NULL ? respond(ctx, s, owner, in, out) : -EPROTO;
	/* Every other request starts afresh on this connection. */
	auth_session_free(s);
	s = calloc(1, sizeof(*s));
	*sessp = s;
	if (s == NULL)
		return -ENOMEM;
	switch (in->type) {
	case UA_MSG_INITIATE:
		return initiate(ctx, s, peer, in, out);
	case UA_MSG_ACCT:
		return account(ctx, s, peer, in, out);
	case UA_MSG_SESSION:
		return session_open(ctx, s, peer, in, out);
	case UA_MSG_CHPASS:
		return chpass(ctx, s, peer, owner, in, out);
	default:
		return -EPROTO;
	}
}
