/* SPDX-License-Identifier: MIT */
/*
 * Inside the Cognito backend (cognito.c: the flow; cognito_users.c:
 * secrets, keys and the users signed in).  Never included elsewhere.
 */
#ifndef UA_POOL_COGNITO_INT_H
#define UA_POOL_COGNITO_INT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <time.h>

#include "client/valid.h"
#include "userauthd/pool/backend.h"
#include "userauthd/pool/cognito.h"
#include "userauthd/pool/cognito_api.h"
#include "userauthd/pool/cognito_jwt.h"

#define CG_MAX_GROUPS 64
#define CG_MAX_ROUND_TRIPS 10 /* one login's requests, JWKS included */
#define CG_CODE_TRIES 3       /* wrong codes one challenge takes */
/* How long a verified sign-in answers ACCT (sshd asks right after). */
#define CG_RECENT_SECONDS 600
#define CG_MAX_RECENT 1024
/*
 * The bound of a kept sync, STATE_DIR/cognito-POOL.json (userauthd(8)):
 * the 1,000,000 users a sync takes at most (SY_MAX_USERS) at the usual
 * size (about 150 bytes each in the file, groups included), 300,000
 * with the longest names, addresses and paths.  A larger file is neither
 * read nor written.
 */
#define CG_STATE_MAX ((size_t)256 << 20)

/* AWS credentials for the sync's signed requests. */
struct cg_creds {
	char *akid, *secret, *token; /* token: temporary credentials */
};

struct cg_secret {
	char *pool;
	char *secret;          /* the app client's, or NULL */
	struct cg_creds creds; /* from cognito_credentials_file, or none */
};

struct cg_secrets {
	struct cg_secret *v;
	size_t n;
	struct cg_creds env; /* AWS_ACCESS_KEY_ID ... at start, or none */
};

/* One user of a ListUsers page, until the sync ends. */
struct sy_user {
	char *login, *email, *sub, *attr;
	double created;
	uint32_t uid, index;
	bool keep, collided;
};

struct sy_group {
	char *name;
	double created;
	uint32_t *members; /* indexes of users, by login order */
	size_t n, cap;
};

/* The sync of one pool (cognito_sync.c). */
/*
 * The last result's lookups, rebuilt with it: user indexes sorted by
 * login and (the users with one) by address, ASCII case-insensitively;
 * each user's groups (gidx[gstart[u] .. gstart[u + 1]]).
 */
struct cg_index {
	uint32_t *by_login, *by_email;
	size_t nemail;
	uint32_t *gstart, *gidx;
};

struct cg_sync {
	char pool[UA_MAX_POOL + 1];
	enum { SY_IDLE, SY_USERS, SY_GROUPS, SY_MEMBERS } phase;
	bool in_flight, want_now;
	bool no_creds;               /* said once: no credentials */
	time_t synced_at, failed_at; /* the last good sync, the last failed */
	char last_error[200];        /* why that one failed */
	uint64_t started_at;         /* ms: the last sync's start */
	uint64_t next_at;            /* ms, monotonic */
	uint32_t backoff_ms;
	unsigned requests;
	size_t skipped;
	char *token; /* PaginationToken / NextToken */
	size_t gi;   /* the group whose members come */
	struct sy_user *u;
	size_t nu, capu;
	struct sy_group *g;
	size_t ng, capg;
	struct nss_extra *last; /* the last good result, or NULL */
	struct cg_index ix;     /* last's lookups */
	/* IMDSv2: the session token, the role, temporary credentials */
	int imds_step; /* 0 none, 1 token, 2 role, 3 keys */
	char *imds_token, *imds_role;
	struct cg_creds imds;
	time_t imds_expires;
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
	struct cg_user *recent; /* ring of CG_MAX_RECENT */
	size_t nrecent, next_recent;
	struct cg_sync *syncs[UA_CONF_MAX_POOLS];
	size_t nsyncs;
	struct pool_cognito_hooks hooks;
	size_t state_max; /* the kept sync's bound: CG_STATE_MAX */
};

/* cognito.c: the flow's requests and replies */
enum cg_op {
	OP_INITIATE,
	OP_RESPOND,
	OP_ASSOCIATE,
	OP_VERIFY,
	OP_CHANGE,
	OP_JWKS
};

struct cg_login {
	struct pool_login base;
	struct cognito_backend *cb;
	char pool[UA_MAX_POOL + 1];
	char ident[UA_MAX_EMAIL + 1];
	char username[CG_MAX_USERNAME + 1]; /* USERNAME to send */
	char *session;
	enum cg_challenge step; /* where the Session stands */
	enum policy_challenge preferred;
	bool offers_password, offers_email;
	bool sent_preference;
	char destination[128];
	char *setup_info;
	unsigned tries; /* codes left for this challenge */
	unsigned trips;
	enum pool_factor judging; /* what the request under way judges */
	bool chpass;
	char *old_pw, *new_pw;
	char *id_token, *access_token; /* held while the JWKS comes */
	bool refetched;
	const char *groups[CG_MAX_GROUPS]; /* of a synced user */
};

#define PARAMS(l, pc, ...)                                                     \
	cg_params((l)->username, (pc)->cognito_client_id,                      \
	    cg_secret_of((l)->cb, (l)->pool), __VA_ARGS__, NULL)

extern const char *const cg_op_names[];
int cg_unavailable(struct pool_reply *rp, const char *reason);
int cg_fail(struct pool_reply *rp, const char *reason, const char *message);
int cg_submit(struct cg_login *l, const struct ua_pool_conf *pc, enum cg_op op,
    json_t *body, struct pool_reply *rp);
int cg_respond_with(struct cg_login *l, const struct ua_pool_conf *pc,
    const char *challenge, json_t *responses, struct pool_reply *rp);
int cg_initiate_auth(struct cg_login *l, const struct ua_pool_conf *pc,
    const char *rhost, struct pool_reply *rp);
int cg_ask(struct cg_login *l, enum policy_challenge c, struct pool_reply *rp);
void cg_judged(struct cg_login *l, struct pool_reply *rp, bool ok,
    const char *reason);
int cg_wrong_code(struct cg_login *l, enum policy_challenge c,
    struct pool_reply *rp);
/* cognito_answer.c */
int cg_on_answer(struct cg_login *l, const struct ua_pool_conf *pc,
    enum cg_op op, struct cg_answer *a, struct pool_reply *rp);
int cg_on_jwks(struct cg_login *l, const struct ua_pool_conf *pc,
    const struct http_req *rq, struct pool_reply *rp);

/* cognito_sync.c: a request of the sync (a page, or IMDS) */
struct sy_job {
	struct pool_job pj;
	struct http_req rq;
	char pool[UA_MAX_POOL + 1];
	int imds_step; /* 0: a page of the sync */
};
void sy_job_free(struct pool_job *pj);
/* cognito_ids.c: the pages are in; the pool's new NSS part */
int cg_sync_finish(struct cg_sync *y, const struct ua_pool_conf *pc,
    struct store_nss *out);
/* cognito_imds.c (credentials this close to their expiry: fetched anew) */
#define IMDS_EARLY 300
const char *cg_imds_base(const struct ua_pool_conf *pc);
void cg_imds_clear(struct cg_sync *y);
int cg_imds_send(struct cognito_backend *cb, struct cg_sync *y,
    const struct ua_pool_conf *pc);
int cg_imds_done(struct cg_sync *y, const struct http_req *rq, int step,
    const char **why);

/* cognito_sync.c */
struct cg_sync *cg_sync_of(struct cognito_backend *cb, const char *pool);
void cg_sync_free(struct cg_sync *y);
uint64_t cg_sync_tick(struct cognito_backend *cb, const struct ua_conf *c,
    uint64_t now);
void cg_sync_done(struct cognito_backend *cb, const struct ua_conf *c,
    struct workq_job *job, uint64_t now);
/* cognito_nss.c: every pool's last result to the NSS cache (and disk). */
void cg_sync_publish(struct cognito_backend *cb, struct cg_sync *y);
/*
 * The state file's text of n (cognito_nss.c): {"version":1,"users":[...],
 * "groups":[...]}, read back by the daemon's next start.  -EILSEQ when a
 * string is not UTF-8 (the file is then unusable: not to be kept); write
 * errors are left in f's error indicator.
 */
int cg_state_write(FILE *f, const struct store_nss *n);
int cg_sync_load(struct cognito_backend *cb, const struct ua_conf *c);
/* Make x (a reference handed over) y's last result, with its index;
 * -ENOMEM (x dropped, y as it was) when the index cannot be built. */
int cg_sync_set_last(struct cg_sync *y, struct nss_extra *x);
void cg_index_free(struct cg_index *ix);
/* A synced user by login name or address: 0 and the user's fields. */
int cg_synced_find(struct cognito_backend *cb, const char *pool,
    const char *ident, struct pool_user *ret, const char **groups,
    size_t maxgroups);
/* The credentials the pool's sync signs with, or NULL. */
const struct cg_creds *cg_creds_of(const struct cognito_backend *cb,
    const char *pool);

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
