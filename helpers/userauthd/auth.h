/* SPDX-License-Identifier: MIT */
/*
 * The login conversation on the public socket: INITIATE, CHALLENGE,
 * RESPOND, RESULT (doc/PROTOCOL.md), plus ACCT, SESSION and CHPASS.  One
 * session per connection.  It is the same for every pool backend
 * (pool/backend.h), which it asks for challenges and verdicts.  Unknown,
 * disabled and wrong answers share one path, so the client sees the same
 * prompts and messages for all of them.
 */
#ifndef UA_AUTH_H
#define UA_AUTH_H

#include <stdint.h>
#include <sys/socket.h>

#include "client/proto.h"
#include "server/conf.h"
#include "userauthd/keys.h"
#include "userauthd/pool/backend.h"
#include "userauthd/store/store.h"
#include "userauthd/workq.h"

struct http;
struct cg_secrets;
struct nss_extra;

struct auth_ctx {
	const struct ua_conf *conf;
	struct store *store;
	const struct keys *keys;
	struct workq *wq;
	const char *dummy_hash; /* what fake password checks hash against */
	void (*mail_queued)(void *arg); /* a code's mail was queued */
	void *mail_arg;
	struct http *http;             /* network backends' requests */
	struct cg_secrets *cg_secrets; /* read as root; auth_start takes them */
	struct pool_backend *local;    /* auth_start: the local backend */
	struct pool_backend *cognito;  /* ... and the Cognito one */
	/* the Cognito pools' synced users changed (server_set_extra) */
	void (*nss_extra)(void *arg, struct nss_extra *x);
	void *nss_arg;
};

/* Make the backends once the fields above are set: 0 or -ENOMEM. */
int auth_start(struct auth_ctx *ctx);

/* Free the backends (after the last session). */
void auth_stop(struct auth_ctx *ctx);

/* The backends' own work (syncs): ms until they want the next turn. */
uint64_t auth_tick(struct auth_ctx *ctx, uint64_t now_ms);
/* A job of no client (owner 0) came back: the backend's own. */
void auth_backend_job(struct auth_ctx *ctx, struct workq_job *job,
    uint64_t now_ms);

struct auth_session;

/*
 * Handle one message of a public client.  Returns 0 with *out to send, 1
 * when the answer waits for a worker job (auth_job_done gives it), < 0 to
 * close the connection (a malformed or out-of-turn message).  owner is the
 * client's serial, for the job.
 */
int auth_handle(struct auth_ctx *ctx, struct auth_session **sessp,
    const struct ucred *peer, uint64_t owner, const struct ua_msg *in,
    struct ua_msg *out);

/*
 * A job of this session finished: build the reply (0), or 1 when it
 * queued a further job (a CHPASS's new password is hashed after the old
 * one checked) and the client waits on.  Frees the job.
 */
int auth_job_done(struct auth_ctx *ctx, struct auth_session *sess,
    struct workq_job *job, struct ua_msg *out);

/*
 * When the reply auth_handle or auth_job_done just built may go out (mono
 * ns, kept to the nanosecond so that the release does not depend on
 * what else wakes the loop; 0 or past: at once): an answer to a code waits out
 * otp_min_answer_age from its challenge and otp_answer_delay_ms from its
 * arrival.
 */
int64_t auth_hold_until(const struct auth_session *sess);

/* The client is gone (why: client_gone, lifetime, daemon_stopping) before
 * its login or password change had a result: audit it, once. */
void auth_abandoned(struct auth_ctx *ctx, struct auth_session *sess,
    const char *why);

/* Free a finished job whose client went away. */
void auth_job_free(struct workq_job *job);

/* Wipe and free a session (NULL is fine). */
void auth_session_free(struct auth_session *sess);

#endif
