/* SPDX-License-Identifier: MIT */
/*
 * SECRET_HASH and AWS Signature V4 (COGNITO.md §2 and §8).  Owns the
 * canonical request, the key derivation and the Authorization value; it
 * must never keep, log or return a secret or a derived key, and it
 * refuses input that would make the canonical request ambiguous
 * (control characters, CR/LF in values) rather than sign it.
 */
#include <errno.h>
#include <pthread.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "client/buf.h"
#include "client/valid.h"
#include "client/wipe.h"
#include "userauthd/pool/cognito_sign.h"

#define SHA256_LEN 32
/* Ceiling of the canonical request: the limits above keep far below. */
#define CANON_MAX ((CG_SIGV4_MAX_HEADERS + 4) * (CG_SIGV4_MAX_HEADER + 2))
/* username and client id of a SECRET_HASH: Cognito allows 128 each. */
#define SECRET_HASH_MAX_PART 1024

struct part {
	const void *p;
	size_t n;
};

/*
 * The HMAC implementation, fetched once for the process (a fetch per call
 * was a twentieth of a Cognito login's daemon CPU: two SECRET_HASHes a
 * login, a SigV4 key derivation per sync request); a failed fetch is
 * tried again at the next call, not kept.
 */
static EVP_MAC *
hmac_impl(void)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static EVP_MAC *impl;
	EVP_MAC *m;

	(void)pthread_mutex_lock(&lock);
	if (impl == NULL)
		impl = EVP_MAC_fetch(NULL, "HMAC", NULL);
	m = impl;
	(void)pthread_mutex_unlock(&lock);
	return m;
}

/* HMAC-SHA256 of the concatenated parts: 0 or -EIO. */
static int
hmac_sha256(const void *key, size_t klen, const struct part *parts,
    size_t nparts, uint8_t out[SHA256_LEN])
{
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t olen = 0, i;
	int ok;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)(uintptr_t) "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	mac = hmac_impl();
	ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	ok = ctx != NULL && EVP_MAC_init(ctx, key, klen, params) == 1;
	for (i = 0; ok && i < nparts; i++)
		ok = EVP_MAC_update(ctx, parts[i].p, parts[i].n) == 1;
	ok = ok && EVP_MAC_final(ctx, out, &olen, SHA256_LEN) == 1 &&
	    olen == SHA256_LEN;
	/* The context held the key schedule; the free cleanses it. */
	EVP_MAC_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

static int
hmac_str(const void *key, size_t klen, const char *msg, uint8_t out[SHA256_LEN])
{
	struct part p = { msg, strlen(msg) };

	return hmac_sha256(key, klen, &p, 1, out);
}

static void
hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* Hex SHA-256 of n bytes at p into out (65 bytes): 0 or -EIO. */
static int
sha256_hex(const void *p, size_t n, char out[2 * SHA256_LEN + 1])
{
	uint8_t md[SHA256_LEN];
	unsigned int mdlen = 0;

	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != SHA256_LEN)
		return -EIO;
	hex(md, SHA256_LEN, out);
	return 0;
}

int
cg_secret_hash(const char *secret, size_t secret_len, const char *username,
    const char *client_id, char *out, size_t outsz)
{
	struct part parts[2];
	uint8_t mac[SHA256_LEN];
	size_t ulen, clen;
	int r;

	if (secret == NULL || secret_len == 0 || username == NULL ||
	    client_id == NULL || out == NULL)
		return -EINVAL;
	if (outsz < CG_SECRET_HASH_LEN)
		return -ENOSPC;
	ulen = strnlen(username, SECRET_HASH_MAX_PART + 1);
	clen = strnlen(client_id, SECRET_HASH_MAX_PART + 1);
	if (ulen > SECRET_HASH_MAX_PART || clen > SECRET_HASH_MAX_PART ||
	    secret_len > SECRET_HASH_MAX_PART)
		return -E2BIG;
	parts[0] = (struct part){ username, ulen };
	parts[1] = (struct part){ client_id, clen };
	r = hmac_sha256(secret, secret_len, parts, 2, mac);
	if (r == 0 &&
	    EVP_EncodeBlock((unsigned char *)out, mac, SHA256_LEN) !=
		CG_SECRET_HASH_LEN - 1)
		r = -EIO;
	ua_wipe(mac, sizeof(mac));
	return r;
}

int
cg_amz_date(time_t t, char *out, size_t outsz)
{
	struct tm tm;

	if (out == NULL)
		return -EINVAL;
	if (outsz < CG_AMZ_DATE_LEN)
		return -ENOSPC;
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900)
		return -ERANGE;
	if (strftime(out, outsz, "%Y%m%dT%H%M%SZ", &tm) != CG_AMZ_DATE_LEN - 1)
		return -ERANGE;
	return 0;
}

/* RFC 9110 tchar: what a method or a header name may be made of. */
static bool
is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/*
 * Length of s if it is 1..max characters, each accepted by ok; -EINVAL
 * for NULL, empty or a refused character, -E2BIG past max.
 */
static int
check_field(const char *s, size_t max, bool (*ok)(unsigned char))
{
	size_t i;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= max)
			return -E2BIG;
		if (!ok((unsigned char)s[i]))
			return -EINVAL;
	}
	return (int)i;
}

static bool
is_scope_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-';
}

static bool
is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

/* Visible ASCII: canonical paths and queries are already encoded. */
static bool
is_visible(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

static bool
is_printable(unsigned char c)
{
	return c >= 0x20 && c != 0x7f;
}

static bool
valid_amz_date(const char *d)
{
	size_t i;

	if (d == NULL || strnlen(d, CG_AMZ_DATE_LEN) != CG_AMZ_DATE_LEN - 1)
		return false;
	for (i = 0; i < CG_AMZ_DATE_LEN - 1; i++) {
		if (i == 8        ? d[i] != 'T'
			: i == 15 ? d[i] != 'Z'
				  : (d[i] < '0' || d[i] > '9'))
			return false;
	}
	return true;
}

static int
check_request(const struct cg_sigv4_req *rq)
{
	int r;

	if (rq->headers == NULL || rq->nheaders == 0 || rq->query == NULL ||
	    (rq->body == NULL && rq->body_len > 0) ||
	    !valid_amz_date(rq->amz_date))
		return -EINVAL;
	if (rq->nheaders > CG_SIGV4_MAX_HEADERS)
		return -E2BIG;
	if ((r = check_field(rq->method, CG_SIGV4_MAX_FIELD, is_tchar)) < 0 ||
	    (r = check_field(rq->path, CG_SIGV4_MAX_PATH, is_visible)) < 0 ||
	    (r = check_field(rq->region, CG_SIGV4_MAX_FIELD, is_scope_char)) <
		0 ||
	    (r = check_field(rq->service, CG_SIGV4_MAX_FIELD, is_scope_char)) <
		0 ||
	    (r = check_field(rq->access_key, CG_SIGV4_MAX_FIELD, is_alnum)) <
		0 ||
	    (r = check_field(rq->secret_key, CG_SIGV4_MAX_FIELD,
		 is_printable)) < 0)
		return r;
	if (rq->query[0] != '\0' &&
	    (r = check_field(rq->query, CG_SIGV4_MAX_PATH, is_visible)) < 0)
		return r;
	return rq->path[0] == '/' ? 0 : -EINVAL;
}

/* A header to sign, with its lengths and its place in the request. */
struct hdr {
	const char *name, *value;
	size_t nlen, idx;
};

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* By lower-cased name, then by position (so equal names keep order). */
static int
hdr_cmp(const void *a, const void *b)
{
	const struct hdr *x = a, *y = b;
	size_t i;

	for (i = 0; i < x->nlen && i < y->nlen; i++) {
		int d = lower((unsigned char)x->name[i]) -
		    lower((unsigned char)y->name[i]);
		if (d != 0)
			return d;
	}
	if (x->nlen != y->nlen)
		return x->nlen < y->nlen ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Check each header and fill h[] (then sorted). */
static int
collect_headers(const struct cg_sigv4_req *rq, struct hdr *h)
{
	size_t i, j, vlen;
	int r;

	for (i = 0; i < rq->nheaders; i++) {
		const struct cg_header *in = &rq->headers[i];

		if (in->value == NULL)
			return -EINVAL;
		r = check_field(in->name, CG_SIGV4_MAX_HEADER, is_tchar);
		if (r < 0)
			return r;
		vlen = strnlen(in->value, CG_SIGV4_MAX_HEADER + 1);
		if ((size_t)r + vlen > CG_SIGV4_MAX_HEADER)
			return -E2BIG;
		/* Tabs count as blanks; any other control is refused. */
		for (j = 0; j < vlen; j++) {
			unsigned char c = (unsigned char)in->value[j];
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return -EINVAL;
		}
		h[i] = (struct hdr){ in->name, in->value, (size_t)r, i };
	}
	qsort(h, rq->nheaders, sizeof(*h), hdr_cmp);
	return 0;
}

static int
put_lower(struct ua_buf *b, const char *s, size_t n)
{
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < n; i++)
		r = ua_buf_put_u8(b, (uint8_t)lower((unsigned char)s[i]));
	return r;
}

/* The value without outer blanks and with inner runs as one space. */
static int
put_trimmed(struct ua_buf *b, const char *v)
{
	bool blank = false, any = false;
	int r = 0;

	for (; r == 0 && *v != '\0'; v++) {
		if (*v == ' ' || *v == '\t') {
			blank = true;
			continue;
		}
		if (blank && any)
			r = ua_buf_put_u8(b, ' ');
		if (r == 0)
			r = ua_buf_put_u8(b, (uint8_t)*v);
		blank = false;
		any = true;
	}
	return r;
}

static bool
same_name(const struct hdr *a, const struct hdr *b)
{
	return a->nlen == b->nlen &&
	    strncasecmp(a->name, b->name, a->nlen) == 0;
}

/*
 * Canonical headers into canon ("name:value\n" each) and the signed
 * header list into list.
 */
static int
put_headers(struct ua_buf *canon, struct ua_buf *list, const struct hdr *h,
    size_t n)
{
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < n; i++) {
		if (i > 0 && same_name(&h[i - 1], &h[i])) {
			/* A repeated name: one line, values joined by ','. */
			r = ua_buf_put_u8(canon, ',');
		} else {
			if (i > 0)
				r = ua_buf_put_u8(list, ';');
			if (r == 0 && i > 0)
				r = ua_buf_put_u8(canon, '\n');
			if (r == 0)
				r = put_lower(list, h[i].name, h[i].nlen);
			if (r == 0)
				r = put_lower(canon, h[i].name, h[i].nlen);
			if (r == 0)
				r = ua_buf_put_u8(canon, ':');
		}
		if (r == 0)
			r = put_trimmed(canon, h[i].value);
	}
	return r == 0 ? ua_buf_put_u8(canon, '\n') : r;
}

static int
put_line(struct ua_buf *b, const char *s)
{
	int r = ua_buf_put(b, s, strlen(s));

	return r == 0 ? ua_buf_put_u8(b, '\n') : r;
}

/* "date/region/service/aws4_request" into out. */
static int
scope(const struct cg_sigv4_req *rq, char *out, size_t outsz)
{
	int r = ua_snprintf(out, outsz, "%.8s/%s/%s/aws4_request", rq->amz_date,
	    rq->region, rq->service);

	return r < 0 ? -EIO : 0;
}

/* hex(HMAC(derived key, string to sign)) into sig (65 bytes). */
static int
signature(const struct cg_sigv4_req *rq, const char *scope_s,
    const char *canon_hash, char *sig)
{
	char ksecret[4 + CG_SIGV4_MAX_FIELD + 1], date[9];
	uint8_t k[SHA256_LEN], k2[SHA256_LEN], mac[SHA256_LEN];
	struct part sts[6];
	size_t slen = strlen(rq->secret_key);
	int r;

	memcpy(ksecret, "AWS4", 4);
	memcpy(ksecret + 4, rq->secret_key, slen);
	memcpy(date, rq->amz_date, 8);
	date[8] = '\0';
	r = hmac_str(ksecret, 4 + slen, date, k);
	if (r == 0)
		r = hmac_str(k, sizeof(k), rq->region, k2);
	if (r == 0)
		r = hmac_str(k2, sizeof(k2), rq->service, k);
	if (r == 0)
		r = hmac_str(k, sizeof(k), "aws4_request", k2);
	sts[0] = (struct part){ "AWS4-HMAC-SHA256\n", 17 };
	sts[1] = (struct part){ rq->amz_date, CG_AMZ_DATE_LEN - 1 };
	sts[2] = (struct part){ "\n", 1 };
	sts[3] = (struct part){ scope_s, strlen(scope_s) };
	sts[4] = (struct part){ "\n", 1 };
	sts[5] = (struct part){ canon_hash, 2 * SHA256_LEN };
	if (r == 0)
		r = hmac_sha256(k2, sizeof(k2), sts, 6, mac);
	if (r == 0)
		hex(mac, SHA256_LEN, sig);
	ua_wipe(ksecret, sizeof(ksecret));
	ua_wipe(k, sizeof(k));
	ua_wipe(k2, sizeof(k2));
	ua_wipe(mac, sizeof(mac));
	return r;
}

int
cg_sigv4_authorization(const struct cg_sigv4_req *rq, char *out, size_t outsz)
{
	struct ua_buf canon, list;
	struct hdr *h = NULL;
	char body_hash[2 * SHA256_LEN + 1], canon_hash[2 * SHA256_LEN + 1];
	char sig[2 * SHA256_LEN + 1];
	char scope_s[8 + 3 * CG_SIGV4_MAX_FIELD + 32];
	int r;

	if (rq == NULL || out == NULL || outsz == 0)
		return -EINVAL;
	out[0] = '\0';
	ua_buf_init(&canon, CANON_MAX);
	ua_buf_init(&list, CANON_MAX);
	r = check_request(rq);
	if (r < 0)
		goto out;
	h = calloc(rq->nheaders, sizeof(*h));
	if (h == NULL) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = collect_headers(rq, h)) < 0 ||
	    (r = put_line(&canon, rq->method)) < 0 ||
	    (r = put_line(&canon, rq->path)) < 0 ||
	    (r = put_line(&canon, rq->query)) < 0 ||
	    (r = put_headers(&canon, &list, h, rq->nheaders)) < 0 ||
	    (r = ua_buf_put_u8(&canon, '\n')) < 0 ||
	    (r = ua_buf_put(&canon, list.data, list.len)) < 0 ||
	    (r = ua_buf_put_u8(&canon, '\n')) < 0 ||
	    (r = ua_buf_put_u8(&list, '\0')) < 0 ||
	    (r = sha256_hex(rq->body_len > 0 ? rq->body : "", rq->body_len,
		 body_hash)) < 0 ||
	    (r = ua_buf_put(&canon, body_hash, 2 * SHA256_LEN)) < 0 ||
	    (r = sha256_hex(canon.data, canon.len, canon_hash)) < 0 ||
	    (r = scope(rq, scope_s, sizeof(scope_s))) < 0 ||
	    (r = signature(rq, scope_s, canon_hash, sig)) < 0)
		goto out;
	r = ua_snprintf(out, outsz,
	    "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, "
	    "Signature=%s",
	    rq->access_key, scope_s, (const char *)list.data, sig);
	if (r < 0) {
		out[0] = '\0';
		r = r == -ENAMETOOLONG ? -ENOSPC : r;
	}
out:
	/* The limits make -EMSGSIZE unreachable; say "too big" if not. */
	if (r == -EMSGSIZE)
		r = -E2BIG;
	free(h);
	ua_buf_free(&canon);
	ua_buf_free(&list);
	return r;
}
