/* SPDX-License-Identifier: MIT */
/*
 * Cognito ID and access tokens (COGNITO.md §6): the pool's JWKS and the
 * verification of an RS256 JWS, then its claims.  Only RS256 with a key
 * of at least 2048 bits is ever accepted; nothing from a token or a key
 * set is logged or returned in an error text.
 */
#ifndef UA_COGNITO_JWT_H
#define UA_COGNITO_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CG_JWKS_MAX_JSON 65536 /* bytes of a JWKS document */
#define CG_JWKS_MAX_ENTRIES 64 /* members of "keys", used or not */
#define CG_JWKS_MAX_KEYS 16    /* usable keys kept */
#define CG_JWK_MIN_BITS 2048   /* smaller RSA keys are skipped */
#define CG_JWK_MAX_BITS 8192
#define CG_JWT_MAX_TOKEN 16384 /* characters of a compact token */
#define CG_JWT_MAX_KID 256
#define CG_JWT_MAX_GROUPS 256
#define CG_JWT_MAX_GROUP 128 /* characters of a group name */
#define CG_JWT_MAX_ATTR 2048 /* characters of the custom attribute */
#define CG_JWT_MAX_SKEW 86400

/* Opaque: the pool's RSA signing keys by kid. */
struct cg_jwks;

/*
 * Parse a JWKS document ({"keys":[...]}) of len bytes into *ret (free
 * with cg_jwks_free).  Keys that are not RSA, are not for "sig", name an
 * alg other than RS256 or are smaller than CG_JWK_MIN_BITS are skipped.
 * -EBADMSG: not JSON, duplicate members, more than CG_JWKS_MAX_JSON
 * bytes or CG_JWKS_MAX_ENTRIES entries, a usable key that is malformed
 * (no kid, bad base64url n/e, even or tiny e), a kid given twice, more
 * than CG_JWKS_MAX_KEYS usable keys, or none at all.  -EINVAL, -ENOMEM.
 */
int cg_jwks_parse(const char *json, size_t len, struct cg_jwks **ret);

/* Number of usable keys in ks (0 for NULL). */
size_t cg_jwks_count(const struct cg_jwks *ks);

/* Free ks; NULL is fine. */
void cg_jwks_free(struct cg_jwks *ks);

/* What a verified token says (strings are NUL-terminated copies). */
struct cg_claims {
	char sub[64];
	char username[129]; /* cognito:username (id) or username (access) */
	char email[256];    /* "" when absent */
	bool email_verified;
	char **groups; /* cognito:groups; NULL when absent */
	size_t ngroups;
	char *attr; /* the asked-for custom attribute, or NULL */
	int64_t exp, iat, auth_time; /* auth_time 0 when absent */
	char token_use[8];
};

/* What the caller expects of a token. */
struct cg_expect {
	const char *iss;       /* exact issuer */
	const char *client_id; /* id: aud; access: client_id */
	const char *token_use; /* "id" or "access" */
	const char *attr;      /* e.g. "custom:uid", or NULL */
	int64_t now;           /* seconds since the epoch */
	int64_t skew;          /* tolerated clock skew, 0..CG_JWT_MAX_SKEW */
};

/*
 * Verify a compact JWS and check its claims; *ret is written only on
 * success (free with cg_claims_clear).
 *   0              verified, claims filled
 *   -ENOKEY        the kid is not in ks (refetch the JWKS once, retry)
 *   -EKEYREJECTED  alg is not RS256 (none, HS256, ...) or the signature
 *                  does not verify
 *   -EBADMSG       malformed: not three strict base64url parts, not
 *                  JSON objects, no alg or kid, crit, longer than
 *                  CG_JWT_MAX_TOKEN, a claim of the wrong type or size
 *   -EACCES        a claim check failed: iss, aud / client_id,
 *                  token_use, exp passed (beyond skew), nbf or iat in
 *                  the future (beyond skew)
 *   -EINVAL        a NULL argument or a bad ex; -ENOMEM, -EIO
 * why (if not NULL) gets a short fixed reason ("expired", "wrong aud",
 * "alg none", ...), never token contents; "" on success.
 */
int cg_jwt_verify(const struct cg_jwks *ks, const char *token,
    const struct cg_expect *ex, struct cg_claims *ret, char *why, size_t whysz);

/*
 * The claim checks and extraction of cg_jwt_verify alone, on a payload
 * of len bytes of JSON whose signature was ALREADY VERIFIED: for
 * cg_jwt_verify itself and the fuzz target, never for a token's
 * payload straight off the wire.  Same returns as cg_jwt_verify
 * (-EBADMSG, -EACCES, -EINVAL, -ENOMEM).
 */
int cg_jwt_check_claims(const char *json, size_t len,
    const struct cg_expect *ex, struct cg_claims *ret, char *why, size_t whysz);

/* Free what c holds and zero it; NULL and a zeroed c are fine. */
void cg_claims_clear(struct cg_claims *c);

#endif
