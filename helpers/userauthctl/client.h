/* SPDX-License-Identifier: MIT */
/*
 * userauthctl's side of the admin socket: connect, send one JSON request,
 * read one reply, and map every failure to the CLI's exit status once.
 * It must never print or keep a request's bytes: a request may hold a
 * password, so its serialised form is wiped before it is freed.
 */
#ifndef UACTL_CLIENT_H
#define UACTL_CLIENT_H

#include <stdbool.h>
#include <jansson.h>

/* Exit statuses; documented in --help and userauthctl(8). */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_REFUSED = 1,     /* daemon refused, or a local failure */
	CTL_EXIT_USAGE = 2,       /* bad arguments, found before sending */
	CTL_EXIT_UNREACHABLE = 3, /* no daemon, timeout, garbage reply */
	CTL_EXIT_DENIED = 4,      /* connect EACCES/EPERM, or "denied" */
	CTL_EXIT_UNPUBLISHED = 5, /* done, but the NSS cache lags behind */
};

#define CTL_CONNECT_TIMEOUT_MS 1000
#define CTL_REQUEST_TIMEOUT_MS 10000
#define CTL_PASSWD_TIMEOUT_MS 60000 /* user.passwd: hashed in the queue */

/* Global settings, from the command line. */
struct ctl_ctx {
	const char *socket_path;
	bool json; /* print results (and errors) as JSON on stdout */
	/*
	 * Set when a reply said the change could not be published to the
	 * NSS cache (a warning was printed): main exits with
	 * CTL_EXIT_UNPUBLISHED instead of CTL_EXIT_OK.
	 */
	bool unpublished;
};

/*
 * Build a request {"v": 1, "op": op}.  Returns a new object (the caller
 * json_decref's it), or NULL for ENOMEM.
 */
json_t *ctl_request_new(const char *op);

/*
 * Send req to the daemon and wait for its reply.  On success returns
 * CTL_EXIT_OK and *ret_result holds a new reference to the reply's
 * "result" (caller json_decref's it).  Otherwise the error has been printed
 * (stderr, and stdout with --json) and the exit status is returned.
 * req is not consumed.  A reply's "warning" is printed on stderr
 * ("userauthctl: warning: ..."); an "nss_unpublished" one sets
 * ctx->unpublished.
 */
int ctl_call(struct ctl_ctx *ctx, const json_t *req, json_t **ret_result);

/*
 * Report a failure found by the CLI itself: prints "userauthctl: <msg>" on
 * stderr (escaped), and with --json {"error": code, "message": msg} on
 * stdout.  code is one of the daemon's codes or "usage", "unreachable",
 * "local".  Returns status, so: return ctl_fail(ctx, CTL_EXIT_USAGE, ...).
 */
int ctl_fail(const struct ctl_ctx *ctx, int status, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Shorthand for an out-of-memory failure (CTL_EXIT_REFUSED). */
int ctl_fail_oom(const struct ctl_ctx *ctx);

/*
 * Several requests on one connection (the daemon keeps per-connection
 * state, e.g. a staged user import): open it, then call like ctl_call
 * with a timeout of its own; the caller closes the descriptor.
 */
int ctl_session_open(const struct ctl_ctx *ctx, int *ret_fd);
int ctl_session_call(struct ctl_ctx *ctx, int fd, const json_t *req,
    int timeout_ms, json_t **ret_result);

#endif
