/* SPDX-License-Identifier: MIT */
/*
 * The local pool backend: users, groups and credentials in the daemon's
 * SQLite store (store*.c), codes from otp.c mailed through the mail
 * queue, TOTP from totp.c and store_mfa.c, invitations, new passwords
 * required at login, CHPASS.
 */
#ifndef UA_POOL_LOCAL_H
#define UA_POOL_LOCAL_H

#include "userauthd/keys.h"
#include "userauthd/pool/backend.h"
#include "userauthd/store/store.h"
#include "userauthd/workq.h"

/* What the local backend works with; it owns none of it. */
struct pool_local_env {
	struct store *store; /* the event loop's connection */
	const struct keys *keys;
	struct workq *wq;
	const char *dummy_hash;         /* checked for users without a hash */
	void (*mail_queued)(void *arg); /* a code's mail was queued */
	void *mail_arg;
};

/* A local backend over env (copied): 0 or -ENOMEM. */
int pool_local_new(const struct pool_local_env *env, struct pool_backend **ret);

#endif
