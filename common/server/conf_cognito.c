/* SPDX-License-Identifier: MIT */
/*
 * backend = cognito in userauth.conf: which keys a pool of each backend
 * takes, the Cognito keys checked together, and the URLs derived from
 * them (where requests go, the issuer its tokens must name).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/conf_int.h"

/* What only the embedded pool uses: Cognito picks factors, mails its own
 * codes, checks TOTP and keeps its own password rules. */
static const int local_only[] = {
	KI_MAIL_FROM,
	KI_MAIL_SUBJECT,
	KI_MAIL_TEMPLATE,
	KI_SELECT_CHALLENGE,
	KI_GROUP_CHALLENGE,
	KI_OTP_LIFETIME,
	KI_OTP_TRIES,
	KI_OTP_PER_HOUR,
	KI_OTP_PER_DAY,
	KI_OTP_RESEND_COOLDOWN,
	KI_TOTP_DIGITS,
	KI_TOTP_ALGORITHM,
	KI_TOTP_PERIOD,
	KI_MFA_ENROL_AT_LOGIN,
	KI_PASSWORD_MIN_LENGTH,
	KI_INVITE_LIFETIME,
	KI_LOGIN_NOTICE_DAYS,
};

static bool
is_cognito_key(size_t k)
{
	return k >= KI_COGNITO_USER_POOL_ID && k <= KI_COGNITO_IMDS_ENDPOINT;
}

static bool
is_local_only(size_t k)
{
	size_t i;

	for (i = 0; i < sizeof(local_only) / sizeof(local_only[0]); i++)
		if ((size_t)local_only[i] == k)
			return true;
	return false;
}

bool
conf_key_applies(size_t k, enum ua_backend b)
{
	if (b == UA_BACKEND_COGNITO)
		return !is_local_only(k);
	return !is_cognito_key(k);
}

/* Every byte of s in the set "a-z", "A-Z", "0-9" and extra. */
static bool
only(const char *s, const char *extra, bool upper)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
			(upper && *s >= 'A' && *s <= 'Z') ||
			strchr(extra, *s) != NULL))
			return false;
	return true;
}

static int
line_of(const struct parser *P, size_t pi, size_t k)
{
	const struct ua_pool_conf *p = &P->c->pools[pi];

	if (P->pool_line[pi][k] != 0)
		return P->pool_line[pi][k];
	return P->dflt_line[k] != 0 ? P->dflt_line[k] : p->line;
}

/* https://HOST[:PORT] with nothing after but one "/": the base URL. */
static int
endpoint_check(const char *u, const char **why)
{
	const char *h = u + 8, *e;

	if (strncmp(u, "https://", 8) != 0) {
		*why = "must start with https:// (Cognito is only spoken "
		       "over TLS)";
		return -EINVAL;
	}
	e = strchr(h, '/');
	if (e != NULL && e[1] != '\0') {
		*why = "must be a base URL without a path";
		return -EINVAL;
	}
	if (e == h || *h == '\0' || !only(h, ".-:[]/", true)) {
		*why = "host name expected after https://";
		return -EINVAL;
	}
	return 0;
}

static int
derive(struct ua_pool_conf *p)
{
	const char *region = p->cognito_region, *u;
	char buf[512];
	size_t n;

	free(p->cognito_url);
	free(p->cognito_issuer);
	p->cognito_url = p->cognito_issuer = NULL;
	if (p->cognito_endpoint != NULL && *p->cognito_endpoint != '\0') {
		u = p->cognito_endpoint;
		n = strlen(u);
		if (u[n - 1] == '/')
			n--;
		(void)snprintf(buf, sizeof(buf), "%.*s", (int)n, u);
	} else {
		(void)snprintf(buf, sizeof(buf),
		    "https://cognito-idp.%s.amazonaws.com", region);
	}
	p->cognito_url = strdup(buf);
	/* tokens name the public issuer, whichever endpoint served them */
	(void)snprintf(buf, sizeof(buf),
	    "https://cognito-idp.%s.amazonaws.com/%s", region,
	    p->cognito_user_pool_id);
	p->cognito_issuer = strdup(buf);
	return p->cognito_url && p->cognito_issuer ? 0 : -ENOMEM;
}

int
conf_check_cognito(struct parser *P, size_t pi)
{
	struct ua_pool_conf *p = &P->c->pools[pi];
	const char *why = NULL, *us;
	size_t k;
	char *region;

	for (k = 0; k < NKEYS; k++) {
		if (P->pool_line[pi][k] == 0 || conf_key_applies(k, p->backend))
			continue;
		if (p->backend == UA_BACKEND_COGNITO)
			return conf_err(P, P->pool_line[pi][k],
			    "[pool %s]: "
			    "%s has no effect in a backend = cognito pool "
			    "(Cognito picks the factors, mails its codes and "
			    "keeps its password and TOTP rules): remove it",
			    p->name, conf_keys[k].name);
		return conf_err(P, P->pool_line[pi][k],
		    "[pool %s]: %s is "
		    "for backend = cognito pools only",
		    p->name, conf_keys[k].name);
	}
	if (p->backend != UA_BACKEND_COGNITO)
		return 0;
	p->totp_digits = 6; /* Cognito's software tokens */
	/* the daemon asks a Cognito code at most 3 times (CG_CODE_TRIES in
	 * pool/cognito_int.h): the fakes' codes and TOTPs the same */
	p->otp_tries = 3;
	if (p->cognito_user_pool_id == NULL || *p->cognito_user_pool_id == 0 ||
	    p->cognito_client_id == NULL || *p->cognito_client_id == '\0')
		return conf_err(P, p->line,
		    "[pool %s]: backend = cognito "
		    "needs cognito_user_pool_id and cognito_client_id",
		    p->name);
	us = strchr(p->cognito_user_pool_id, '_');
	if (us == NULL || us == p->cognito_user_pool_id || us[1] == '\0' ||
	    !only(p->cognito_user_pool_id, "-_", true))
		return conf_err(P, line_of(P, pi, KI_COGNITO_USER_POOL_ID),
		    "[pool %s]: cognito_user_pool_id '%s' is no user pool id "
		    "(REGION_ID, such as eu-west-1_AbC123xyz)",
		    p->name, p->cognito_user_pool_id);
	if (!only(p->cognito_client_id, "_+", true))
		return conf_err(P, line_of(P, pi, KI_COGNITO_CLIENT_ID),
		    "[pool %s]: cognito_client_id: letters, digits, _ and + "
		    "only",
		    p->name);
	if (p->cognito_region == NULL || *p->cognito_region == '\0') {
		region = strndup(p->cognito_user_pool_id,
		    (size_t)(us - p->cognito_user_pool_id));
		if (region == NULL)
			return -ENOMEM;
		free(p->cognito_region);
		p->cognito_region = region;
	}
	if (!only(p->cognito_region, "-", false))
		return conf_err(P, line_of(P, pi, KI_COGNITO_REGION),
		    "[pool %s]: cognito_region '%s' is no AWS region "
		    "(such as eu-west-1)",
		    p->name, p->cognito_region);
	if (p->cognito_endpoint != NULL && *p->cognito_endpoint != '\0' &&
	    endpoint_check(p->cognito_endpoint, &why) < 0)
		return conf_err(P, line_of(P, pi, KI_COGNITO_ENDPOINT),
		    "[pool %s]: cognito_endpoint %s", p->name, why);
	if (p->cognito_uid_attribute != NULL &&
	    *p->cognito_uid_attribute != '\0' &&
	    (strncmp(p->cognito_uid_attribute, "custom:", 7) != 0 ||
		p->cognito_uid_attribute[7] == '\0' ||
		!only(p->cognito_uid_attribute + 7, "_", true)))
		return conf_err(P, line_of(P, pi, KI_COGNITO_UID_ATTRIBUTE),
		    "[pool %s]: cognito_uid_attribute must name a custom "
		    "attribute (custom:NAME)",
		    p->name);
	if (p->cognito_imds_endpoint != NULL &&
	    *p->cognito_imds_endpoint != '\0' &&
	    strncmp(p->cognito_imds_endpoint, "http://", 7) != 0)
		return conf_err(P, line_of(P, pi, KI_COGNITO_IMDS_ENDPOINT),
		    "[pool %s]: cognito_imds_endpoint must be an http:// URL "
		    "(the instance metadata service), or empty for none",
		    p->name);
	return derive(p);
}
