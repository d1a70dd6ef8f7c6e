/* SPDX-License-Identifier: MIT */
/*
 * The event loop.  Owns the listening sockets, client connections, their
 * deadlines and the dispatch to the admin and public handlers.  It must
 * never block on one client and never die on a peer's input: a bad frame
 * closes that connection only.
 */
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "client/buf.h"
#include "client/frame.h"
#include "client/proto.h"
#include "client/wipe.h"
#include "server/json_frame.h"
#include "server/log.h"
#include "userauthd/admin/admin.h"
#include "userauthd/admin/admin_import.h"
#include "userauthd/nss/nsscache.h"
#include "userauthd/server.h"
#include "userauthd/stats.h"

struct client {
	int fd;
	bool admin;
	uint64_t serial; /* names the client for worker results */
	bool busy;       /* waiting for a worker: read nothing more */
	int64_t wait_at; /* ms: when busy, the next WAIT frame is due */
	bool denied;     /* an admin peer that may not: read nothing */
	struct auth_session *auth;
	struct admin_import *import; /* user.import.* staged rows */
	struct ucred cred;
	struct ua_frame_rx rx;
	int64_t deadline; /* ms: partial frame, pending write, or idle */
	int64_t end;      /* ms: a public conversation's lifetime */
	json_t *held;     /* an admin reply waiting for the NSS cache */
	char passwd_user[UA_MAX_EMAIL + 1]; /* a user.passwd being hashed */
	uint64_t wait_gen; /* ... to show this store generation */
	uint8_t *tx;       /* a reply being written (header included) */
	uint8_t *hold;     /* a login's reply held (busy): auth_hold_until */
	size_t holdlen;
	size_t txlen, txoff;
	bool close_after_tx;
};

/* What the NSS cache must show: the store's changes and the extra's. */
static uint64_t
server_generation(const struct server *srv)
{
	return store_generation(srv->store) + srv->extra_gen;
}
static volatile sig_atomic_t got_stop, got_hup;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_stop = 1;
}

int
server_listen(const char *path, mode_t mode, gid_t group, int *ret_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = -1, probe = -1, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* A socket someone answers on belongs to a running daemon. */
	r = ua_connect_unix(path, 200, false, (uid_t)-1, &probe);
	if (r == 0) {
		close(probe);
		return -EADDRINUSE;
	}
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, mode) < 0 ||
	    (group != (gid_t)-1 && chown(path, 0, group) < 0) ||
	    listen(fd, SOMAXCONN) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

static void
client_close(struct server *srv, size_t i)
{
	struct client *c = &srv->clients[i];
	struct workq_job *job, *next;

	if (c->admin)
		srv->nadmin--;
	close(c->fd);
	if (c->busy) {
		/* Gone while a job waited: no hash for nobody, no "ok". */
		for (job = workq_cancel(srv->auth.wq, c->serial); job != NULL;
		     job = next) {
			next = job->next;
			auth_job_free(job);
		}
	}
	/* A password being hashed for an admin who went: never stored. */
	if (c->admin && c->passwd_user[0] != '\0') {
		char q[UA_MAX_EMAIL * 4 + 3];

		ua_log(LOG_NOTICE,
		    "event=admin op=user.passwd peer_uid=%u "
		    "target=%s result=fail reason=client_gone",
		    (unsigned)c->cred.uid,
		    ua_log_quote(c->passwd_user, q, sizeof(q)));
	}
	/* A login cut off before its result is audited, once, with why. */
	auth_abandoned(&srv->auth, c->auth,
	    srv->stopping                            ? "daemon_stopping"
		: !c->admin && ua_now_ms() >= c->end ? "lifetime"
						     : "client_gone");
	auth_session_free(c->auth);
	admin_import_free(c->import);
	json_decref(c->held);
	ua_frame_rx_reset(&c->rx);
	ua_freezero(c->tx, c->txlen);
	ua_freezero(c->hold, c->holdlen);
	srv->clients[i] = srv->clients[srv->nclients - 1];
	srv->nclients--;
}

static bool
peer_in_group(int fd, gid_t gid)
{
	gid_t groups[256];
	socklen_t len = sizeof(groups);
	size_t i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == gid)
			return true;
	return false;
}

static bool
admin_allowed(const struct server *srv, const struct client *c)
{
	if (c->cred.uid == 0)
		return true;
	if (!srv->have_admin_gid)
		return false;
	return c->cred.gid == srv->admin_gid ||
	    peer_in_group(c->fd, srv->admin_gid);
}

/*
 * Queue payload as one frame; try to send it at once.  A frame still
 * going out (a WAIT) keeps its place: the new one follows it.
 */
static int
client_reply(struct server *srv, struct client *c, const void *p, size_t n)
{
	size_t left = c->tx != NULL ? c->txlen - c->txoff : 0;
	uint8_t *f;
	ssize_t w;

	f = malloc(left + UA_FRAME_HDR + n);
	if (f == NULL)
		return -ENOMEM;
	if (left > 0)
		memcpy(f, c->tx + c->txoff, left);
	ua_freezero(c->tx, c->txlen);
	f[left + 0] = (uint8_t)(n >> 24);
	f[left + 1] = (uint8_t)(n >> 16);
	f[left + 2] = (uint8_t)(n >> 8);
	f[left + 3] = (uint8_t)n;
	memcpy(f + left + UA_FRAME_HDR, p, n);
	c->tx = f;
	c->txlen = left + UA_FRAME_HDR + n;
	c->txoff = 0;
	c->deadline = ua_now_ms() + srv->conf->client_timeout_ms;
	w = send(c->fd, c->tx, c->txlen, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w < 0 && errno != EAGAIN && errno != EINTR)
		return -errno;
	if (w > 0)
		c->txoff = (size_t)w;
	return 0;
}

static int
reply_json(struct server *srv, struct client *c, json_t *reply)
{
	char *s;
	int r;

	if (reply == NULL)
		return -ENOMEM;
	s = json_dumps(reply, JSON_COMPACT);
	json_decref(reply);
	if (s == NULL)
		return -ENOMEM;
	r = client_reply(srv, c, s, strlen(s));
	ua_erase_free(s);
	return r;
}

static void
request_publish(struct server *srv, uint64_t gen)
{
	if (gen > srv->publish_asked) {
		publisher_request(srv->pub, gen);
		srv->publish_asked = gen;
	}
}

/* A publish ended: note it, and send the admin replies that waited. */
static void
collect_publish(struct server *srv)
{
	uint64_t gen;
	json_t *reply;
	size_t i;
	int err;

	if (!publisher_collect(srv->pub, &gen, &err))
		return;
	if (err == 0) {
		stats_published();
		if (gen > srv->published)
			srv->published = gen;
		srv->publish_pending = false;
	} else {
		/* Logged by the publisher; try again in a while. */
		srv->publish_pending = true;
		srv->publish_retry_at = ua_now_ms() + SERVER_PUBLISH_RETRY_MS;
		srv->publish_asked = srv->published;
	}
	/*
	 * The replies go out either way: their change is in the database;
	 * only NSS lags behind, which the retry covers.  The administrator
	 * is told (a warning in the reply: userauthctl exits 5).
	 */
	for (i = srv->nclients; i-- > 0;) {
		struct client *c = &srv->clients[i];

		if (c->held == NULL || c->wait_gen > gen)
			continue;
		reply = c->held;
		c->held = NULL;
		if (err < 0)
			admin_warn_unpublished(reply, srv->conf->nss_cache, err,
			    SERVER_PUBLISH_RETRY_MS / 1000);
		else /* userauthctl tells a running nscd (its -i) */
			(void)json_object_set_new(reply, "nss",
			    json_string("published"));
		c->busy = false;
		if (reply_json(srv, c, reply) < 0)
			client_close(srv, i);
	}
}

static int admin_reply(struct server *srv, struct client *c, json_t *reply,
    uint64_t gen);

static int
handle_admin(struct server *srv, struct client *c, uint8_t *p, size_t n)
{
	struct admin_ctx ctx = {
		.conf = srv->conf,
		.store = srv->store,
		.peer_uid = c->cred.uid,
		.mailer = srv->mailer,
		.import = &c->import,
		.keys = &srv->keys,
		.cognito = srv->auth.cognito,
		.wq = srv->auth.wq,
		.owner = c->serial,
	};
	json_t *req = NULL, *reply;
	uint64_t gen = server_generation(srv);
	int r;

	r = ua_json_parse(p, n, &req);
	if (r == -ENOMEM)
		return reply_json(srv, c,
		    admin_error("internal", "out of memory"));
	if (r < 0) {
		c->close_after_tx = true;
		return reply_json(srv, c,
		    admin_error("invalid", "the request is not a JSON object"));
	}
	reply = admin_handle(&ctx, req);
	json_decref(req);
	if (reply == NULL && ctx.pending) {
		/* its hash is on a worker: collect_jobs answers */
		(void)snprintf(c->passwd_user, sizeof(c->passwd_user), "%s",
		    ctx.pending_user);
		c->busy = true;
		c->deadline = ua_now_ms() + SERVER_IDLE_MS;
		return 0;
	}
	return admin_reply(srv, c, reply, gen);
}

/*
 * An admin reply.  Publish first: when the CLI returns, NSS already sees
 * the change.  The publisher thread rebuilds the cache while the loop
 * serves everyone else; this client's reply waits for it.
 */
static int
admin_reply(struct server *srv, struct client *c, json_t *reply, uint64_t gen)
{
	if (server_generation(srv) != gen && srv->pub != NULL &&
	    reply != NULL) {
		gen = server_generation(srv);
		request_publish(srv, gen);
		c->held = reply;
		c->wait_gen = gen;
		c->busy = true;
		/* A rebuild takes seconds on a big pool: not a stalled client.
		 */
		c->deadline = ua_now_ms() + SERVER_IDLE_MS;
		return 0;
	}
	if (server_generation(srv) != gen)
		server_publish(srv, false);
	return reply_json(srv, c, reply);
}

static int
reply_msg(struct server *srv, struct client *c, struct ua_msg *m)
{
	uint8_t *p = NULL;
	size_t n = 0;
	int r;

	r = ua_msg_encode(m, &p, &n);
	ua_msg_clear(m);
	if (r < 0)
		return r;
	r = client_reply(srv, c, p, n);
	ua_freezero(p, n);
	return r;
}

/*
 * A login's reply: at once, or held while auth_hold_until says (an answer
 * to a code too soon after its challenge).  A held client is busy: read
 * nothing more, WAIT frames while it lasts, release_held sends it.
 */
static void client_set_busy(struct client *c);

static int
reply_auth(struct server *srv, struct client *c, struct ua_msg *m)
{
	int64_t at = auth_hold_until(c->auth);
	int r;

	if (at <= ua_now_ns())
		return reply_msg(srv, c, m);
	r = ua_msg_encode(m, &c->hold, &c->holdlen);
	ua_msg_clear(m);
	if (r < 0)
		return r;
	client_set_busy(c);
	if (srv->next_hold == 0 || at < srv->next_hold)
		srv->next_hold = at;
	return 0;
}

/* Send the held replies that are due; note when the next one is. */
static void
release_held(struct server *srv)
{
	int64_t now = ua_now_ns(), next = 0, at;
	size_t i;
	int r;

	if (srv->next_hold == 0)
		return;
	for (i = srv->nclients; i-- > 0;) {
		struct client *c = &srv->clients[i];

		if (c->hold == NULL)
			continue;
		at = auth_hold_until(c->auth);
		if (at > now) {
			next = next == 0 || at < next ? at : next;
			continue;
		}
		c->busy = false;
		r = client_reply(srv, c, c->hold, c->holdlen);
		ua_freezero(c->hold, c->holdlen);
		c->hold = NULL;
		c->holdlen = 0;
		if (r < 0)
			client_close(srv, i);
	}
	srv->next_hold = next;
}

/*
 * The client's answer waits for a worker: WAIT frames keep its module from
 * timing out while the queue drains (doc/PROTOCOL.md), and it is dropped
 * only when even the module's overall limit has passed.
 */
static void
client_set_busy(struct client *c)
{
	int64_t now = ua_now_ms();

	c->busy = true;
	c->wait_at = now + SERVER_WAIT_MS;
	c->deadline = now + UA_MSG_WAIT_MAX_MS + SERVER_WAIT_MS;
}

/* Send the WAIT frames that are due. */
static void
send_waits(struct server *srv)
{
	struct ua_msg m;
	int64_t now = ua_now_ms();
	size_t i;

	for (i = srv->nclients; i-- > 0;) {
		struct client *c = &srv->clients[i];

		if (!c->busy || c->admin || c->tx != NULL || now < c->wait_at)
			continue;
		c->wait_at = now + SERVER_WAIT_MS;
		ua_msg_init(&m, UA_MSG_WAIT);
		if (reply_msg(srv, c, &m) < 0)
			client_close(srv, i);
		else
			c->deadline = now + UA_MSG_WAIT_MAX_MS + SERVER_WAIT_MS;
	}
}

/*
 * A new login while the hash queue would keep it waiting past what a
 * module waits: refuse it at once with a clear word, rather than let it
 * and those before it time out.  Logins under way are never refused.
 */
static bool
too_busy(struct server *srv, const struct ua_msg *in, struct ua_msg *out)
{
	uint64_t ms;

	if (in->type != UA_MSG_INITIATE)
		return false;
	ms = workq_drain_ms(srv->auth.wq);
	if (ms <= (uint64_t)srv->conf->max_queue_wait * 1000)
		return false;
	ua_log(LOG_WARNING, "event=auth result=busy reason=queue drain_ms=%llu",
	    (unsigned long long)ms);
	ua_msg_init(out, UA_MSG_RESULT);
	if (ua_msg_add(out, UA_T_OUTCOME, "UNAVAILABLE") < 0 ||
	    ua_msg_add(out, UA_T_MESSAGE, SERVER_BUSY_TEXT) < 0)
		ua_msg_clear(out);
	return true;
}

static int
handle_public(struct server *srv, struct client *c, uint8_t *p, size_t n)
{
	struct ua_msg in, out;
	bool answer;
	int r;

	r = ua_msg_decode(p, n, &in);
	if (r < 0)
		return r;
	answer = in.type == UA_MSG_RESPOND;
	ua_msg_init(&out, UA_MSG_PONG);
	if (in.type == UA_MSG_PING)
		r = ua_msg_add(&out, UA_T_VERSION, PACKAGE_VERSION);
	else if (too_busy(srv, &in, &out)) {
		c->close_after_tx = true;
		r = out.n > 0 ? 0 : -ENOMEM;
	} else
		r = auth_handle(&srv->auth, &c->auth, &c->cred, c->serial, &in,
		    &out);
	ua_msg_clear(&in);
	if (r == 1) {
		client_set_busy(c);
		return 0;
	}
	if (r < 0) {
		ua_msg_clear(&out);
		return r;
	}
	return answer ? reply_auth(srv, c, &out) : reply_msg(srv, c, &out);
}

/* A user.passwd's hash is done: store it, answer (after the publish). */
static void
admin_job_done(struct server *srv, size_t i, struct workq_job *job)
{
	struct client *c = &srv->clients[i];
	struct admin_ctx ctx = {
		.conf = srv->conf,
		.store = srv->store,
		.peer_uid = c->cred.uid,
		.keys = &srv->keys,
	};
	uint64_t gen = server_generation(srv);
	json_t *reply;

	reply = admin_passwd_done(&ctx, c->passwd_user, job);
	c->passwd_user[0] = '\0';
	c->busy = false;
	if (admin_reply(srv, c, reply, gen) < 0)
		client_close(srv, i);
}

/* Hand finished worker jobs to their clients. */
static void
collect_jobs(struct server *srv)
{
	struct workq_job *job;
	struct ua_msg out;
	size_t i, n = 0;
	int r;

	/*
	 * At most a batch a pass: a hundred finished logins (a Cognito
	 * burst: a token to verify, counters to write each) would keep
	 * every other client, a PING too, waiting for all of them.
	 */
	srv->jobs_left = false;
	while (n < SERVER_JOB_BATCH &&
	    (job = workq_collect(srv->auth.wq)) != NULL) {
		if (++n == SERVER_JOB_BATCH)
			srv->jobs_left = true; /* one more pass at once */
		if (job->owner == 0) {
			/* a backend's own (a Cognito sync page) */
			auth_backend_job(&srv->auth, job,
			    (uint64_t)ua_now_ms());
			continue;
		}
		for (i = 0; i < srv->nclients; i++)
			if (srv->clients[i].serial == job->owner)
				break;
		if (i < srv->nclients && srv->clients[i].admin &&
		    srv->clients[i].passwd_user[0] != '\0') {
			admin_job_done(srv, i, job);
			continue;
		}
		if (i == srv->nclients || srv->clients[i].auth == NULL) {
			auth_job_free(job);
			continue;
		}
		srv->clients[i].busy = false;
		ua_msg_init(&out, UA_MSG_RESULT);
		r = auth_job_done(&srv->auth, srv->clients[i].auth, job, &out);
		if (r == 1) {
			/* A second job (a checked old password, then the
			 * new one hashed): the client waits on. */
			client_set_busy(&srv->clients[i]);
			ua_msg_clear(&out);
			continue;
		}
		if (r == 0)
			r = reply_auth(srv, &srv->clients[i], &out);
		if (r < 0) {
			ua_msg_clear(&out);
			client_close(srv, i);
		}
	}
}

static size_t
public_of_uid(const struct server *srv, uid_t uid)
{
	size_t i, n = 0;

	for (i = 0; i < srv->nclients; i++)
		if (!srv->clients[i].admin && srv->clients[i].cred.uid == uid)
			n++;
	return n;
}

static size_t
public_nonroot(const struct server *srv)
{
	size_t i, n = 0;

	for (i = 0; i < srv->nclients; i++)
		if (!srv->clients[i].admin && srv->clients[i].cred.uid != 0)
			n++;
	return n;
}

/* May one more public client of uid be served now? */
static bool
public_room(const struct server *srv, uid_t uid)
{
	uint32_t max = srv->conf->max_clients;

	if (srv->nclients - srv->nadmin >= max)
		return false;
	if (uid == 0)
		return true;
	/* at least one slot is root's wherever there are two */
	return public_of_uid(srv, uid) < SERVER_PER_UID &&
	    public_nonroot(srv) < max -
		(max >= 2 && max < SERVER_ROOT_SHARE ? 1
						     : max / SERVER_ROOT_SHARE);
}

/*
 * How long a public conversation may last: login_lifetime, or the longest
 * otp_lifetime of the pools that mail codes if that is longer (a code
 * must be usable for as long as it lives).
 */
static int64_t
login_lifetime_ms(const struct ua_conf *conf)
{
	int64_t ms = (int64_t)conf->login_lifetime * 1000;
	size_t i;

	for (i = 0; i < conf->npools; i++)
		if (conf->pools[i].allow_email_otp &&
		    (int64_t)conf->pools[i].otp_lifetime * 1000 > ms)
			ms = (int64_t)conf->pools[i].otp_lifetime * 1000;
	return ms;
}

/* Accept one client; false when there was none (or no room for it). */
static bool
accept_one(struct server *srv, int lfd, bool admin)
{
	socklen_t len = sizeof(struct ucred);
	struct ucred cred;
	struct client *c;
	int fd;

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			/* The backlog stays readable: do not spin on it. */
			ua_log(LOG_WARNING, "accept: %m; pausing for a second");
			srv->accept_paused_until = ua_now_ms() + 1000;
		}
		return false;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		close(fd);
		return true;
	}
	if (admin ? srv->nadmin >= SERVER_ADMIN_SLOTS
		  : !public_room(srv, cred.uid)) {
		ua_log(LOG_WARNING,
		    "too many %s clients (uid %u): connection "
		    "refused",
		    admin ? "admin" : "public", (unsigned)cred.uid);
		close(fd);
		return !admin &&
		    srv->nclients - srv->nadmin < srv->conf->max_clients;
	}
	srv->heap_used = true;
	c = &srv->clients[srv->nclients];
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->admin = admin;
	c->cred = cred;
	c->serial = ++srv->next_serial;
	c->deadline =
	    ua_now_ms() + (admin ? SERVER_IDLE_MS : SERVER_PUBLIC_IDLE_MS);
	c->end = admin ? INT64_MAX : ua_now_ms() + login_lifetime_ms(srv->conf);
	ua_frame_rx_init(&c->rx, UA_MAX_FRAME);
	srv->nclients++;
	if (admin)
		srv->nadmin++;
	if (admin && !admin_allowed(srv, c)) {
		ua_log(LOG_WARNING,
		    "event=admin result=denied peer_uid=%u "
		    "peer_pid=%d",
		    (unsigned)c->cred.uid, (int)c->cred.pid);
		c->denied = true;
		c->close_after_tx = true;
		if (reply_json(srv, c,
			admin_error("denied",
			    "permission denied: root or the admin group "
			    "only")) < 0)
			client_close(srv, srv->nclients - 1);
	}
	return true;
}

/* Read what is there; dispatch a complete frame.  < 0: close it. */
static int
client_read(struct server *srv, struct client *c)
{
	uint8_t *p = NULL;
	size_t n = 0;
	bool idle;
	int r;

	idle = c->rx.hdr_got == 0;
	r = ua_frame_rx_feed(&c->rx, c->fd);
	if (r <= 0) {
		/* A frame has begun: it must be complete within the deadline.
		 */
		if (r == 0 && idle && c->rx.hdr_got > 0)
			c->deadline =
			    ua_now_ms() + srv->conf->client_timeout_ms;
		return r;
	}
	ua_frame_rx_take(&c->rx, &p, &n);
	if (c->denied)
		r = -EPERM;
	else
		r = c->admin ? handle_admin(srv, c, p, n)
			     : handle_public(srv, c, p, n);
	ua_freezero(p, n);
	return r;
}

static int
client_write(struct client *c)
{
	ssize_t w;

	w = send(c->fd, c->tx + c->txoff, c->txlen - c->txoff,
	    MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -errno;
	c->txoff += (size_t)w;
	return 0;
}

/* After I/O: finish a written reply, or go back to waiting for a frame. */
static int
client_settle(struct client *c)
{
	int64_t now;

	if (c->tx == NULL || c->txoff < c->txlen)
		return 0;
	ua_freezero(c->tx, c->txlen);
	c->tx = NULL;
	c->txlen = c->txoff = 0;
	if (c->busy)
		return 0; /* a WAIT went out: the answer is still due */
	if (c->close_after_tx)
		return -ECONNRESET;
	now = ua_now_ms();
	if (c->admin)
		c->deadline = now + SERVER_IDLE_MS;
	else if (c->auth != NULL)
		c->deadline = c->end; /* the conversation's lifetime */
	else
		c->deadline = now + SERVER_PUBLIC_IDLE_MS < c->end
		    ? now + SERVER_PUBLIC_IDLE_MS
		    : c->end;
	return 0;
}

void
server_set_extra(struct server *srv, struct nss_extra *x)
{
	nss_extra_unref(srv->extra);
	srv->extra = nss_extra_ref(x);
	srv->extra_gen++;
	if (srv->pub != NULL)
		publisher_set_extra(srv->pub, x);
	srv->publish_pending = true;
	srv->publish_retry_at = 0;
}

void
server_publish(struct server *srv, bool force)
{
	uint64_t gen = server_generation(srv);

	if (!force && !srv->publish_pending && gen == srv->published)
		return;
	if (!force && srv->publish_pending &&
	    ua_now_ms() < srv->publish_retry_at)
		return;
	if (!force && srv->pub != NULL) {
		if (srv->publish_pending) {
			/* The same generation again: the last try failed. */
			srv->publish_pending = false;
			srv->publish_retry_at =
			    ua_now_ms() + SERVER_PUBLISH_RETRY_MS;
			publisher_retry(srv->pub, gen);
			srv->publish_asked = gen;
			return;
		}
		request_publish(srv, gen);
		return;
	}
	if (nsscache_publish(srv->store, srv->conf->nss_cache, srv->extra) <
	    0) {
		srv->publish_pending = true;
		srv->publish_retry_at = ua_now_ms() + SERVER_PUBLISH_RETRY_MS;
		return;
	}
	srv->publish_pending = false;
	srv->published = gen;
	stats_published();
}

static void
serve_ready(struct server *srv, struct pollfd *pfd, size_t n)
{
	size_t i;
	int r;

	/* Clients first (their indexes shift as they close), listeners last. */
	for (i = n; i-- > SERVER_FIXED_FDS;) {
		struct client *c = &srv->clients[i - SERVER_FIXED_FDS];

		r = 0;
		if (pfd[i].revents & (POLLERR | POLLNVAL))
			r = -ECONNRESET;
		else if (c->busy && (pfd[i].revents & (POLLHUP | POLLRDHUP)))
			r = -ECONNRESET; /* gave up waiting for its job */
		else if (c->tx != NULL && (pfd[i].revents & POLLOUT))
			r = client_write(c);
		else if (c->tx == NULL && !c->busy &&
		    (pfd[i].revents & (POLLIN | POLLHUP)))
			r = client_read(srv, c);
		if (r == 0)
			r = client_settle(c);
		if (r == 0 && ua_now_ms() > c->deadline)
			r = -ETIMEDOUT;
		if (r < 0)
			client_close(srv, i - SERVER_FIXED_FDS);
	}
	if ((pfd[2].revents & POLLIN) || srv->jobs_left)
		collect_jobs(srv);
	if (pfd[3].revents & POLLIN)
		collect_publish(srv);
	/*
	 * A burst of logins fills the backlog faster than one accept per
	 * pass empties it: take what is there, up to a bound so that the
	 * clients already in get their turn.
	 */
	for (i = 0; (pfd[0].revents & POLLIN) && i < SERVER_ACCEPT_BATCH &&
	     srv->nclients - srv->nadmin < srv->conf->max_clients &&
	     accept_one(srv, srv->public_fd, false);
	     i++)
		;
	if (pfd[1].revents & POLLIN)
		(void)accept_one(srv, srv->admin_fd, true);
}

static void
install_signals(sigset_t *ret_waitmask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
	(void)sigemptyset(&block);
	(void)sigaddset(&block, SIGTERM);
	(void)sigaddset(&block, SIGINT);
	(void)sigaddset(&block, SIGHUP);
	(void)sigprocmask(SIG_BLOCK, &block, ret_waitmask);
	(void)sigdelset(ret_waitmask, SIGTERM);
	(void)sigdelset(ret_waitmask, SIGINT);
	(void)sigdelset(ret_waitmask, SIGHUP);
}

/* The poll set: the listeners (paused or full: not read), jobs, clients. */
static size_t
poll_set(struct server *srv, struct pollfd *pfd)
{
	short lev = ua_now_ms() < srv->accept_paused_until ? 0 : POLLIN;
	/*
	 * Full: leave new public clients in the listen backlog (they wait
	 * there within their connect timeout) rather than accept and drop
	 * them.
	 */
	short pub =
	    srv->nclients - srv->nadmin >= srv->conf->max_clients ? 0 : lev;
	size_t i, n = SERVER_FIXED_FDS;

	pfd[0] = (struct pollfd){ .fd = srv->public_fd, .events = pub };
	pfd[1] = (struct pollfd){ .fd = srv->admin_fd, .events = lev };
	pfd[2] =
	    (struct pollfd){ .fd = workq_fd(srv->auth.wq), .events = POLLIN };
	pfd[3] = (struct pollfd){ .fd = srv->pub ? publisher_fd(srv->pub) : -1,
		.events = POLLIN };
	for (i = 0; i < srv->nclients; i++, n++)
		pfd[n] = (struct pollfd){ .fd = srv->clients[i].fd,
			.events = srv->clients[i].tx ? POLLOUT
			    : srv->clients[i].busy   ? POLLRDHUP
						     : POLLIN };
	return n;
}

/* After a round: the next wake-up, a publish due, memory back when idle. */
static void
after_round(struct server *srv, struct timespec *ts)
{
	uint64_t tick =
	    srv->jobs_left ? 0 : auth_tick(&srv->auth, (uint64_t)ua_now_ms());
	int64_t wait = tick >= 1000 ? 1000000000 : (int64_t)tick * 1000000;
	int64_t hold = srv->next_hold - ua_now_ns();

	/* a held reply: woken at its nanosecond, not the next millisecond */
	if (srv->next_hold != 0 && hold < wait)
		wait = hold < 0 ? 0 : hold;
	ts->tv_sec = wait >= 1000000000 ? 1 : 0;
	ts->tv_nsec = wait >= 1000000000 ? 0 : (long)wait;
	if (srv->publish_pending)
		server_publish(srv, false);
	if (srv->nclients == 0 && srv->heap_used) {
		/*
		 * Idle after a burst: drop SQLite's page cache (the pages
		 * are in the kernel's cache; a read brings them back) and
		 * hand the heap pages the sessions left free back to the
		 * kernel, so that the daemon's RSS returns to its baseline.
		 */
		srv->heap_used = false;
		store_release_memory(srv->store);
		(void)malloc_trim(0);
	}
}

int
server_run(struct server *srv)
{
	struct pollfd *pfd = NULL;
	struct timespec ts = { .tv_sec = 1 };
	sigset_t waitmask;
	size_t n;

	srv->clients = calloc(srv->conf->max_clients + SERVER_ADMIN_SLOTS,
	    sizeof(*srv->clients));
	pfd = calloc(srv->conf->max_clients + SERVER_ADMIN_SLOTS +
		SERVER_FIXED_FDS,
	    sizeof(*pfd));
	if (srv->clients == NULL || pfd == NULL) {
		free(pfd);
		return ua_log_errno(LOG_ERR, -ENOMEM, "start: %m");
	}
	install_signals(&waitmask);
	stats_start();
	while (!got_stop) {
		if (got_hup) {
			got_hup = 0;
			if (srv->reload != NULL)
				(void)srv->reload(srv);
		}
		n = poll_set(srv, pfd);
		if (ppoll(pfd, n, &ts, &waitmask) < 0) {
			if (errno == EINTR)
				continue;
			ua_log_errno(LOG_ERR, -errno, "poll: %m");
			break;
		}
		serve_ready(srv, pfd, n);
		release_held(srv);
		send_waits(srv);
		after_round(srv, &ts);
	}
	srv->stopping = true;
	while (srv->nclients > 0)
		client_close(srv, srv->nclients - 1);
	free(srv->clients);
	srv->clients = NULL;
	free(pfd);
	return 0;
}
