/* SPDX-License-Identifier: MIT */
/*
 * Delivery attempts: the [mail] settings and the SMTP password file, the
 * libcurl SMTP options (TLS policy, timeouts, no proxy, no other
 * protocol, a connection kept per sender thread) and the sendmail child.
 * It must never run a shell, never let the child inherit a descriptor,
 * never wait on a relay or a child without a deadline, and never put a
 * secret into an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "client/frame.h"
#include "client/wipe.h"
#include "server/defaults.h"
#include "server/log.h"
#include "server/secretfile.h"
#include "userauthd/mail/mailmsg.h"
#include "userauthd/mail/mailsend.h"

/* What mailsend_prepare read as root, for mailsend_cfg_init. */
static struct {
	bool curl_ready;
	char *path;
	char *password;
} prep;

static int
curl_ready(void)
{
	CURLcode rc;

	if (prep.curl_ready)
		return 0;
	rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK) {
		ua_log(LOG_ERR, "mailer: libcurl: %s", curl_easy_strerror(rc));
		return -EIO;
	}
	prep.curl_ready = true;
	return 0;
}

int
mailsend_prepare(const struct ua_conf *c, uid_t daemon_uid)
{
	const char *path = c->mail.smtp_password_file;
	int r;

	r = curl_ready();
	if (r < 0 || path == NULL)
		return r;
	free(prep.path);
	ua_erase_free(prep.password);
	prep.password = NULL;
	prep.path = strdup(path);
	if (prep.path == NULL)
		return -ENOMEM;
	return ua_secret_file_read("smtp_password_file", path, daemon_uid,
	    UA_MAX_SMTP_PASSWORD, &prep.password);
}

int
mailsend_cfg_init(const struct ua_conf *c, struct mailsend_cfg *cfg)
{
	const struct ua_mail_conf *mc = &c->mail;
	int r;

	r = curl_ready();
	if (r < 0)
		return r;
	cfg->url = strdup(mc->smtp_url);
	cfg->user = mc->smtp_user ? strdup(mc->smtp_user) : NULL;
	cfg->ca_file = mc->smtp_ca_file ? strdup(mc->smtp_ca_file) : NULL;
	cfg->sendmail = mc->sendmail ? strdup(mc->sendmail) : NULL;
	cfg->tls = mc->smtp_tls || !mc->smtp_loopback ||
	    mc->smtp_starttls == UA_STARTTLS_REQUIRED;
	cfg->retry_max_ms = mc->retry_max_interval_ms;
	if (cfg->url == NULL || (mc->smtp_user && !cfg->user) ||
	    (mc->smtp_ca_file && !cfg->ca_file) ||
	    (mc->sendmail && !cfg->sendmail))
		return -ENOMEM;
	if (mc->smtp_password_file != NULL && mc->sendmail == NULL) {
		if (prep.password != NULL && prep.path != NULL &&
		    strcmp(prep.path, mc->smtp_password_file) == 0) {
			cfg->password = prep.password;
			prep.password = NULL;
		} else
			r = ua_secret_file_read("smtp_password_file",
			    mc->smtp_password_file, geteuid(),
			    UA_MAX_SMTP_PASSWORD, &cfg->password);
	}
	if (r == 0 && cfg->ca_file != NULL && mc->sendmail == NULL &&
	    access(cfg->ca_file, R_OK) < 0)
		r = ua_log_errno(LOG_ERR, -errno, "smtp_ca_file '%s': %m",
		    cfg->ca_file);
	if (r == 0 && cfg->sendmail != NULL && access(cfg->sendmail, X_OK) < 0)
		r = ua_log_errno(LOG_ERR, -errno, "sendmail '%s': %m",
		    cfg->sendmail);
	return r;
}

void
mailsend_cfg_free(struct mailsend_cfg *cfg)
{
	free(cfg->url);
	free(cfg->user);
	ua_erase_free(cfg->password);
	free(cfg->ca_file);
	free(cfg->sendmail);
	memset(cfg, 0, sizeof(*cfg));
}

/* Keep only printable ASCII: an error goes into the database and logs. */
static void
tidy(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

int
mailsend_envelope(struct mailsend_xfer *x, const char *recipient)
{
	char from[UA_MAX_EMAIL + 1];

	if (recipient == NULL || ua_valid_email(recipient, NULL) < 0 ||
	    mailmsg_from(x->msg, from, sizeof(from)) < 0)
		return -EINVAL;
	(void)snprintf(x->from, sizeof(x->from), "<%s>", from);
	(void)snprintf(x->to, sizeof(x->to), "<%s>", recipient);
	return 0;
}

static size_t
read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct mailsend_xfer *x = arg;
	size_t n = size * nitems;

	if (n > x->len - x->off)
		n = x->len - x->off;
	memcpy(buf, x->msg + x->off, n);
	x->off += n;
	return n;
}

/* libcurl calls it at least once a second during a transfer. */
static int
progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	const struct mailsend_cfg *cfg = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return cfg->stop != NULL && atomic_load(cfg->stop) ? 1 : 0;
}

struct mailsend_smtp {
	CURL *easy;
	int64_t idle_since; /* monotonic ms; 0: no connection kept */
};

/* How one transfer ended. */
struct attempt {
	CURLcode rc;
	long code;       /* the last SMTP reply, 0 for none */
	long connects;   /* new connections; 0: a kept one was used */
	curl_off_t sent; /* bytes of the message that went out */
};

struct mailsend_smtp *
mailsend_smtp_new(void)
{
	struct mailsend_smtp *s = calloc(1, sizeof(*s));

	if (s != NULL && (s->easy = curl_easy_init()) == NULL) {
		free(s);
		s = NULL;
	}
	return s;
}

void
mailsend_smtp_free(struct mailsend_smtp *s)
{
	if (s == NULL)
		return;
	curl_easy_cleanup(s->easy);
	free(s);
}

bool
mailsend_smtp_stale(const struct mailsend_smtp *s)
{
	return s->idle_since != 0 &&
	    ua_now_ms() - s->idle_since >= MAILSEND_IDLE_SECONDS * 1000;
}

/* The options for one transfer of x, at most budget_ms long. */
static CURLcode
setup(CURL *e, const struct mailsend_cfg *cfg, struct mailsend_xfer *x,
    int64_t budget_ms, bool fresh)
{
	CURLcode rc = CURLE_OK;

#define SET(opt, val)                                                          \
	do {                                                                   \
		if (rc == CURLE_OK)                                            \
			rc = curl_easy_setopt(e, opt, val);                    \
	} while (0)

	/* Options of the last message go; its connection stays. */
	curl_easy_reset(e);
	x->errbuf[0] = '\0';
	x->off = 0;
	SET(CURLOPT_ERRORBUFFER, x->errbuf);
	SET(CURLOPT_URL, cfg->url);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	SET(CURLOPT_USE_SSL,
	    cfg->tls ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (cfg->ca_file != NULL)
		SET(CURLOPT_CAINFO, cfg->ca_file);
	/* S18: no proxy from the environment (http_proxy, all_proxy). */
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_NOPROXY, "*");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT, (long)UA_MAIL_CONNECT_TIMEOUT);
	SET(CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)UA_MAIL_RESPONSE_TIMEOUT);
	SET(CURLOPT_TIMEOUT_MS, (long)budget_ms);
	SET(CURLOPT_MAXAGE_CONN, (long)MAILSEND_IDLE_SECONDS);
	SET(CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_XFERINFOFUNCTION, progress_cb);
	SET(CURLOPT_XFERINFODATA, cfg);
	if (cfg->user != NULL) {
		SET(CURLOPT_USERNAME, cfg->user);
		SET(CURLOPT_PASSWORD, cfg->password);
	}
	SET(CURLOPT_MAIL_FROM, x->from);
	SET(CURLOPT_MAIL_RCPT, x->rcpt);
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->len);
	SET(CURLOPT_READFUNCTION, read_cb);
	SET(CURLOPT_READDATA, x);
#undef SET
	return rc;
}

/*
 * After a failed transfer, never use its connection again.  libcurl 7.88
 * keeps an SMTP connection whose reply to the end of DATA timed out: the
 * next message would be sent into a session still waiting for that
 * reply, and a late reply could be read as the answer to the next
 * command.  Shut its socket down (libcurl still owns and closes it): the
 * connection is then dead to libcurl's check before reuse, and closing it
 * sends no QUIT to wait on.
 */
static void
discard(struct mailsend_smtp *s)
{
	curl_socket_t fd = CURL_SOCKET_BAD;

	if (curl_easy_getinfo(s->easy, CURLINFO_ACTIVESOCKET, &fd) ==
		CURLE_OK &&
	    fd != CURL_SOCKET_BAD)
		(void)shutdown(fd, SHUT_RDWR);
}

/* One blocking transfer; a failed setup is a->rc. */
static void
perform(struct mailsend_smtp *s, const struct mailsend_cfg *cfg,
    struct mailsend_xfer *x, int64_t budget_ms, bool fresh, struct attempt *a)
{
	memset(a, 0, sizeof(*a));
	a->connects = 1;
	a->rc = setup(s->easy, cfg, x, budget_ms, fresh);
	if (a->rc != CURLE_OK)
		return;
	s->idle_since = 0;
	a->rc = curl_easy_perform(s->easy);
	if (curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &a->code) !=
	    CURLE_OK)
		a->code = 0;
	if (curl_easy_getinfo(s->easy, CURLINFO_NUM_CONNECTS, &a->connects) !=
	    CURLE_OK)
		a->connects = 1;
	if (curl_easy_getinfo(s->easy, CURLINFO_SIZE_UPLOAD_T, &a->sent) !=
	    CURLE_OK)
		a->sent = 1;
	if (a->rc == CURLE_OK)
		s->idle_since = ua_now_ms();
	else
		discard(s);
}

/*
 * A kept connection that the relay had closed (no reply, or 421 "closing
 * channel") or that went dead, before any of the message went out: the
 * message was not delivered, and a new connection may do better.  libcurl
 * does not try again itself for an SMTP upload.
 */
static bool
worth_fresh(const struct attempt *a)
{
	return a->rc != CURLE_OK && a->rc != CURLE_ABORTED_BY_CALLBACK &&
	    a->rc != CURLE_COULDNT_CONNECT &&
	    a->rc != CURLE_COULDNT_RESOLVE_HOST && a->connects == 0 &&
	    a->sent == 0 && (a->code == 0 || a->code == 421);
}

enum mailsend_outcome
mailsend_smtp_send(struct mailsend_smtp *s, const struct mailsend_cfg *cfg,
    struct mailsend_xfer *x, char *err, size_t errsz)
{
	int64_t start = ua_now_ms(), left;
	bool kept = s->idle_since != 0;
	struct attempt a;

	x->rcpt = x->rcpt ? x->rcpt : curl_slist_append(NULL, x->to);
	if (x->rcpt == NULL) {
		(void)snprintf(err, errsz, "out of memory");
		return MAILSEND_RETRY;
	}
	perform(s, cfg, x, UA_MAIL_ATTEMPT_TIMEOUT * 1000, false, &a);
	left = UA_MAIL_ATTEMPT_TIMEOUT * 1000 - (ua_now_ms() - start);
	if (kept && worth_fresh(&a) && left >= 1000) {
		ua_log(LOG_DEBUG,
		    "mailer: id=%lld: the kept connection failed "
		    "(curl %d, reply %ld); trying a new one",
		    (long long)x->id, (int)a.rc, a.code);
		perform(s, cfg, x, left, true, &a);
	}
	if (a.rc == CURLE_OK) {
		err[0] = '\0';
		return MAILSEND_SENT;
	}
	if (a.rc == CURLE_ABORTED_BY_CALLBACK)
		return MAILSEND_ABANDONED;
	(void)snprintf(err, errsz, "%s (curl %d, last reply %ld)",
	    x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(a.rc),
	    (int)a.rc, a.code);
	tidy(err);
	return a.code >= 500 && a.code <= 599 ? MAILSEND_FAILED
					      : MAILSEND_RETRY;
}

/* Start cfg->sendmail with stdin from *ret_fd; 0 or -errno. */
static int
spawn(const struct mailsend_cfg *cfg, const struct mailsend_xfer *x,
    pid_t *ret_pid, int *ret_fd)
{
	/* Writable arrays: posix_spawn takes char *const[]. */
	static char env_path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	static char opt_i[] = "-i", opt_f[] = "-f", opt_t[] = "-t";
	char *envp[] = { env_path, NULL };
	char from[UA_MAX_EMAIL + 1];
	char *argv[] = { cfg->sendmail, opt_i, opt_f, from, opt_t, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int p[2] = { -1, -1 }, null = -1, r;

	/* The envelope sender without its brackets; checked already. */
	(void)snprintf(from, sizeof(from), "%.*s", (int)strlen(x->from) - 2,
	    x->from + 1);
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0) {
		r = -errno;
		goto out;
	}
	(void)sigemptyset(&none);
	(void)sigfillset(&all);
	r = -posix_spawn_file_actions_init(&fa);
	if (r < 0)
		goto out;
	r = -posix_spawnattr_init(&attr);
	if (r < 0) {
		(void)posix_spawn_file_actions_destroy(&fa);
		goto out;
	}
	r = -posix_spawn_file_actions_adddup2(&fa, p[0], 0);
	if (r == 0)
		r = -posix_spawn_file_actions_adddup2(&fa, null, 1);
	if (r == 0)
		r = -posix_spawn_file_actions_adddup2(&fa, null, 2);
	if (r == 0)
		r = -posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	/* The daemon blocks and ignores signals; the child must not. */
	if (r == 0)
		r = -posix_spawnattr_setsigmask(&attr, &none);
	if (r == 0)
		r = -posix_spawnattr_setsigdefault(&attr, &all);
	if (r == 0)
		r = -posix_spawnattr_setflags(&attr,
		    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
			POSIX_SPAWN_SETPGROUP);
	if (r == 0)
		r = -posix_spawn(ret_pid, cfg->sendmail, &fa, &attr, argv,
		    envp);
	(void)posix_spawn_file_actions_destroy(&fa);
	(void)posix_spawnattr_destroy(&attr);
	if (r == 0) {
		*ret_fd = p[1];
		p[1] = -1;
	}
out:
	if (p[0] >= 0)
		(void)close(p[0]);
	if (p[1] >= 0)
		(void)close(p[1]);
	if (null >= 0)
		(void)close(null);
	return r;
}

/* Write the message to fd before deadline; 0, -EPIPE, -ETIMEDOUT, ... */
static int
feed(int fd, const struct mailsend_xfer *x, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	size_t off = 0;
	ssize_t w;
	int64_t left;

	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		return -errno;
	while (off < x->len) {
		left = deadline - ua_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
		w = write(fd, x->msg + off, x->len - off);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w < 0)
			return -errno;
		off += (size_t)w;
	}
	return 0;
}

static bool
stopping(const struct mailsend_cfg *cfg)
{
	return cfg->stop != NULL && atomic_load(cfg->stop);
}

/*
 * Reap pid by deadline, else kill it (also at a stop).  Returns the wait
 * status, or -1 when it was killed.
 */
static int
reap(const struct mailsend_cfg *cfg, pid_t pid, int64_t deadline)
{
	int st;
	pid_t w;

	for (;;) {
		w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			return st;
		if (w < 0 && errno != EINTR)
			return -1;
		if (ua_now_ms() >= deadline || stopping(cfg))
			break;
		(void)poll(NULL, 0, 20);
	}
	(void)kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return -1;
}

enum mailsend_outcome
mailsend_sendmail(const struct mailsend_cfg *cfg, struct mailsend_xfer *x,
    char *err, size_t errsz)
{
	int64_t deadline = ua_now_ms() + UA_MAIL_ATTEMPT_TIMEOUT * 1000;
	int fd = -1, r, st, code;
	pid_t pid = -1;

	r = spawn(cfg, x, &pid, &fd);
	if (r < 0) {
		(void)snprintf(err, errsz, "cannot run %s: %s", cfg->sendmail,
		    strerror(-r));
		tidy(err);
		return MAILSEND_RETRY;
	}
	r = feed(fd, x, deadline);
	(void)close(fd);
	st = reap(cfg, pid, deadline);
	if (st == -1 && stopping(cfg))
		return MAILSEND_ABANDONED;
	if (st == -1) {
		(void)snprintf(err, errsz,
		    "sendmail did not finish within "
		    "%d s",
		    UA_MAIL_ATTEMPT_TIMEOUT);
		return MAILSEND_RETRY;
	}
	if (WIFSIGNALED(st)) {
		(void)snprintf(err, errsz, "sendmail killed by signal %d",
		    WTERMSIG(st));
		return MAILSEND_RETRY;
	}
	code = WEXITSTATUS(st);
	if (code == 0 && r == 0) {
		err[0] = '\0';
		return MAILSEND_SENT;
	}
	if (code == 0) {
		(void)snprintf(err, errsz,
		    "sendmail did not read the whole "
		    "message: %s",
		    strerror(-r));
		return MAILSEND_RETRY;
	}
	(void)snprintf(err, errsz, "sendmail exited with status %d", code);
	return code == EX_TEMPFAIL || code == EX_UNAVAILABLE ||
		code == EX_OSERR || code == EX_IOERR || code == 127
	    ? MAILSEND_RETRY
	    : MAILSEND_FAILED;
}

void
mailsend_xfer_free(struct mailsend_xfer *x)
{
	if (x == NULL)
		return;
	curl_slist_free_all(x->rcpt);
	ua_freezero(x->msg, x->len);
	ua_wipe(x, sizeof(*x));
	free(x);
}
