/* SPDX-License-Identifier: MIT */
/*
 * After the last line of userauth.conf: pools inherit [defaults], then
 * the checks that look at more than one key or pool (ranges, MFA beside
 * email_otp, [mail], a sender for code mail).  Refusals name the line
 * that set the value, or the pool's section when it was inherited.
 */
#include <errno.h>
#include <string.h>

#include "client/valid.h"
#include "server/conf_int.h"
#include "server/conf_policy.h"
#include "server/defaults.h"

/* Each pool takes from [defaults] every key it does not set itself. */
static int
conf_inherit(struct parser *P, size_t pi)
{
	size_t i;
	int r;

	for (i = 0; i < NKEYS; i++) {
		if (conf_keys[i].scope != S_POOL || P->pool_line[pi][i] != 0)
			continue;
		r = conf_copy_value(&conf_keys[i], &P->c->pools[pi], &P->dflt);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool
overlap(uint32_t lo1, uint32_t hi1, uint32_t lo2, uint32_t hi2)
{
	return lo1 <= hi2 && lo2 <= hi1;
}

/* One pool's ranges and home template on their own. */
/* fake_domains: mail domains, space-separated, as an address would have. */
static int
check_fake_domains(const struct parser *P, size_t pi)
{
	const struct ua_pool_conf *p = &P->c->pools[pi];
	const char *w = p->fake_domains, *e;
	char addr[UA_MAX_EMAIL + 1];
	int line;

	while (w != NULL && *w != '\0') {
		while (*w == ' ' || *w == '\t')
			w++;
		for (e = w; *e != '\0' && *e != ' ' && *e != '\t'; e++)
			;
		if (e == w)
			break;
		if ((size_t)(e - w) + 2 > sizeof(addr) ||
		    snprintf(addr, sizeof(addr), "x@%.*s", (int)(e - w), w) <
			0 ||
		    ua_valid_email(addr, NULL) < 0) {
			line = P->pool_line[pi][KI_FAKE_DOMAINS];
			if (line == 0)
				line = P->dflt_line[KI_FAKE_DOMAINS];
			return conf_err(P, line ? line : p->line,
			    "[pool %s]: "
			    "fake_domains: '%.*s' is not a mail domain "
			    "(lowercase, with a dot)",
			    p->name, (int)(e - w) > 64 ? 64 : (int)(e - w), w);
		}
		w = e;
	}
	return 0;
}

static int
check_pool(const struct parser *P, size_t pi)
{
	const struct ua_pool_conf *p = &P->c->pools[pi];
	char buf[UA_MAX_PATHFIELD + 1], login[UA_MAX_LOGIN + 1];
	int line;

	if (p->uid_min > p->uid_max)
		return conf_err(P, p->line,
		    "[pool %s]: uid_min %u is greater "
		    "than uid_max %u",
		    p->name, p->uid_min, p->uid_max);
	if (p->gid_min > p->gid_max)
		return conf_err(P, p->line,
		    "[pool %s]: gid_min %u is greater "
		    "than gid_max %u",
		    p->name, p->gid_min, p->gid_max);
	if (overlap(p->uid_min, p->uid_max, UA_ID_NOBODY, UA_ID_16BIT_INVALID))
		return conf_err(P, p->line,
		    "[pool %s]: uid range %u-%u "
		    "contains %d or %d (nobody, 16-bit -1)",
		    p->name, p->uid_min, p->uid_max, UA_ID_NOBODY,
		    UA_ID_16BIT_INVALID);
	if (overlap(p->gid_min, p->gid_max, UA_ID_NOBODY, UA_ID_16BIT_INVALID))
		return conf_err(P, p->line,
		    "[pool %s]: gid range %u-%u "
		    "contains %d or %d (nogroup, 16-bit -1)",
		    p->name, p->gid_min, p->gid_max, UA_ID_NOBODY,
		    UA_ID_16BIT_INVALID);
	if (overlap(p->uid_min, p->uid_max, p->gid_min, p->gid_max))
		return conf_err(P, p->line,
		    "[pool %s]: uid range %u-%u "
		    "overlaps its gid range %u-%u (user private groups use "
		    "gid = uid)",
		    p->name, p->uid_min, p->uid_max, p->gid_min, p->gid_max);
	/* TOTP: 6 or 8 digits; Cognito's rule: no MFA beside email_otp. */
	if (p->totp_digits == 7) {
		line = P->pool_line[pi][KI_TOTP_DIGITS];
		return conf_err(P, line ? line : P->dflt_line[KI_TOTP_DIGITS],
		    "[pool %s]: totp_digits must be 6 or 8", p->name);
	}
	if (strcmp(p->mfa_s, "required") == 0 &&
	    strstr(p->first_factors, "email_otp") != NULL) {
		line = P->pool_line[pi][KI_MFA];
		if (line == 0)
			line = P->dflt_line[KI_MFA];
		return conf_err(P, line ? line : p->line,
		    "[pool %s]: mfa = "
		    "required cannot be combined with email_otp in "
		    "first_factors (a mailed code would bypass the second "
		    "factor); set first_factors = password",
		    p->name);
	}
	/* The otpauth:// label is ISSUER:ACCOUNT: no colon in the issuer. */
	if (p->totp_issuer != NULL && strchr(p->totp_issuer, ':') != NULL) {
		line = P->pool_line[pi][KI_TOTP_ISSUER];
		return conf_err(P, line ? line : P->dflt_line[KI_TOTP_ISSUER],
		    "[pool %s]: totp_issuer may not contain ':'", p->name);
	}
	/* The longest login must fit, so ua_conf_home cannot fail later. */
	memset(login, 'a', UA_MAX_LOGIN);
	login[UA_MAX_LOGIN] = '\0';
	if (conf_home_expand(p->home, login, p->name, buf, sizeof(buf)) < 0) {
		line = P->pool_line[pi][KI_HOME];
		if (line == 0)
			line = P->dflt_line[KI_HOME];
		return conf_err(P, line ? line : p->line,
		    "[pool %s]: home "
		    "template expands to more than %d bytes for a %d-byte "
		    "login",
		    p->name, UA_MAX_PATHFIELD, UA_MAX_LOGIN);
	}
	return check_fake_domains(P, pi);
}

/* Ranges of pool j against those of an earlier pool i. */
static int
check_pair(const struct parser *P, size_t i, size_t j)
{
	const struct ua_pool_conf *a = &P->c->pools[i], *b = &P->c->pools[j];
	uint32_t blo, bhi, alo, ahi;
	bool binh, ainh;
	int kb, ka;

	for (kb = 0; kb < 2; kb++) {
		for (ka = 0; ka < 2; ka++) {
			blo = kb ? b->gid_min : b->uid_min;
			bhi = kb ? b->gid_max : b->uid_max;
			alo = ka ? a->gid_min : a->uid_min;
			ahi = ka ? a->gid_max : a->uid_max;
			if (!overlap(blo, bhi, alo, ahi))
				continue;
			/* KI_GID_MIN/MAX follow KI_UID_MIN/MAX. */
			binh = P->pool_line[j][KI_UID_MIN + 2 * kb] == 0 &&
			    P->pool_line[j][KI_UID_MAX + 2 * kb] == 0;
			ainh = P->pool_line[i][KI_UID_MIN + 2 * ka] == 0 &&
			    P->pool_line[i][KI_UID_MAX + 2 * ka] == 0;
			if (ka == kb && ainh && binh)
				return conf_err(P, b->line,
				    "[pool %s] and "
				    "[pool %s] both inherit the %s range %u-%u "
				    "from the defaults: set uid_min, uid_max, "
				    "gid_min and gid_max in each [pool NAME] "
				    "so that no ranges overlap",
				    a->name, b->name, kb ? "gid" : "uid", blo,
				    bhi);
			return conf_err(P, b->line,
			    "[pool %s]: %s range %u-%u "
			    "overlaps the %s range %u-%u of [pool %s] "
			    "(line %d); uid and gid ranges share one id space",
			    b->name, kb ? "gid" : "uid", blo, bhi,
			    ka ? "gid" : "uid", alo, ahi, a->name, a->line);
		}
	}
	return 0;
}

/* [mail] as a whole; fills the fields derived from smtp_url. */
static int
check_mail(struct parser *P)
{
	struct ua_mail_conf *m = &P->c->mail;
	const char *why = NULL;
	int line;

	if (conf_smtp_url_check(m->smtp_url, &m->smtp_tls, &m->smtp_loopback,
		&why) < 0)
		return conf_err(P, P->daemon_line[KI_SMTP_URL], "smtp_url: %s",
		    why);
	if ((m->smtp_user == NULL) != (m->smtp_password_file == NULL)) {
		line = P->daemon_line[m->smtp_user != NULL
			? KI_SMTP_USER
			: KI_SMTP_PASSWORD_FILE];
		return conf_err(P, line,
		    "[mail]: smtp_user and "
		    "smtp_password_file go together: set both or neither");
	}
	return 0;
}

/*
 * A pool that mails codes needs a sender.  Without one every real user's
 * login would fail at issuance while unknown users got the normal prompts:
 * an oracle for which names exist.
 */
static int
check_pool_mail(const struct parser *P, size_t pi)
{
	const struct ua_pool_conf *p = &P->c->pools[pi];
	int line;

	if (p->login_notice_days > 0 && p->mail_from == NULL &&
	    p->backend == UA_BACKEND_LOCAL) {
		line = P->pool_line[pi][KI_LOGIN_NOTICE_DAYS];
		if (line == 0)
			line = P->dflt_line[KI_LOGIN_NOTICE_DAYS];
		return conf_err(P, line ? line : p->line,
		    "[pool %s]: "
		    "login_notice_days mails notices but the pool has no "
		    "mail_from: set mail_from in [pool %s] or [defaults]",
		    p->name, p->name);
	}
	if (!p->allow_email_otp || p->mail_from != NULL ||
	    p->backend == UA_BACKEND_COGNITO) /* Cognito mails its own */
		return 0;
	line = P->pool_line[pi][KI_FIRST_FACTORS];
	if (line == 0)
		line = P->dflt_line[KI_FIRST_FACTORS];
	return conf_err(P, line ? line : p->line,
	    "[pool %s]: first_factors "
	    "offers email_otp but the pool has no mail_from: set mail_from "
	    "(the sender of code mails) in [pool %s] or [defaults]",
	    p->name, p->name);
}

int
conf_finish(struct parser *P)
{
	size_t i, j;
	int r;

	r = check_mail(P);
	if (r < 0)
		return r;
	if (P->c->npools == 0)
		return conf_err(P, 0,
		    "no [pool NAME] section: at least one "
		    "pool is required");
	for (i = 0; i < P->c->npools; i++) {
		r = conf_inherit(P, i);
		if (r < 0)
			return r;
		r = check_pool(P, i);
		if (r == 0)
			r = conf_check_cognito(P, i);
		if (r < 0)
			return r;
		if (ua_policy_derive(&P->c->pools[i]) < 0)
			return -ENOMEM;
		/* Cognito offers a choice where both factors are allowed
		 * (first_factors says which, for fakes to match) */
		if (P->c->pools[i].backend == UA_BACKEND_COGNITO)
			P->c->pools[i].select_challenge = true;
	}
	for (j = 1; j < P->c->npools; j++)
		for (i = 0; i < j; i++) {
			r = check_pair(P, i, j);
			if (r < 0)
				return r;
		}
	for (i = 0; i < P->c->npools; i++) {
		r = check_pool_mail(P, i);
		if (r < 0)
			return r;
	}
	return 0;
}
