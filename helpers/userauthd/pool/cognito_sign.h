/* SPDX-License-Identifier: MIT */
/*
 * Request signing for the Cognito pool backend: the app client's
 * SECRET_HASH and AWS Signature Version 4 for the signed (admin) calls.
 * Pure computation over the caller's strings: no I/O, no logging, and
 * every intermediate key is wiped before return.
 */
#ifndef UA_COGNITO_SIGN_H
#define UA_COGNITO_SIGN_H

#include <stddef.h>
#include <time.h>

/* Base64 of a 32-byte HMAC with padding, and its NUL. */
#define CG_SECRET_HASH_LEN 45
/* YYYYMMDDTHHMMSSZ and its NUL. */
#define CG_AMZ_DATE_LEN 17

/* Limits of cg_sigv4_authorization: beyond them it refuses (-E2BIG). */
#define CG_SIGV4_MAX_HEADERS 64
#define CG_SIGV4_MAX_HEADER 8192 /* name + value of one header */
#define CG_SIGV4_MAX_PATH 8192   /* path, and query, each */
#define CG_SIGV4_MAX_FIELD 128   /* method, region, service, keys */

/*
 * SECRET_HASH = Base64(HMAC-SHA256(key = secret, username || client_id))
 * (COGNITO.md §2).  out gets the 44 characters and a NUL.
 * Returns 0; -EINVAL for a NULL argument or an empty secret, -ENOSPC if
 * outsz < CG_SECRET_HASH_LEN, -E2BIG for absurd lengths (over 1024
 * bytes each), -EIO if libcrypto fails.
 * out is written only on success.
 */
int cg_secret_hash(const char *secret, size_t secret_len, const char *username,
    const char *client_id, char *out, size_t outsz);

struct cg_header {
	const char *name, *value;
};

/*
 * One request to sign.  Everything is borrowed.  path and query are
 * already in canonical (URI-encoded, sorted) form; query is "" for none.
 * headers are the ones to sign, in any order, with names in any case;
 * values are trimmed and inner runs of blanks collapsed; a name given
 * twice is signed once with its values joined by ',' in the given order.
 */
struct cg_sigv4_req {
	const char *method; /* "POST" */
	const char *path;   /* "/" */
	const char *query;  /* "" */
	const struct cg_header *headers;
	size_t nheaders;
	const void *body; /* may be NULL when body_len is 0 */
	size_t body_len;
	const char *region, *service; /* "eu-west-1", "cognito-idp" */
	const char *amz_date;         /* "20150830T123600Z" */
	const char *access_key, *secret_key;
};

/*
 * The Authorization header value for rq:
 * "AWS4-HMAC-SHA256 Credential=<akid>/<scope>, SignedHeaders=<list>,
 * Signature=<hex>".  Returns its length; -EINVAL for a NULL or empty
 * field, a bad amz_date, a header name that is not an HTTP token or a
 * value with control characters; -E2BIG past the CG_SIGV4_* limits;
 * -ENOSPC if out is too small (out is then an empty string); -ENOMEM,
 * -EIO.
 */
int cg_sigv4_authorization(const struct cg_sigv4_req *rq, char *out,
    size_t outsz);

/*
 * t as an x-amz-date (UTC, YYYYMMDDTHHMMSSZ) into out, which needs
 * CG_AMZ_DATE_LEN bytes.  Returns 0; -ENOSPC, -EINVAL (NULL), -ERANGE
 * (a time outside years 0..9999).
 */
int cg_amz_date(time_t t, char *out, size_t outsz);

#endif
