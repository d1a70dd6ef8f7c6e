/* SPDX-License-Identifier: MIT */
/*
 * userauthctl's connection to the daemon's admin socket: one request, one
 * reply, and the single place where failures become exit statuses.  It
 * never prints a request; each serialised request (it may hold a
 * password) is wiped before it is freed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/frame.h"
#include "server/json_frame.h"

#include "client.h"
#include "nscd.h"
#include "output.h"

json_t *
ctl_request_new(const char *op)
{
	return json_pack("{s:i, s:s}", "v", UA_ADMIN_VERSION, "op", op);
}

static void
print_error_json(const char *code, const char *msg)
{
	json_t *o;

	o = json_pack("{s:s, s:s}", "error", code, "message", msg);
	if (o != NULL)
		(void)ctl_print_json(stdout, o);
	json_decref(o);
}

/* Print msg (raw, maybe from the daemon) as an error; see client.h. */
static void
report(const struct ctl_ctx *ctx, const char *code, const char *msg)
{
	char *esc;

	esc = ctl_escape(msg);
	(void)fprintf(stderr, "userauthctl: %s\n",
	    esc != NULL ? esc : "(out of memory)");
	if (ctx->json && esc != NULL)
		print_error_json(code, esc);
	free(esc);
}

int
ctl_fail(const struct ctl_ctx *ctx, int status, const char *code,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(ctx, code, msg);
	return status;
}

int
ctl_fail_oom(const struct ctl_ctx *ctx)
{
	return ctl_fail(ctx, CTL_EXIT_REFUSED, "local", "out of memory");
}

/*
 * The daemon creates admin.sock as root and then drops to its own user,
 * so SO_PEERCRED shows that user, not root, and ua_connect_unix's
 * require_root cannot be used.  Instead the socket file must be owned by
 * root: only root can create or chown a file to root, so a user who can
 * write to the socket's directory cannot plant an impostor that would
 * collect the requests (and the passwords of "passwd").  A socket owned
 * by the caller is accepted too (a test daemon run by the same user): the
 * caller can only be fooled by its own processes.  The directory itself
 * (runtime_dir) is trusted to be writable by root and the daemon only.
 */
static int
check_socket_owner(const struct ctl_ctx *ctx, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		if (errno == EACCES || errno == EPERM)
			return ctl_fail(ctx, CTL_EXIT_DENIED, "denied",
			    "%s: permission denied", path);
		return ctl_fail(ctx, CTL_EXIT_UNREACHABLE, "unreachable",
		    "cannot reach the daemon at %s: %s", path, strerror(errno));
	}
	if (!S_ISSOCK(st.st_mode))
		return ctl_fail(ctx, CTL_EXIT_UNREACHABLE, "unreachable",
		    "%s is not a socket", path);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return ctl_fail(ctx, CTL_EXIT_UNREACHABLE, "unreachable",
		    "%s is owned by uid %lu, not root; refusing to use it",
		    path, (unsigned long)st.st_uid);
	return CTL_EXIT_OK;
}

static int
connect_daemon(const struct ctl_ctx *ctx, int *ret_fd)
{
	const char *path = ctx->socket_path;
	int fd = -1, r;

	r = check_socket_owner(ctx, path);
	if (r != CTL_EXIT_OK)
		return r;
	r = ua_connect_unix(path, CTL_CONNECT_TIMEOUT_MS, false, (uid_t)-1,
	    &fd);
	if (r == -EACCES || r == -EPERM)
		return ctl_fail(ctx, CTL_EXIT_DENIED, "denied",
		    "%s: permission denied (root or a member of the daemon's "
		    "admin_group only)",
		    path);
	if (r == -ETIMEDOUT)
		return ctl_fail(ctx, CTL_EXIT_UNREACHABLE, "unreachable",
		    "cannot reach the daemon at %s: timed out", path);
	if (r < 0)
		return ctl_fail(ctx, CTL_EXIT_UNREACHABLE, "unreachable",
		    "cannot reach the daemon at %s: %s", path, strerror(-r));
	*ret_fd = fd;
	return CTL_EXIT_OK;
}

/*
 * Send req as one frame.  ua_json_send wipes the serialised text (it may
 * hold a password); jansson's own copies die by the wiping allocator set
 * in main().  The size is checked first so that an over-long request is a
 * usage error, not a dropped connection.
 */
static int
send_request(const struct ctl_ctx *ctx, int fd, const json_t *req,
    int timeout_ms)
{
	size_t n;
	int r;

	n = json_dumpb(req, NULL, 0, JSON_COMPACT);
	if (n == 0)
		return ctl_fail_oom(ctx);
	if (n > (size_t)UA_MAX_FRAME)
		return ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
		    "request too large (%zu bytes, at most %d)", n,
		    UA_MAX_FRAME);
	r = ua_json_send(fd, req, timeout_ms);
	if (r == -ENOMEM)
		return ctl_fail_oom(ctx);
	if (r < 0)
		return ctl_fail(ctx, CTL_EXIT_UNREACHABLE, "unreachable",
		    "sending to the daemon: %s", strerror(-r));
	return CTL_EXIT_OK;
}

static int
recv_error(const struct ctl_ctx *ctx, int r)
{
	const char *why;

	switch (-r) {
	case ETIMEDOUT:
		why = "no reply within 10 s";
		break;
	case ECONNRESET:
		why = "the daemon closed the connection";
		break;
	case EMSGSIZE:
		why = "reply too large";
		break;
	case EBADMSG:
		why = "malformed reply";
		break;
	default:
		why = strerror(-r);
		break;
	}
	return ctl_fail(ctx, CTL_EXIT_UNREACHABLE, "unreachable",
	    "reading the daemon's reply: %s", why);
}

/* Map {"ok": false, ...} to an exit status after printing its message. */
static int
daemon_error(const struct ctl_ctx *ctx, json_t *reply)
{
	const char *code = NULL, *msg = NULL;

	if (json_unpack(reply, "{s:s, s:s}", "error", &code, "message", &msg) !=
	    0)
		return ctl_fail(ctx, CTL_EXIT_UNREACHABLE, "unreachable",
		    "malformed error reply from the daemon");
	report(ctx, code, msg);
	if (strcmp(code, "denied") == 0)
		return CTL_EXIT_DENIED;
	return CTL_EXIT_REFUSED;
}

/* A reply's warning: the change was made, but something lags behind. */
static void
warn(struct ctl_ctx *ctx, json_t *reply)
{
	const char *code = NULL, *msg = NULL;
	char *esc;

	if (json_unpack(json_object_get(reply, "warning"), "{s:s, s:s}", "code",
		&code, "message", &msg) != 0)
		return;
	esc = ctl_escape(msg);
	(void)fprintf(stderr, "userauthctl: warning: %s\n",
	    esc != NULL ? esc : "(out of memory)");
	free(esc);
	if (strcmp(code, "nss_unpublished") == 0)
		ctx->unpublished = true;
}

static int
check_reply(struct ctl_ctx *ctx, json_t *reply, json_t **ret_result)
{
	json_t *v, *ok, *result;

	v = json_object_get(reply, "v");
	ok = json_object_get(reply, "ok");
	if (!json_is_integer(v) || json_integer_value(v) != UA_ADMIN_VERSION ||
	    !json_is_boolean(ok))
		return ctl_fail(ctx, CTL_EXIT_UNREACHABLE, "unreachable",
		    "unexpected reply from the daemon (protocol version?)");
	warn(ctx, reply);
	if (!json_is_true(ok))
		return daemon_error(ctx, reply);
	/* a change NSS now shows: a running nscd must not hide it */
	if (json_is_string(json_object_get(reply, "nss")) &&
	    strcmp(json_string_value(json_object_get(reply, "nss")),
		"published") == 0 &&
	    !ctl_nscd_invalidate())
		ctx->unpublished = true;
	result = json_object_get(reply, "result");
	if (result == NULL)
		return ctl_fail(ctx, CTL_EXIT_UNREACHABLE, "unreachable",
		    "reply from the daemon has no result");
	*ret_result = json_incref(result);
	return CTL_EXIT_OK;
}

int
ctl_call(struct ctl_ctx *ctx, const json_t *req, json_t **ret_result)
{
	json_t *reply = NULL;
	int64_t deadline;
	int fd = -1, r, left;

	r = connect_daemon(ctx, &fd);
	if (r != CTL_EXIT_OK)
		return r;
	deadline = ua_now_ms() + CTL_REQUEST_TIMEOUT_MS;
	/* a password's hash waits in the daemon's queue behind logins (up
	 * to max_queue_wait, 30 s by default) */
	if (json_is_string(json_object_get(req, "op")) &&
	    strcmp(json_string_value(json_object_get(req, "op")),
		"user.passwd") == 0)
		deadline = ua_now_ms() + CTL_PASSWD_TIMEOUT_MS;
	r = send_request(ctx, fd, req, CTL_REQUEST_TIMEOUT_MS);
	if (r != CTL_EXIT_OK)
		goto out;
	left = (int)(deadline - ua_now_ms());
	if (left < 1)
		left = 1;
	r = ua_json_recv(fd, (size_t)UA_MAX_REPLY_FRAME, left, &reply);
	if (r < 0) {
		r = recv_error(ctx, r);
		goto out;
	}
	r = check_reply(ctx, reply, ret_result);
out:
	json_decref(reply);
	if (fd >= 0)
		(void)close(fd);
	return r;
}

/* ---- one connection for several requests (user import) ---------------- */

int
ctl_session_open(const struct ctl_ctx *ctx, int *ret_fd)
{
	return connect_daemon(ctx, ret_fd);
}

int
ctl_session_call(struct ctl_ctx *ctx, int fd, const json_t *req, int timeout_ms,
    json_t **ret_result)
{
	json_t *reply = NULL;
	int r;

	r = send_request(ctx, fd, req, timeout_ms);
	if (r != CTL_EXIT_OK)
		return r;
	r = ua_json_recv(fd, (size_t)UA_MAX_REPLY_FRAME, timeout_ms, &reply);
	if (r < 0)
		return recv_error(ctx, r);
	r = check_reply(ctx, reply, ret_result);
	json_decref(reply);
	return r;
}
