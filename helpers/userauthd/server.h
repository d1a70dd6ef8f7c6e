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
#include "userauthd/store.h"

#define SERVER_IDLE_MS (60 * 1000)

struct client;

struct server {
	struct ua_conf *conf;		/* owned by main; replaced on reload */
	struct store *store;
	int public_fd;
	int admin_fd;
	bool have_admin_gid;
	gid_t admin_gid;
	struct client *clients;
	size_t nclients;
	uint64_t published;		/* store generation in the NSS cache */
	bool publish_pending;		/* last publish failed: retry */
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

/* Publish the NSS cache if the store changed since the last publish. */
void server_publish(struct server *srv, bool force);

#endif
