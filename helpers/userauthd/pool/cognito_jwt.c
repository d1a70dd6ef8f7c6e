/* SPDX-License-Identifier: MIT */
/*
 * JWKS parsing and RS256 token verification for the Cognito pools.  Owns
 * strict base64url, the pinned algorithm, RSA keys built from n/e, and
 * the claim checks after the signature.  It must never accept another
 * algorithm or a key under 2048 bits, parse claims before the signature
 * verified, or put any byte of a token into a log or an error text.
 */
#include <errno.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* By directory, so tests/fuzz/run-fuzz.sh (no -I helpers) builds it. */
#include "cognito_jwt.h"

struct cg_jwk {
	char kid[CG_JWT_MAX_KID + 1];
	EVP_PKEY *pk;
	/* set up once for RS256 (PKCS#1 v1.5, SHA-256); EVP_PKEY_verify may
	 * run on it again and again, one thread at a time (the loop's) */
	EVP_PKEY_CTX *vctx;
};

static EVP_MD *sha256_impl(void);

static void
jwk_clear(struct cg_jwk *k)
{
	EVP_PKEY_CTX_free(k->vctx);
	EVP_PKEY_free(k->pk);
	k->vctx = NULL;
	k->pk = NULL;
}

/* k->pk's verifying context: 0, or -ENOMEM. */
static int
jwk_verifier(struct cg_jwk *k)
{
	EVP_MD *sha = sha256_impl();
	EVP_PKEY_CTX *c;

	if (sha == NULL)
		return -ENOMEM;
	c = EVP_PKEY_CTX_new_from_pkey(NULL, k->pk, NULL);
	if (c == NULL || EVP_PKEY_verify_init(c) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(c, sha) != 1) {
		EVP_PKEY_CTX_free(c);
		ERR_clear_error();
		return -ENOMEM;
	}
	k->vctx = c;
	return 0;
}

struct cg_jwks {
	size_t n;
	struct cg_jwk k[CG_JWKS_MAX_KEYS];
};

static void
set_why(char *why, size_t whysz, const char *reason)
{
	if (why != NULL && whysz > 0)
		(void)snprintf(why, whysz, "%s", reason);
}

static int
b64url_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Strict base64url (RFC 7515 §2): the URL alphabet only, no padding, no
 * length that leaves a lone character, unused trailing bits zero (one
 * encoding per value).  At most max bytes out, in a new buffer with a
 * spare NUL.  -EBADMSG, -ENOMEM.
 */
static int
b64url_decode(const char *s, size_t n, size_t max, unsigned char **ret,
    size_t *ret_len)
{
	unsigned char *p;
	unsigned acc = 0, bits = 0;
	size_t i, o = 0, len;
	int v;

	if (n % 4 == 1)
		return -EBADMSG;
	len = n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1);
	if (len > max)
		return -EBADMSG;
	p = malloc(len + 1);
	if (p == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		v = b64url_val((unsigned char)s[i]);
		if (v < 0)
			goto bad;
		acc = ((acc << 6) | (unsigned)v) & 0xfff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			p[o++] = (unsigned char)(acc >> bits);
		}
	}
	if ((acc & ((1u << bits) - 1)) != 0)
		goto bad;
	p[o] = '\0';
	*ret = p;
	*ret_len = o;
	return 0;
bad:
	free(p);
	return -EBADMSG;
}

/* Parse len bytes as a JSON object with no duplicate members. */
static json_t *
load_object(const void *p, size_t len)
{
	json_error_t jerr;
	json_t *o;

	o = json_loadb(p, len, JSON_REJECT_DUPLICATES, &jerr);
	if (o != NULL && !json_is_object(o)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* The string member name of o, or NULL if absent or not a string. */
static const char *
get_str(const json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

/* A base64url member of a JWK as a BIGNUM of at most max bytes. */
static int
jwk_bn(const json_t *jwk, const char *name, size_t max, BIGNUM **ret)
{
	const json_t *v = json_object_get(jwk, name);
	unsigned char *raw = NULL;
	size_t len = 0;
	int r;

	if (!json_is_string(v) || json_string_length(v) == 0)
		return -EBADMSG;
	r = b64url_decode(json_string_value(v), json_string_length(v), max,
	    &raw, &len);
	if (r < 0)
		return r;
	*ret = BN_bin2bn(raw, (int)len, NULL);
	free(raw);
	return *ret != NULL ? 0 : -ENOMEM;
}

/* An RSA public key from n and e; -EBADMSG if libcrypto refuses them. */
static int
rsa_from_ne(const BIGNUM *n, const BIGNUM *e, EVP_PKEY **ret)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	int r = -ENOMEM;

	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL)
		goto out;
	r = -EBADMSG;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	*ret = pk;
	pk = NULL;
	r = 0;
out:
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	ERR_clear_error();
	return r;
}

/* Whether a JWK is one we would verify RS256 with. */
static bool
jwk_wanted(const json_t *jwk)
{
	const char *kty = get_str(jwk, "kty"), *use, *alg;

	if (kty == NULL || strcmp(kty, "RSA") != 0)
		return false;
	use = get_str(jwk, "use");
	if (json_object_get(jwk, "use") != NULL &&
	    (use == NULL || strcmp(use, "sig") != 0))
		return false;
	alg = get_str(jwk, "alg");
	if (json_object_get(jwk, "alg") != NULL &&
	    (alg == NULL || strcmp(alg, "RS256") != 0))
		return false;
	return true;
}

/*
 * One RSA signing JWK into k: 0 kept, 1 skipped (too small), -EBADMSG,
 * -ENOMEM.  k->pk and k->vctx are set only when kept.
 */
static int
jwk_load(const json_t *jwk, struct cg_jwk *k)
{
	const json_t *kid = json_object_get(jwk, "kid");
	BIGNUM *n = NULL, *e = NULL;
	EVP_PKEY *pk = NULL;
	int r, bits;

	if (!json_is_string(kid) || json_string_length(kid) == 0 ||
	    json_string_length(kid) > CG_JWT_MAX_KID)
		return -EBADMSG;
	r = jwk_bn(jwk, "n", CG_JWK_MAX_BITS / 8, &n);
	if (r == 0)
		r = jwk_bn(jwk, "e", 8, &e);
	if (r < 0)
		goto out;
	/* e must be odd and more than 1 (RFC 8017 §3.1). */
	if (!BN_is_odd(e) || BN_is_one(e)) {
		r = -EBADMSG;
		goto out;
	}
	bits = BN_num_bits(n);
	if (bits < CG_JWK_MIN_BITS) {
		r = 1;
		goto out;
	}
	r = rsa_from_ne(n, e, &pk);
	if (r < 0)
		goto out;
	memcpy(k->kid, json_string_value(kid), json_string_length(kid) + 1);
	k->pk = pk;
	r = jwk_verifier(k);
	if (r < 0)
		jwk_clear(k);
out:
	BN_free(n);
	BN_free(e);
	return r;
}

static const struct cg_jwk *
jwks_find(const struct cg_jwks *ks, const char *kid)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		if (strcmp(ks->k[i].kid, kid) == 0)
			return &ks->k[i];
	return NULL;
}

int
cg_jwks_parse(const char *json, size_t len, struct cg_jwks **ret)
{
	struct cg_jwks *ks = NULL;
	json_t *root = NULL, *keys, *jwk;
	size_t i;
	int r;

	if (json == NULL || ret == NULL)
		return -EINVAL;
	if (len == 0 || len > CG_JWKS_MAX_JSON)
		return -EBADMSG;
	r = -EBADMSG;
	root = load_object(json, len);
	keys = json_object_get(root, "keys");
	if (!json_is_array(keys) || json_array_size(keys) > CG_JWKS_MAX_ENTRIES)
		goto out;
	ks = calloc(1, sizeof(*ks));
	if (ks == NULL) {
		r = -ENOMEM;
		goto out;
	}
	json_array_foreach(keys, i, jwk)
	{
		if (!json_is_object(jwk)) {
			r = -EBADMSG;
			goto out;
		}
		if (!jwk_wanted(jwk))
			continue;
		if (ks->n == CG_JWKS_MAX_KEYS) {
			r = -EBADMSG;
			goto out;
		}
		r = jwk_load(jwk, &ks->k[ks->n]);
		if (r < 0)
			goto out;
		if (r == 1)
			continue;
		/* A kid given twice would make the choice of key ambiguous. */
		if (jwks_find(ks, ks->k[ks->n].kid) != NULL) {
			jwk_clear(&ks->k[ks->n]);
			r = -EBADMSG;
			goto out;
		}
		ks->n++;
	}
	r = ks->n > 0 ? 0 : -EBADMSG;
	if (r == 0) {
		*ret = ks;
		ks = NULL;
	}
out:
	cg_jwks_free(ks);
	json_decref(root);
	return r;
}

size_t
cg_jwks_count(const struct cg_jwks *ks)
{
	return ks != NULL ? ks->n : 0;
}

void
cg_jwks_free(struct cg_jwks *ks)
{
	size_t i;

	if (ks == NULL)
		return;
	for (i = 0; i < ks->n; i++)
		jwk_clear(&ks->k[i]);
	free(ks);
}

/*
 * SHA-256, fetched once for the process (a fetch by name per token was a
 * twentieth of a Cognito login's daemon CPU); a failed fetch is tried
 * again at the next call, not kept.
 */
static EVP_MD *
sha256_impl(void)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static EVP_MD *impl;
	EVP_MD *m;

	(void)pthread_mutex_lock(&lock);
	if (impl == NULL)
		impl = EVP_MD_fetch(NULL, "SHA256", NULL);
	m = impl;
	(void)pthread_mutex_unlock(&lock);
	return m;
}

/*
 * RSASSA-PKCS1-v1_5 SHA-256 over msg with k's context (set up once: an
 * EVP_DigestVerifyInit per token looked the algorithm up again, about a
 * twentieth of a Cognito login's daemon CPU): 0, or -EKEYREJECTED.
 */
static int
rs256_verify(const struct cg_jwk *k, const void *msg, size_t len,
    const unsigned char *sig, size_t siglen)
{
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dglen = 0;
	EVP_MD *sha = sha256_impl();
	int ok;

	if (siglen != (size_t)EVP_PKEY_get_size(k->pk))
		return -EKEYREJECTED;
	if (sha == NULL)
		return -ENOMEM;
	ok = EVP_Digest(msg, len, dg, &dglen, sha, NULL) == 1 &&
	    EVP_PKEY_verify(k->vctx, sig, siglen, dg, dglen) == 1;
	ERR_clear_error();
	return ok ? 0 : -EKEYREJECTED;
}

/* The protected header: alg pinned to RS256, no crit, the key by kid. */
static int
check_header(const struct cg_jwks *ks, const char *p, size_t n,
    const struct cg_jwk **ret, const char **why)
{
	unsigned char *raw = NULL;
	json_t *h = NULL;
	const char *alg, *kid;
	size_t len = 0;
	int r;

	*why = "bad header";
	r = b64url_decode(p, n, CG_JWT_MAX_TOKEN, &raw, &len);
	if (r < 0)
		return r;
	h = load_object(raw, len);
	r = -EBADMSG;
	if (h == NULL)
		goto out;
	alg = get_str(h, "alg");
	kid = get_str(h, "kid");
	if (alg == NULL) {
		*why = "no alg";
	} else if (strcmp(alg, "RS256") != 0) {
		*why = strcmp(alg, "none") == 0 ? "alg none" : "alg not RS256";
		r = -EKEYREJECTED;
	} else if (json_object_get(h, "crit") != NULL) {
		*why = "crit";
	} else if (kid == NULL || *kid == '\0' ||
	    json_string_length(json_object_get(h, "kid")) > CG_JWT_MAX_KID) {
		*why = "no kid";
	} else if ((*ret = jwks_find(ks, kid)) == NULL) {
		*why = "unknown kid";
		r = -ENOKEY;
	} else {
		r = 0;
	}
out:
	json_decref(h);
	free(raw);
	return r;
}

int
cg_jwt_verify(const struct cg_jwks *ks, const char *token,
    const struct cg_expect *ex, struct cg_claims *ret, char *why, size_t whysz)
{
	const struct cg_jwk *k = NULL;
	const char *d1, *d2, *reason = "malformed";
	unsigned char *sig = NULL, *payload = NULL;
	size_t n, siglen = 0, plen = 0;
	int r;

	set_why(why, whysz, "");
	if (ks == NULL || token == NULL || ex == NULL || ret == NULL)
		return -EINVAL;
	n = strnlen(token, CG_JWT_MAX_TOKEN + 1);
	r = -EBADMSG;
	if (n > CG_JWT_MAX_TOKEN) {
		reason = "too long";
		goto out;
	}
	d1 = memchr(token, '.', n);
	d2 = d1 != NULL ? memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - token))
			: NULL;
	if (d2 == NULL || memchr(d2 + 1, '.', n - (size_t)(d2 + 1 - token)))
		goto out;
	r = check_header(ks, token, (size_t)(d1 - token), &k, &reason);
	if (r < 0)
		goto out;
	r = b64url_decode(d2 + 1, n - (size_t)(d2 + 1 - token),
	    CG_JWK_MAX_BITS / 8, &sig, &siglen);
	if (r < 0) {
		reason = "bad signature encoding";
		goto out;
	}
	r = rs256_verify(k, token, (size_t)(d2 - token), sig, siglen);
	if (r < 0) {
		reason = r == -EKEYREJECTED ? "bad signature" : "no memory";
		goto out;
	}
	/* Only now is the payload worth reading. */
	r = b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), CG_JWT_MAX_TOKEN,
	    &payload, &plen);
	if (r < 0) {
		reason = "bad payload";
		goto out;
	}
	r = cg_jwt_check_claims((const char *)payload, plen, ex, ret, why,
	    whysz);
	reason = NULL;
out:
	if (reason != NULL)
		set_why(why, whysz, reason);
	free(sig);
	free(payload);
	return r;
}
