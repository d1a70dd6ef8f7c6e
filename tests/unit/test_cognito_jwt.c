/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for Cognito token verification (helpers/userauthd/pool/
 * cognito_jwt.c, cognito_claims.c).  Two RSA-2048 keys and a 1024-bit
 * one are generated at run time; the JWKS is built from them and every
 * token is signed here, good ones and the classic attacks alike.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "userauthd/pool/cognito_jwt.h"

#define ISS "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf"
#define CLIENT "client123"
#define NOW 1700000000
#define SKEW 300

struct fx {
	EVP_PKEY *k1, *k2, *weak;
	struct cg_jwks *ks;
};

/* base64url without padding, in a new string. */
static char *
b64url(const void *p, size_t n)
{
	char *s = malloc(4 * ((n + 2) / 3) + 1);
	int len, i, o = 0;

	assert_non_null(s);
	len = EVP_EncodeBlock((unsigned char *)s, p, (int)n);
	for (i = 0; i < len; i++) {
		if (s[i] == '=')
			break;
		s[o++] = s[i] == '+' ? '-' : s[i] == '/' ? '_' : s[i];
	}
	s[o] = '\0';
	return s;
}

static char *
bn_b64url(const EVP_PKEY *pk, const char *name)
{
	BIGNUM *bn = NULL;
	unsigned char buf[1024];
	int n;

	assert_int_equal(EVP_PKEY_get_bn_param(pk, name, &bn), 1);
	n = BN_bn2bin(bn, buf);
	BN_free(bn);
	return b64url(buf, (size_t)n);
}

/* One JWK object for pk under kid. */
static json_t *
jwk(const EVP_PKEY *pk, const char *kid)
{
	char *n = bn_b64url(pk, OSSL_PKEY_PARAM_RSA_N);
	char *e = bn_b64url(pk, OSSL_PKEY_PARAM_RSA_E);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "alg", "RS256",
	    "e", e, "kid", kid, "kty", "RSA", "n", n, "use", "sig");

	assert_non_null(o);
	free(n);
	free(e);
	return o;
}

/* {"keys":[...]} from NULL-terminated (key, kid) pairs, as text. */
static char *
jwks_text(EVP_PKEY *a, const char *akid, EVP_PKEY *b, const char *bkid)
{
	json_t *keys = json_array(), *o;
	char *s;

	json_array_append_new(keys, jwk(a, akid));
	if (b != NULL)
		json_array_append_new(keys, jwk(b, bkid));
	o = json_pack("{s:o}", "keys", keys);
	s = json_dumps(o, JSON_COMPACT);
	assert_non_null(s);
	json_decref(o);
	return s;
}

static int
group_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char *text;

	assert_non_null(f);
	f->k1 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	f->k2 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	f->weak = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	assert_non_null(f->k1);
	assert_non_null(f->k2);
	assert_non_null(f->weak);
	text = jwks_text(f->k1, "k1", f->k2, "k2");
	assert_int_equal(cg_jwks_parse(text, strlen(text), &f->ks), 0);
	assert_int_equal(cg_jwks_count(f->ks), 2);
	free(text);
	*state = f;
	return 0;
}

static int
group_teardown(void **state)
{
	struct fx *f = *state;

	cg_jwks_free(f->ks);
	EVP_PKEY_free(f->k1);
	EVP_PKEY_free(f->k2);
	EVP_PKEY_free(f->weak);
	free(f);
	return 0;
}

enum sig { SIG_RS256, SIG_NONE, SIG_HS256 };

/*
 * header.payload.signature over the given JSON texts: RS256 with key,
 * an empty signature, or HS256 with hkey as the HMAC key.
 */
static char *
token(const char *header, const char *payload, enum sig how, EVP_PKEY *key,
    const void *hkey, size_t hkeylen)
{
	char *h = b64url(header, strlen(header));
	char *p = b64url(payload, strlen(payload));
	char *input, *sig = NULL, *t;
	unsigned char raw[1024];
	size_t rawlen = sizeof(raw), n;
	EVP_MD_CTX *md;

	n = strlen(h) + strlen(p) + 2;
	input = malloc(n);
	assert_non_null(input);
	snprintf(input, n, "%s.%s", h, p);
	if (how == SIG_RS256) {
		md = EVP_MD_CTX_new();
		assert_int_equal(EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL,
				     NULL, key, NULL),
		    1);
		assert_int_equal(EVP_DigestSign(md, raw, &rawlen,
				     (unsigned char *)input, strlen(input)),
		    1);
		EVP_MD_CTX_free(md);
		sig = b64url(raw, rawlen);
	} else if (how == SIG_HS256) {
		assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL,
		    hkey, hkeylen, (unsigned char *)input, strlen(input), raw,
		    sizeof(raw), &rawlen));
		sig = b64url(raw, rawlen);
	} else {
		sig = strdup("");
	}
	n = strlen(input) + strlen(sig) + 2;
	t = malloc(n);
	assert_non_null(t);
	snprintf(t, n, "%s.%s", input, sig);
	free(h);
	free(p);
	free(input);
	free(sig);
	return t;
}

/* A good ID token's claims; tests change members before signing. */
static json_t *
id_claims(void)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:I, "
			      "s:I, s:[s,s], s:s}",
	    "sub", "6f1c2b1e-0000-4000-8000-000000000001", "aud", CLIENT, "iss",
	    ISS, "token_use", "id", "cognito:username", "alice", "email",
	    "alice@example.com", "email_verified", 1, "auth_time",
	    (json_int_t)NOW - 10, "iat", (json_int_t)NOW - 10, "exp",
	    (json_int_t)NOW + 3600, "cognito:groups", "admins", "staff",
	    "custom:uid", "1001");

	assert_non_null(o);
	return o;
}

static json_t *
access_claims(void)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}",
	    "sub", "6f1c2b1e-0000-4000-8000-000000000001", "client_id", CLIENT,
	    "iss", ISS, "token_use", "access", "username", "alice", "scope",
	    "aws.cognito.signin.user.admin", "auth_time", (json_int_t)NOW - 10,
	    "iat", (json_int_t)NOW - 10, "exp", (json_int_t)NOW + 3600);

	assert_non_null(o);
	return o;
}

/* claims (consumed) as compact JSON text. */
static char *
dump(json_t *claims)
{
	char *p = json_dumps(claims, JSON_COMPACT);

	assert_non_null(p);
	json_decref(claims);
	return p;
}

/* claims (consumed) signed RS256 by key under kid. */
static char *
signed_by(json_t *claims, EVP_PKEY *key, const char *kid)
{
	char header[128], *p = dump(claims), *t;

	snprintf(header, sizeof(header), "{\"alg\":\"RS256\",\"kid\":\"%s\"}",
	    kid);
	t = token(header, p, SIG_RS256, key, NULL, 0);
	free(p);
	return t;
}

static const struct cg_expect id_expect = { .iss = ISS,
	.client_id = CLIENT,
	.token_use = "id",
	.attr = "custom:uid",
	.now = NOW,
	.skew = SKEW };

/* Verify t (freed) as an ID token: the result, reason in why. */
static int
verify(const struct fx *f, char *t, const struct cg_expect *ex,
    struct cg_claims *c, char *why)
{
	int r = cg_jwt_verify(f->ks, t, ex, c, why, 64);

	free(t);
	return r;
}

static void
test_good_id_token(void **state)
{
	struct fx *f = *state;
	struct cg_claims c = { 0 };
	char why[64];

	assert_int_equal(
	    verify(f, signed_by(id_claims(), f->k1, "k1"), &id_expect, &c, why),
	    0);
	assert_string_equal(why, "");
	assert_string_equal(c.sub, "6f1c2b1e-0000-4000-8000-000000000001");
	assert_string_equal(c.username, "alice");
	assert_string_equal(c.email, "alice@example.com");
	assert_true(c.email_verified);
	assert_int_equal(c.ngroups, 2);
	assert_string_equal(c.groups[0], "admins");
	assert_string_equal(c.groups[1], "staff");
	assert_string_equal(c.attr, "1001");
	assert_int_equal(c.exp, NOW + 3600);
	assert_int_equal(c.iat, NOW - 10);
	assert_int_equal(c.auth_time, NOW - 10);
	assert_string_equal(c.token_use, "id");
	cg_claims_clear(&c);
	assert_null(c.groups);
	assert_null(c.attr);
}

/* o with member name set to v (both consumed into the result). */
static json_t *
with(json_t *o, const char *name, json_t *v)
{
	assert_int_equal(json_object_set_new(o, name, v), 0);
	return o;
}

static json_t *
without(json_t *o, const char *name)
{
	assert_int_equal(json_object_del(o, name), 0);
	return o;
}

/*
 * Verify token t (freed) as ex: the result must be want and the reason
 * want_why (unless NULL); a refusal leaves the claims untouched.
 */
static void
expect_token(const struct fx *f, char *t, const struct cg_expect *ex, int want,
    const char *want_why)
{
	struct cg_claims c = { 0 };
	char why[64];

	c.ngroups = 7;
	assert_int_equal(verify(f, t, ex, &c, why), want);
	if (want_why != NULL)
		assert_string_equal(why, want_why);
	if (want != 0)
		assert_int_equal(c.ngroups, 7);
	else
		cg_claims_clear(&c);
}

/* The same for claims (consumed) signed by key under kid. */
static void
expect(const struct fx *f, json_t *claims, EVP_PKEY *key, const char *kid,
    const struct cg_expect *ex, int want, const char *want_why)
{
	expect_token(f, signed_by(claims, key, kid), ex, want, want_why);
}

static void
test_attribute_as_number_and_absent(void **state)
{
	struct fx *f = *state;
	struct cg_claims c = { 0 };
	char why[64];

	assert_int_equal(verify(f,
			     signed_by(without(with(id_claims(), "custom:uid",
						   json_integer(200001)),
					   "cognito:groups"),
				 f->k2, "k2"),
			     &id_expect, &c, why),
	    0);
	assert_string_equal(c.attr, "200001");
	assert_int_equal(c.ngroups, 0);
	assert_null(c.groups);
	cg_claims_clear(&c);
	assert_int_equal(
	    verify(f,
		signed_by(without(id_claims(), "custom:uid"), f->k1, "k1"),
		&id_expect, &c, why),
	    0);
	assert_null(c.attr);
	cg_claims_clear(&c);
	expect(f, with(id_claims(), "custom:uid", json_real(1001.0)), f->k1,
	    "k1", &id_expect, 0, "");
	expect(f, with(id_claims(), "custom:uid", json_real(1.5)), f->k1, "k1",
	    &id_expect, -EBADMSG, "bad attribute");
	expect(f, with(id_claims(), "custom:uid", json_pack("[s]", "1001")),
	    f->k1, "k1", &id_expect, -EBADMSG, "bad attribute");
	expect(f, with(id_claims(), "cognito:groups", json_pack("[i]", 1)),
	    f->k1, "k1", &id_expect, -EBADMSG, "bad groups");
}

static void
test_good_access_token(void **state)
{
	struct fx *f = *state;
	struct cg_expect ex = id_expect;
	struct cg_claims c = { 0 };
	char why[64];

	ex.token_use = "access";
	ex.attr = NULL;
	assert_int_equal(
	    verify(f, signed_by(access_claims(), f->k2, "k2"), &ex, &c, why),
	    0);
	assert_string_equal(c.username, "alice");
	assert_string_equal(c.token_use, "access");
	assert_string_equal(c.email, "");
	assert_false(c.email_verified);
	cg_claims_clear(&c);
	/* An access token is not an ID token, nor the other way round. */
	expect(f, access_claims(), f->k2, "k2", &id_expect, -EACCES,
	    "wrong token_use");
	expect(f, id_claims(), f->k1, "k1", &ex, -EACCES, "wrong token_use");
	ex.client_id = "other";
	expect(f, access_claims(), f->k2, "k2", &ex, -EACCES,
	    "wrong client_id");
}

static void
test_expiry_and_skew(void **state)
{
	struct fx *f = *state;
	const struct cg_expect *ex = &id_expect;

	expect(f, with(id_claims(), "exp", json_integer(NOW - SKEW)), f->k1,
	    "k1", ex, -EACCES, "expired");
	expect(f, with(id_claims(), "exp", json_integer(NOW - SKEW + 1)), f->k1,
	    "k1", ex, 0, "");
	expect(f, with(id_claims(), "iat", json_integer(NOW + SKEW + 1)), f->k1,
	    "k1", ex, -EACCES, "issued in the future");
	expect(f, with(id_claims(), "iat", json_integer(NOW + SKEW)), f->k1,
	    "k1", ex, 0, "");
	expect(f, with(id_claims(), "nbf", json_integer(NOW + SKEW + 1)), f->k1,
	    "k1", ex, -EACCES, "not yet valid");
	expect(f, with(id_claims(), "exp", json_string("soon")), f->k1, "k1",
	    ex, -EBADMSG, "no exp");
	expect(f, without(id_claims(), "iat"), f->k1, "k1", ex, -EBADMSG,
	    "no iat");
}

static void
test_wrong_aud_and_iss(void **state)
{
	struct fx *f = *state;
	const struct cg_expect *ex = &id_expect;

	expect(f, with(id_claims(), "aud", json_string("client1234")), f->k1,
	    "k1", ex, -EACCES, "wrong aud");
	expect(f, with(id_claims(), "aud", json_pack("[s]", CLIENT)), f->k1,
	    "k1", ex, -EACCES, "wrong aud");
	expect(f, with(id_claims(), "iss", json_string(ISS "/")), f->k1, "k1",
	    ex, -EACCES, "wrong iss");
	expect(f, without(id_claims(), "iss"), f->k1, "k1", ex, -EACCES,
	    "wrong iss");
	expect(f, without(id_claims(), "sub"), f->k1, "k1", ex, -EBADMSG,
	    "bad sub");
	expect(f, with(id_claims(), "cognito:username", json_string("a\nb")),
	    f->k1, "k1", ex, -EBADMSG, "bad username");
}

static void
test_alg_none_and_others_refused(void **state)
{
	struct fx *f = *state;
	const struct cg_expect *ex = &id_expect;
	char *p = dump(id_claims());

	expect_token(f,
	    token("{\"alg\":\"none\",\"kid\":\"k1\"}", p, SIG_NONE, NULL, NULL,
		0),
	    ex, -EKEYREJECTED, "alg none");
	expect_token(f,
	    token("{\"alg\":\"RS384\",\"kid\":\"k1\"}", p, SIG_RS256, f->k1,
		NULL, 0),
	    ex, -EKEYREJECTED, "alg not RS256");
	expect_token(f,
	    token("{\"alg\":\"rs256\",\"kid\":\"k1\"}", p, SIG_RS256, f->k1,
		NULL, 0),
	    ex, -EKEYREJECTED, "alg not RS256");
	expect_token(f, token("{\"kid\":\"k1\"}", p, SIG_RS256, f->k1, NULL, 0),
	    ex, -EBADMSG, "no alg");
	expect_token(f,
	    token("{\"alg\":\"RS256\"}", p, SIG_RS256, f->k1, NULL, 0), ex,
	    -EBADMSG, "no kid");
	expect_token(f,
	    token("{\"alg\":\"RS256\",\"kid\":\"k1\","
		  "\"crit\":[\"exp\"]}",
		p, SIG_RS256, f->k1, NULL, 0),
	    ex, -EBADMSG, "crit");
	free(p);
}

static void
test_hs256_with_public_key_as_secret(void **state)
{
	struct fx *f = *state;
	char *p = dump(id_claims()), *pem;
	BIO *bio = BIO_new(BIO_s_mem());
	long n;

	/* The confusion attack: the public PEM used as an HMAC key. */
	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PUBKEY(bio, f->k1), 1);
	n = BIO_get_mem_data(bio, &pem);
	assert_true(n > 0);
	expect_token(f,
	    token("{\"alg\":\"HS256\",\"kid\":\"k1\"}", p, SIG_HS256, NULL, pem,
		(size_t)n),
	    &id_expect, -EKEYREJECTED, "alg not RS256");
	BIO_free(bio);
	free(p);
}

static void
test_unknown_kid_and_wrong_key(void **state)
{
	struct fx *f = *state;

	expect(f, id_claims(), f->k1, "k3", &id_expect, -ENOKEY, "unknown kid");
	expect(f, id_claims(), f->k2, "k1", &id_expect, -EKEYREJECTED,
	    "bad signature");
}

static void
test_flipped_payload_byte(void **state)
{
	struct fx *f = *state;
	char *t = signed_by(id_claims(), f->k1, "k1"), *p;

	p = strchr(t, '.') + 10;
	*p = *p == 'A' ? 'B' : 'A';
	expect_token(f, t, &id_expect, -EKEYREJECTED, "bad signature");
	/* The last signature character: a changed bit, or non-canonical. */
	t = signed_by(id_claims(), f->k1, "k1");
	p = t + strlen(t) - 1;
	*p = *p == 'A' ? 'Q' : 'A';
	expect_token(f, t, &id_expect, -EKEYREJECTED, "bad signature");
	t = signed_by(id_claims(), f->k1, "k1");
	p = t + strlen(t) - 1;
	*p = *p == 'B' ? 'C' : 'B';
	expect_token(f, t, &id_expect, -EBADMSG, "bad signature encoding");
}

/*
 * Each key's verifying context is set up once and used for every token:
 * good and forged tokens by both keys, interleaved, each judged on its
 * own (a context left in a state by one token would show here).
 */
static void
test_key_context_serves_many_tokens(void **state)
{
	struct fx *f = *state;
	char *t, *p;
	int i;

	for (i = 0; i < 20; i++) {
		expect(f, id_claims(), i % 2 ? f->k1 : f->k2,
		    i % 2 ? "k1" : "k2", &id_expect, 0, "");
		t = signed_by(id_claims(), i % 2 ? f->k2 : f->k1,
		    i % 2 ? "k2" : "k1");
		p = strchr(t, '.') + 10;
		*p = *p == 'A' ? 'B' : 'A';
		expect_token(f, t, &id_expect, -EKEYREJECTED, "bad signature");
		expect(f, id_claims(), f->k2, "k1", &id_expect, -EKEYREJECTED,
		    "bad signature");
	}
}

/* The first n characters of good, then mid, then rest: malformed. */
static void
expect_bad(const struct fx *f, const char *good, int n, const char *mid,
    const char *rest)
{
	size_t sz = strlen(good) + strlen(mid) + strlen(rest) + 1;
	char *t = malloc(sz);

	assert_non_null(t);
	snprintf(t, sz, "%.*s%s%s", n, good, mid, rest);
	expect_token(f, t, &id_expect, -EBADMSG, NULL);
}

static void
test_malformed_base64url(void **state)
{
	struct fx *f = *state;
	char *good = signed_by(id_claims(), f->k1, "k1");
	const char *d1 = strchr(good, '.'), *d2 = strrchr(good, '.');
	int n = (int)strlen(good), n1 = (int)(d1 - good);

	/* Padding after the signature; a fourth part; only two parts. */
	expect_bad(f, good, n, "==", "");
	expect_bad(f, good, n, ".x", "");
	expect_bad(f, good, (int)(d2 - good), "", "");
	/* Standard alphabet, padding, a lone character in the header. */
	expect_bad(f, good, n1 - 1, "+", d1);
	expect_bad(f, good, n1 - 1, "=", d1);
	expect_bad(f, good, 0, "eyJhb", d1);
	/* No header; nothing at all. */
	expect_bad(f, good, 0, "", d1);
	expect_bad(f, "", 0, "", "");
	expect_bad(f, "", 0, "..", "");
	free(good);
}

static void
test_too_long_token(void **state)
{
	struct fx *f = *state;
	char pad[CG_JWT_MAX_TOKEN];

	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	expect(f, with(id_claims(), "padding", json_string(pad)), f->k1, "k1",
	    &id_expect, -EBADMSG, "too long");
}

static void
test_jwks_weak_key_skipped(void **state)
{
	struct fx *f = *state;
	struct cg_jwks *ks = NULL;
	struct cg_claims c = { 0 };
	char *text = jwks_text(f->weak, "weak", f->k1, "k1"), *t, why[64];

	assert_int_equal(cg_jwks_parse(text, strlen(text), &ks), 0);
	assert_int_equal(cg_jwks_count(ks), 1);
	t = signed_by(id_claims(), f->weak, "weak");
	assert_int_equal(cg_jwt_verify(ks, t, &id_expect, &c, why, 64),
	    -ENOKEY);
	free(t);
	t = signed_by(id_claims(), f->k1, "k1");
	assert_int_equal(cg_jwt_verify(ks, t, &id_expect, &c, why, 64), 0);
	cg_claims_clear(&c);
	free(t);
	cg_jwks_free(ks);
	free(text);

	text = jwks_text(f->weak, "weak", NULL, NULL);
	ks = NULL;
	assert_int_equal(cg_jwks_parse(text, strlen(text), &ks), -EBADMSG);
	assert_null(ks);
	free(text);
}

static int
parse_str(const char *s)
{
	struct cg_jwks *ks = NULL;
	int r = cg_jwks_parse(s, strlen(s), &ks);

	cg_jwks_free(ks);
	return r;
}

static void
test_jwks_garbage_refused(void **state)
{
	struct fx *f = *state;
	char *two = jwks_text(f->k1, "k1", f->k2, "k1"), *big;
	json_t *o;

	assert_int_equal(parse_str("not json"), -EBADMSG);
	assert_int_equal(parse_str(""), -EBADMSG);
	assert_int_equal(parse_str("{}"), -EBADMSG);
	assert_int_equal(parse_str("[]"), -EBADMSG);
	assert_int_equal(parse_str("{\"keys\":\"x\"}"), -EBADMSG);
	assert_int_equal(parse_str("{\"keys\":[]}"), -EBADMSG);
	assert_int_equal(parse_str("{\"keys\":[1]}"), -EBADMSG);
	assert_int_equal(parse_str("{\"keys\":[],\"keys\":[]}"), -EBADMSG);
	assert_int_equal(
	    parse_str("{\"keys\":[{\"kty\":\"EC\",\"kid\":\"e\"}]}"), -EBADMSG);
	assert_int_equal(parse_str("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r\","
				   "\"n\":\"AQAB\",\"e\":\"AQAB\"}]}"),
	    -EBADMSG);
	assert_int_equal(parse_str("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r\","
				   "\"n\":\"AQ==\",\"e\":\"AQAB\"}]}"),
	    -EBADMSG);
	/* The same kid twice. */
	assert_int_equal(parse_str(two), -EBADMSG);
	free(two);

	/* A non-RSA or non-sig entry beside a good key is skipped. */
	o = json_pack("{s:[{s:s,s:s}, {s:s,s:s}, o]}", "keys", "kty", "EC",
	    "kid", "e1", "kty", "RSA", "use", "enc", jwk(f->k1, "k1"));
	two = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	assert_int_equal(parse_str(two), 0);
	free(two);

	big = malloc(CG_JWKS_MAX_JSON + 2);
	assert_non_null(big);
	memset(big, ' ', CG_JWKS_MAX_JSON + 1);
	big[CG_JWKS_MAX_JSON + 1] = '\0';
	big[0] = '{';
	big[CG_JWKS_MAX_JSON] = '}';
	assert_int_equal(parse_str(big), -EBADMSG);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_id_token),
		cmocka_unit_test(test_attribute_as_number_and_absent),
		cmocka_unit_test(test_good_access_token),
		cmocka_unit_test(test_expiry_and_skew),
		cmocka_unit_test(test_wrong_aud_and_iss),
		cmocka_unit_test(test_alg_none_and_others_refused),
		cmocka_unit_test(test_hs256_with_public_key_as_secret),
		cmocka_unit_test(test_unknown_kid_and_wrong_key),
		cmocka_unit_test(test_flipped_payload_byte),
		cmocka_unit_test(test_key_context_serves_many_tokens),
		cmocka_unit_test(test_malformed_base64url),
		cmocka_unit_test(test_too_long_token),
		cmocka_unit_test(test_jwks_weak_key_skipped),
		cmocka_unit_test(test_jwks_garbage_refused),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
