/* SPDX-License-Identifier: MIT */
/*
 * The Cognito pool backend (backend = cognito): the login is Cognito's
 * USER_AUTH flow, spoken over HTTPS from the HTTP thread (net/http.h).
 * Cognito picks the challenges, mails the codes, checks passwords and
 * TOTP; the daemon verifies the ID token it ends with and keeps Session
 * strings and tokens to itself: never logged, stored or sent on.
 */
#ifndef UA_POOL_COGNITO_H
#define UA_POOL_COGNITO_H

#include <sys/types.h>

#include "server/conf.h"
#include "userauthd/net/http.h"
#include "userauthd/pool/backend.h"

/* Secrets read as root at start (cognito_client_secret_file). */
struct cg_secrets;

/* Read every Cognito pool's client secret: 0, or -errno (logged). */
int pool_cognito_read_secrets(const struct ua_conf *c, uid_t daemon_uid,
    struct cg_secrets **ret);
void pool_cognito_secrets_free(struct cg_secrets *s);

struct nss_extra;

/* What the backend tells the daemon. */
struct pool_cognito_hooks {
	/* the synced users and groups changed (a reference to keep) */
	void (*nss)(void *arg, struct nss_extra *x);
	void *arg;
	const char *state_dir; /* where the last sync is kept */
};

/* The backend: requests go through http, secrets are taken over. */
int pool_cognito_new(struct http *http, struct cg_secrets *secrets,
    const struct pool_cognito_hooks *hooks, struct pool_backend **ret);

/*
 * The event loop's turn: start or pace the pools' syncs.  Returns the ms
 * until it wants its next turn.
 */
uint64_t pool_cognito_tick(struct pool_backend *be, const struct ua_conf *c,
    uint64_t now_ms);
/* A job of the backend's own (owner 0) came back. */
void pool_cognito_job(struct pool_backend *be, const struct ua_conf *c,
    struct workq_job *job, uint64_t now_ms);
/*
 * The pool's sync for status: {interval, synced_at, users, groups,
 * failed_at, error} (absent members: never).  NULL: not a Cognito pool
 * of this backend, or out of memory.
 */
struct json_t;
struct json_t *pool_cognito_sync_status(struct pool_backend *be,
    const struct ua_pool_conf *pc);

/* Read the last syncs kept on disk and publish them (at start). */
int pool_cognito_load(struct pool_backend *be, const struct ua_conf *c);

#endif
