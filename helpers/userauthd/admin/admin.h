/* SPDX-License-Identifier: MIT */
/*
 * The admin socket's request handler: validates a JSON request against its
 * op's schema and runs it on the store.  It must never echo a password or
 * put a hash into a reply or a log line.
 */
#ifndef UA_ADMIN_H
#define UA_ADMIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "client/valid.h"
#include "server/conf.h"
#include "userauthd/keys.h"
#include "userauthd/store/store.h"

struct mailer;
struct pool_backend;
struct workq;
struct workq_job;

struct admin_ctx {
	const struct ua_conf *conf;
	struct store *store;
	uid_t peer_uid;        /* for the audit line */
	struct mailer *mailer; /* mailq.*; NULL: "the sender is not running" */
	struct admin_import *
	    *import; /* the connection's user.import.*; may be NULL */
	const struct keys *keys;      /* for invitation codes; NULL: none */
	struct pool_backend *cognito; /* its syncs, for status; may be NULL */
	/*
	 * user.passwd hashes on the workers (the event loop must not spend
	 * a yescrypt on it): with wq set the request is checked, its hash
	 * queued for owner, and admin_handle returns NULL with pending set;
	 * the finished job goes to admin_passwd_done.  Without wq: hashed
	 * here (tests).
	 */
	struct workq *wq;
	uint64_t owner;
	bool pending;
	char pending_user[UA_MAX_EMAIL + 1]; /* login or address */
};

/*
 * Handle one request and return the reply object (never NULL except on
 * out-of-memory).  The request may hold a password: the caller wipes it.
 */
json_t *admin_handle(struct admin_ctx *ctx, json_t *req);
/* The reply of a pending user.passwd, its hash job finished (freed here);
 * the audit line is written here.  Never NULL except out of memory. */
json_t *admin_passwd_done(struct admin_ctx *ctx, const char *user,
    struct workq_job *job);

/* A reply for a request that could not be parsed or was not allowed. */
json_t *admin_error(const char *code, const char *message);

/*
 * Add to reply (of a request that changed something) the warning that the
 * change is in the database but the NSS cache at path could not be
 * published (err: why, as -errno) and is retried every retry_s seconds:
 * {"warning": {"code": "nss_unpublished", "message": ...}}.  Best effort:
 * without memory the reply goes out without it.
 */
void admin_warn_unpublished(json_t *reply, const char *path, int err,
    unsigned retry_s);

#endif
