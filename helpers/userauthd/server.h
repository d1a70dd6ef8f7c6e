/* SPDX-License-Identifier: MIT */
/*
 * The daemon's event loop: one ppoll loop owns both listening sockets and
 * every client connection.  A slow or stuck client holds only its own
 * connection: reads and writes are non-blocking, every partial frame has a
 * deadline, idle connections are closed.
 */
#ifndef UA_SERVER_H
#define UA_SERVER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "server/conf.h"
#include "userauthd/auth.h"
#include "userauthd/keys.h"
#include "userauthd/store/store.h"

#define SERVER_IDLE_MS (60 * 1000)
/* A public connection that has not started a login yet. */
#define SERVER_PUBLIC_IDLE_MS (10 * 1000)
/* Slots kept for the admin socket, so public clients cannot lock root out. */
#define SERVER_ADMIN_SLOTS 8
/* Public connections one non-root uid may hold at once. */
#define SERVER_PER_UID 4
/*
 * Non-root peers may hold at most max_clients less this share of it (a
 * quarter): the rest is kept for root's callers (sshd, su, sudo, login).
 */
#define SERVER_ROOT_SHARE 4
/* pollfd slots before the clients: public, admin, worker results, NSS
 * publisher */
#define SERVER_FIXED_FDS 4
/* A client waiting for a worker gets a WAIT frame this often. */
#define SERVER_WAIT_MS 2000
#define SERVER_JOB_BATCH 8 /* finished jobs handed out in one pass */
#define SERVER_BUSY_TEXT "The sign-in service is busy. Try again in a minute."
/* Public clients accepted in one pass of the loop at most. */
#define SERVER_ACCEPT_BATCH 64
/* A failed NSS publish is tried again after this long. */
#define SERVER_PUBLISH_RETRY_MS 5000

struct client;
struct mailer;

struct server {
	struct ua_conf *conf; /* owned by main; replaced on reload */
	bool stopping;        /* closing every client on the way out */
	struct store *store;
	int public_fd;
	int admin_fd;
	bool have_admin_gid;
	gid_t admin_gid;
	struct client *clients;
	size_t nclients;
	uint64_t next_serial;
	struct auth_ctx auth; /* the login flow's shared state */
	struct mailer *mailer;
	struct keys keys; /* the daemon key (secret) */
	char *dummy_hash;
	struct publisher *pub;       /* NSS cache rebuilds off the loop */
	struct nss_extra *extra;     /* users of other backends (Cognito) */
	uint64_t extra_gen;          /* bumped with each new extra */
	uint64_t published;          /* store generation in the NSS cache */
	uint64_t publish_asked;      /* newest generation asked of pub */
	bool publish_pending;        /* last publish failed: retry */
	int64_t publish_retry_at;    /* ms: not before this */
	int64_t accept_paused_until; /* ms: out of fds, stop accepting */
	bool heap_used;              /* clients came since the last trim */
	bool jobs_left;              /* finished jobs wait for the next pass */
	int64_t next_hold; /* mono ns: a held reply is due (0: none) */
	size_t nadmin;     /* admin connections open */
	/* Called on SIGHUP; returns < 0 when the new config was refused. */
	int (*reload)(struct server *srv);
};

/*
 * Create a listening Unix socket at path (a stale socket file is removed
 * only when nothing answers on it; a live one is -EADDRINUSE), chmod it to
 * mode and chown it to group (or leave the group when group is -1).
 */
int server_listen(const char *path, mode_t mode, gid_t group, int *ret_fd);

/* Run until SIGTERM or SIGINT.  Returns 0 on a clean stop. */
int server_run(struct server *srv);

/* Other backends' users and groups changed (a reference is taken). */
void server_set_extra(struct server *srv, struct nss_extra *x);

/* Publish the NSS cache if the store changed since the last publish. */
void server_publish(struct server *srv, bool force);

#endif
