/* SPDX-License-Identifier: MIT */
/*
 * Cognito requests and answers (cognito_api.h).  Answers are parsed with
 * a bound on size and depth; unknown members are ignored, as new ones
 * appear over time; a member of the wrong type makes the answer bad.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/wipe.h"
#include "server/json_frame.h"
#include "userauthd/pool/cognito_api.h"
#include "userauthd/pool/cognito_sign.h"

#define CG_TARGET "AWSCognitoIdentityProviderService."

static char *
dump_body(json_t *body, size_t *len)
{
	char *s = json_dumps(body, JSON_COMPACT);

	*len = s != NULL ? strlen(s) : 0;
	return s;
}

int
cg_request(struct http_req *rq, const struct ua_pool_conf *pc, const char *op,
    json_t *body)
{
	char target[96];
	int r;

	memset(rq, 0, sizeof(*rq));
	if (body == NULL)
		return -ENOMEM;
	/* jansson frees through ua_erase_free (main.c): wiped */
	rq->body = dump_body(body, &rq->body_len);
	json_decref(body);
	(void)snprintf(target, sizeof(target), CG_TARGET "%s", op);
	rq->url = malloc(strlen(pc->cognito_url) + 2);
	if (rq->body == NULL || rq->url == NULL)
		return -ENOMEM;
	(void)snprintf(rq->url, strlen(pc->cognito_url) + 2, "%s/",
	    pc->cognito_url);
	r = http_req_header(rq, "Content-Type", "application/x-amz-json-1.1");
	if (r == 0)
		r = http_req_header(rq, "X-Amz-Target", target);
	rq->ca_file =
	    pc->cognito_ca_file != NULL && *pc->cognito_ca_file != '\0'
	    ? pc->cognito_ca_file
	    : NULL;
	rq->timeout_ms = pc->cognito_timeout_ms;
	return r;
}

int
cg_request_jwks(struct http_req *rq, const struct ua_pool_conf *pc)
{
	static const char tail[] = "/.well-known/jwks.json";
	size_t n = strlen(pc->cognito_url) + strlen(pc->cognito_user_pool_id) +
	    sizeof(tail) + 1;

	/* from the endpoint the pool is reached at (a VPC endpoint too) */
	memset(rq, 0, sizeof(*rq));
	rq->url = malloc(n);
	if (rq->url == NULL)
		return -ENOMEM;
	(void)snprintf(rq->url, n, "%s/%s%s", pc->cognito_url,
	    pc->cognito_user_pool_id, tail);
	rq->ca_file =
	    pc->cognito_ca_file != NULL && *pc->cognito_ca_file != '\0'
	    ? pc->cognito_ca_file
	    : NULL;
	rq->timeout_ms = pc->cognito_timeout_ms;
	return 0;
}

json_t *
cg_params(const char *username, const char *client_id, const char *secret,
    const char *key, ...)
{
	json_t *o = json_object();
	char hash[64];
	const char *v;
	va_list ap;
	int bad = 0;

	if (o == NULL)
		return NULL;
	bad |= json_object_set_new(o, "USERNAME", json_string(username));
	if (secret != NULL) {
		if (cg_secret_hash(secret, strlen(secret), username, client_id,
			hash, sizeof(hash)) < 0)
			bad = 1;
		else
			bad |= json_object_set_new(o, "SECRET_HASH",
			    json_string(hash));
		ua_wipe(hash, sizeof(hash));
	}
	va_start(ap, key);
	for (; key != NULL && !bad; key = va_arg(ap, const char *)) {
		v = va_arg(ap, const char *);
		bad |= json_object_set_new(o, key, json_string(v));
	}
	va_end(ap);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The error name as the SDKs read it: before ':' and ',', after '#'. */
static void
error_name(const char *t, char *out, size_t outsz)
{
	const char *h = strrchr(t, '#');
	size_t n;

	if (h != NULL)
		t = h + 1;
	n = strcspn(t, ":,");
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, t, n);
	out[n] = '\0';
}

static const struct {
	const char *name;
	enum cg_challenge c;
} challenges[] = {
	{ "SELECT_CHALLENGE", CG_SELECT_CHALLENGE },
	{ "PASSWORD", CG_PASSWORD },
	{ "EMAIL_OTP", CG_EMAIL_OTP },
	{ "SOFTWARE_TOKEN_MFA", CG_SOFTWARE_TOKEN_MFA },
	{ "SELECT_MFA_TYPE", CG_SELECT_MFA_TYPE },
	{ "MFA_SETUP", CG_MFA_SETUP },
	{ "NEW_PASSWORD_REQUIRED", CG_NEW_PASSWORD_REQUIRED },
};

static enum cg_challenge
challenge_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(challenges) / sizeof(challenges[0]); i++)
		if (strcmp(name, challenges[i].name) == 0)
			return challenges[i].c;
	return CG_OTHER;
}

/* A string member, or NULL; *bad when present but no string. */
static const char *
str(json_t *o, const char *key, bool *bad)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		*bad = true;
		return NULL;
	}
	return json_string_value(v);
}

static char *
dup_bounded(const char *s, size_t max, bool *bad)
{
	char *d;

	if (s == NULL)
		return NULL;
	if (strlen(s) > max) {
		*bad = true;
		return NULL;
	}
	d = strdup(s);
	if (d == NULL)
		*bad = true;
	return d;
}

static void
copy(char *out, size_t outsz, const char *s, bool *bad)
{
	if (s == NULL)
		return;
	if (strlen(s) >= outsz) {
		*bad = true;
		return;
	}
	memcpy(out, s, strlen(s) + 1);
}

/* "[\"SOFTWARE_TOKEN_MFA\",\"EMAIL_OTP\"]": JSON inside a string. */
static void
mfa_list(const char *s, struct cg_answer *a)
{
	json_t *l;
	size_t i;

	if (s == NULL || strlen(s) > 512)
		return;
	l = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
	for (i = 0; json_is_array(l) && i < json_array_size(l); i++) {
		const char *v = json_string_value(json_array_get(l, i));

		if (v != NULL && strcmp(v, "SOFTWARE_TOKEN_MFA") == 0)
			a->mfa_totp = true;
		if (v != NULL &&
		    (strcmp(v, "EMAIL_OTP") == 0 ||
			strcmp(v, "EMAIL_MFA") == 0))
			a->mfa_email = true;
	}
	json_decref(l);
}

static void
read_challenge(json_t *o, struct cg_answer *a, bool *bad)
{
	json_t *p = json_object_get(o, "ChallengeParameters");
	json_t *av = json_object_get(o, "AvailableChallenges");
	const char *name = str(o, "ChallengeName", bad), *v;
	size_t i;

	if (name == NULL)
		return;
	copy(a->name, sizeof(a->name), name, bad);
	a->challenge = challenge_of(name);
	for (i = 0; json_is_array(av) && i < json_array_size(av); i++) {
		v = json_string_value(json_array_get(av, i));
		if (v != NULL && strcmp(v, "PASSWORD") == 0)
			a->offers_password = true;
		if (v != NULL && strcmp(v, "EMAIL_OTP") == 0)
			a->offers_email_otp = true;
	}
	if (p != NULL && !json_is_object(p)) {
		*bad = true;
		return;
	}
	copy(a->destination, sizeof(a->destination),
	    str(p, "CODE_DELIVERY_DESTINATION", bad), bad);
	v = str(p, "USERNAME", bad);
	if (v == NULL)
		v = str(p, "USER_ID_FOR_SRP", bad);
	copy(a->username, sizeof(a->username), v, bad);
	mfa_list(str(p, "MFAS_CAN_CHOOSE", bad), a);
	mfa_list(str(p, "MFAS_CAN_SETUP", bad), a);
	v = str(p, "requiredAttributes", bad);
	if (v != NULL && strcmp(v, "[]") != 0)
		a->required_attributes = true;
}

void
cg_answer_read(const struct http_req *rq, struct cg_answer *a)
{
	json_t *o = NULL, *res;
	const char *t;
	bool bad = false;

	memset(a, 0, sizeof(*a));
	if (rq->error != 0) {
		a->error = rq->error;
		(void)snprintf(a->error_text, sizeof(a->error_text), "%s",
		    rq->error_text);
		return;
	}
	if (rq->resp != NULL &&
	    ua_json_loadb(rq->resp, rq->resp_len, JSON_REJECT_DUPLICATES, &o) ==
		-ENOMEM) {
		a->error = -ENOMEM;
		(void)snprintf(a->error_text, sizeof(a->error_text),
		    "HTTP %ld, out of memory reading the answer", rq->status);
		return;
	}
	if (!json_is_object(o)) {
		a->error = rq->status >= 500 ? -EIO : -EBADMSG;
		(void)snprintf(a->error_text, sizeof(a->error_text),
		    "HTTP %ld, %s", rq->status,
		    o == NULL ? "no JSON object in the answer"
			      : "the answer is no JSON object");
		json_decref(o);
		return;
	}
	if (rq->status < 200 || rq->status > 299) {
		t = str(o, "__type", &bad);
		if (t == NULL)
			t = str(o, "code", &bad);
		if (t == NULL || rq->status >= 500) {
			a->error = -EIO;
			(void)snprintf(a->error_text, sizeof(a->error_text),
			    "HTTP %ld%s%.60s", rq->status, t ? ", " : "",
			    t ? t : "");
		} else {
			error_name(t, a->type, sizeof(a->type));
			t = str(o, "message", &bad);
			if (t == NULL)
				t = str(o, "Message", &bad);
			if (t != NULL)
				(void)snprintf(a->message, sizeof(a->message),
				    "%s", t);
		}
		json_decref(o);
		return;
	}
	read_challenge(o, a, &bad);
	a->session = dup_bounded(str(o, "Session", &bad), CG_MAX_SESSION, &bad);
	res = json_object_get(o, "AuthenticationResult");
	if (res != NULL && !json_is_object(res))
		bad = true;
	a->id_token =
	    dup_bounded(str(res, "IdToken", &bad), CG_MAX_TOKEN, &bad);
	a->access_token =
	    dup_bounded(str(res, "AccessToken", &bad), CG_MAX_TOKEN, &bad);
	a->secret_code = dup_bounded(str(o, "SecretCode", &bad), 256, &bad);
	t = str(o, "Status", &bad);
	a->verified = t != NULL && strcmp(t, "SUCCESS") == 0;
	json_decref(o);
	if (bad) {
		cg_answer_clear(a);
		a->error = -EBADMSG;
		(void)snprintf(a->error_text, sizeof(a->error_text),
		    "a member of the answer has the wrong type or size");
	}
}

void
cg_answer_clear(struct cg_answer *a)
{
	ua_erase_free(a->session);
	ua_erase_free(a->id_token);
	ua_erase_free(a->access_token);
	ua_erase_free(a->secret_code);
	ua_wipe(a, sizeof(*a));
}
