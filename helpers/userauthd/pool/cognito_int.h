/* SPDX-License-Identifier: MIT */
/*
 * Inside the Cognito backend (cognito.c: the flow; cognito_users.c:
 * secrets, keys and the users signed in).  Never included elsewhere.
 */
#ifndef UA_POOL_COGNITO_INT_H
#define UA_POOL_COGNITO_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "client/valid.h"
#include "userauthd/pool/backend.h"
#include "userauthd/pool/cognito.h"
#include "userauthd/pool/cognito_api.h"
#include "userauthd/pool/cognito_jwt.h"

#define CG_MAX_GROUPS 64
#define CG_MAX_ROUND_TRIPS 10	/* one login's requests, JWKS included */
#define CG_CODE_TRIES 3		/* wrong codes one challenge takes */
/* How long a verified sign-in answers ACCT (sshd asks right after). */
#define CG_RECENT_SECONDS 600
#define CG_MAX_RECENT 1024

struct cg_secret {
	char *pool;
	char *secret;
};

struct cg_secrets {
	struct cg_secret *v;
	size_t n;
};

/* A user whose ID token was verified: what ACCT and SESSION answer. */
struct cg_user {
	char pool[UA_MAX_POOL + 1];
	char login[UA_MAX_LOGIN + 1];
	char email[UA_MAX_EMAIL + 1];
	uint32_t uid;
	char *groups[CG_MAX_GROUPS];
	size_t ngroups;
	time_t until;
};

struct cg_keys {
	char pool[UA_MAX_POOL + 1];
	struct cg_jwks *jwks;
	time_t fetched;
};

struct cognito_backend {
	struct pool_backend base;
	struct http *http;
	struct cg_secrets *secrets;
	struct cg_keys keys[UA_CONF_MAX_POOLS];
	size_t nkeys;
	struct cg_user *recent;		/* ring of CG_MAX_RECENT */
	size_t nrecent, next_recent;
};

/* The client secret of pool, or NULL (a client without one). */
const char *cg_secret_of(const struct cognito_backend *cb, const char *pool);
/* The pool's key set (NULL: none fetched yet). */
struct cg_keys *cg_keys_of(struct cognito_backend *cb, const char *pool);
/* A verified user, by login name or address; NULL if none (or stale). */
const struct cg_user *cg_recent_find(struct cognito_backend *cb,
    const char *pool, const char *ident, time_t now);
/* Remember a verified user (its strings copied). */
void cg_recent_add(struct cognito_backend *cb, const struct cg_user *u);
void cg_recent_free(struct cognito_backend *cb);
/* The uid of a verified user: the pool's attribute, or a hash of sub
 * into the pool's range.  -ERANGE when the attribute is outside it. */
int cg_uid_of(const struct ua_pool_conf *pc, const struct cg_claims *c,
    uint32_t *ret);

#endif
