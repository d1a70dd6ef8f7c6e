/* SPDX-License-Identifier: MIT */
/*
 * The claims of a Cognito token whose signature cognito_jwt.c verified:
 * issuer, audience or client, token use and times checked against what
 * the caller expects, then the identity copied out under fixed bounds.
 * It must never be handed a payload that was not verified first, and
 * its reasons never quote the token.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* By directory, so tests/fuzz/run-fuzz.sh (no -I helpers) builds it. */
#include "cognito_jwt.h"

/* A real number is an integer claim only if exact and within 2^53. */
#define EXACT_REAL_MAX 9007199254740992.0

static void
set_why(char *why, size_t whysz, const char *reason)
{
	if (why != NULL && whysz > 0)
		(void)snprintf(why, whysz, "%s", reason);
}

/* Whether the string member name of o equals want exactly. */
static bool
str_is(const json_t *o, const char *name, const char *want)
{
	const json_t *v = json_object_get(o, name);

	return json_is_string(v) && json_string_length(v) == strlen(want) &&
	    memcmp(json_string_value(v), want, json_string_length(v)) == 0;
}

/* No control characters (what we copy may reach logs and NSS). */
static bool
clean(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/*
 * Copy the string member name into dst (dstsz bytes with the NUL):
 * 0, 1 if absent and !required, -EBADMSG if of the wrong type, too long
 * or unclean.
 */
static int
copy_str(const json_t *o, const char *name, bool required, char *dst,
    size_t dstsz)
{
	const json_t *v = json_object_get(o, name);
	size_t n;

	if (v == NULL && !required)
		return 1;
	if (!json_is_string(v))
		return -EBADMSG;
	n = json_string_length(v);
	if (n == 0 || n >= dstsz || !clean(json_string_value(v), n))
		return -EBADMSG;
	memcpy(dst, json_string_value(v), n + 1);
	return 0;
}

/* An integer member: 0, 1 if absent and !required, -EBADMSG. */
static int
get_int(const json_t *o, const char *name, bool required, int64_t *ret)
{
	const json_t *v = json_object_get(o, name);

	if (v == NULL && !required)
		return 1;
	if (!json_is_integer(v))
		return -EBADMSG;
	*ret = (int64_t)json_integer_value(v);
	return 0;
}

static int
check_expect(const struct cg_expect *ex)
{
	if (ex->iss == NULL || ex->client_id == NULL || ex->token_use == NULL)
		return -EINVAL;
	if (strcmp(ex->token_use, "id") != 0 &&
	    strcmp(ex->token_use, "access") != 0)
		return -EINVAL;
	if (ex->skew < 0 || ex->skew > CG_JWT_MAX_SKEW)
		return -EINVAL;
	/* Keeps now +- skew away from overflow. */
	if (ex->now < -((int64_t)1 << 62) || ex->now > ((int64_t)1 << 62))
		return -EINVAL;
	return 0;
}

/* Who the token is for and when: -EACCES with a reason, or -EBADMSG. */
static int
check_claims(const json_t *pl, const struct cg_expect *ex, struct cg_claims *c,
    const char **why)
{
	bool id = strcmp(ex->token_use, "id") == 0;
	int64_t nbf = 0;
	int r;

	*why = "bad claims";
	if (!str_is(pl, "token_use", ex->token_use))
		return (*why = "wrong token_use", -EACCES);
	if (!str_is(pl, "iss", ex->iss))
		return (*why = "wrong iss", -EACCES);
	if (id && !str_is(pl, "aud", ex->client_id))
		return (*why = "wrong aud", -EACCES);
	if (!id && !str_is(pl, "client_id", ex->client_id))
		return (*why = "wrong client_id", -EACCES);
	if (get_int(pl, "exp", true, &c->exp) < 0)
		return (*why = "no exp", -EBADMSG);
	if (get_int(pl, "iat", true, &c->iat) < 0)
		return (*why = "no iat", -EBADMSG);
	r = get_int(pl, "nbf", false, &nbf);
	if (r < 0)
		return (*why = "bad nbf", -EBADMSG);
	if (c->exp <= ex->now - ex->skew)
		return (*why = "expired", -EACCES);
	if (c->iat > ex->now + ex->skew)
		return (*why = "issued in the future", -EACCES);
	if (r == 0 && nbf > ex->now + ex->skew)
		return (*why = "not yet valid", -EACCES);
	return 0;
}

static int
copy_groups(const json_t *pl, struct cg_claims *c)
{
	const json_t *a = json_object_get(pl, "cognito:groups"), *v;
	size_t i, n;

	if (a == NULL)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > CG_JWT_MAX_GROUPS)
		return -EBADMSG;
	c->groups = calloc(json_array_size(a) + 1, sizeof(*c->groups));
	if (c->groups == NULL)
		return -ENOMEM;
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v))
			return -EBADMSG;
		n = json_string_length(v);
		if (n == 0 || n > CG_JWT_MAX_GROUP ||
		    !clean(json_string_value(v), n))
			return -EBADMSG;
		c->groups[i] = strdup(json_string_value(v));
		if (c->groups[i] == NULL)
			return -ENOMEM;
		c->ngroups = i + 1;
	}
	return 0;
}

/* The custom attribute as text: a JSON string, or an integral number. */
static int
copy_attr(const json_t *pl, const char *name, struct cg_claims *c)
{
	const json_t *v = json_object_get(pl, name);
	char num[32];
	double d;
	size_t n;

	if (v == NULL)
		return 0;
	if (json_is_string(v)) {
		n = json_string_length(v);
		if (n > CG_JWT_MAX_ATTR || !clean(json_string_value(v), n))
			return -EBADMSG;
		c->attr = strdup(json_string_value(v));
		return c->attr != NULL ? 0 : -ENOMEM;
	}
	if (json_is_integer(v)) {
		(void)snprintf(num, sizeof(num), "%lld",
		    (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		d = json_real_value(v);
		/* Range first: casting a huge double is undefined. */
		if (!(d <= EXACT_REAL_MAX && d >= -EXACT_REAL_MAX) ||
		    d != (double)(long long)d)
			return -EBADMSG;
		(void)snprintf(num, sizeof(num), "%lld", (long long)d);
	} else {
		return -EBADMSG;
	}
	c->attr = strdup(num);
	return c->attr != NULL ? 0 : -ENOMEM;
}

/* The identity: sub, username, email, groups, the custom attribute. */
static int
copy_identity(const json_t *pl, const struct cg_expect *ex, struct cg_claims *c,
    const char **why)
{
	bool id = strcmp(ex->token_use, "id") == 0;
	int r;

	if (copy_str(pl, "sub", true, c->sub, sizeof(c->sub)) < 0)
		return (*why = "bad sub", -EBADMSG);
	if (copy_str(pl, id ? "cognito:username" : "username", true,
		c->username, sizeof(c->username)) < 0)
		return (*why = "bad username", -EBADMSG);
	if (copy_str(pl, "email", false, c->email, sizeof(c->email)) < 0)
		return (*why = "bad email", -EBADMSG);
	c->email_verified = json_is_true(json_object_get(pl, "email_verified"));
	if (get_int(pl, "auth_time", false, &c->auth_time) < 0)
		return (*why = "bad auth_time", -EBADMSG);
	r = copy_groups(pl, c);
	if (r < 0)
		return (*why = "bad groups", r);
	if (ex->attr != NULL && (r = copy_attr(pl, ex->attr, c)) < 0)
		return (*why = "bad attribute", r);
	/* token_use was checked equal to "id" or "access": it fits. */
	memcpy(c->token_use, ex->token_use, strlen(ex->token_use) + 1);
	return 0;
}

int
cg_jwt_check_claims(const char *json, size_t len, const struct cg_expect *ex,
    struct cg_claims *ret, char *why, size_t whysz)
{
	struct cg_claims c = { 0 };
	json_error_t jerr;
	json_t *pl = NULL;
	const char *reason = "bad claims";
	int r;

	set_why(why, whysz, "");
	if (json == NULL || ex == NULL || ret == NULL)
		return -EINVAL;
	r = check_expect(ex);
	if (r < 0) {
		reason = "bad expectation";
		goto out;
	}
	r = -EBADMSG;
	if (len == 0 || len > CG_JWT_MAX_TOKEN)
		goto out;
	pl = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(pl))
		goto out;
	r = check_claims(pl, ex, &c, &reason);
	if (r == 0)
		r = copy_identity(pl, ex, &c, &reason);
	if (r == 0) {
		*ret = c;
		c = (struct cg_claims){ 0 };
		reason = NULL;
	}
out:
	if (reason != NULL)
		set_why(why, whysz, reason);
	cg_claims_clear(&c);
	json_decref(pl);
	return r;
}

void
cg_claims_clear(struct cg_claims *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->ngroups; i++)
		free(c->groups[i]);
	free(c->groups);
	free(c->attr);
	*c = (struct cg_claims){ 0 };
}
