/* SPDX-License-Identifier: MIT */
/*
 * Delivery attempts: the libcurl SMTP options (TLS policy, timeouts, no
 * proxy, no other protocol) and the sendmail child.  It must never run a
 * shell, never let the child inherit a descriptor, never wait on a relay
 * or a child without a deadline, and never put a secret into an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "client/wipe.h"
#include "server/defaults.h"
#include "userauthd/mailmsg.h"
#include "client/frame.h"
#include "userauthd/mailsend.h"

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

int
mailsend_curl_setup(const struct mailsend_cfg *cfg, struct mailsend_xfer *x,
    char *err, size_t errsz)
{
	CURLcode rc = CURLE_OK;
	CURL *e;

#define SET(opt, val)                                         \
	do {                                                  \
		if (rc == CURLE_OK)                           \
			rc = curl_easy_setopt(e, opt, val);   \
	} while (0)

	x->rcpt = curl_slist_append(NULL, x->to);
	e = x->easy = curl_easy_init();
	if (x->rcpt == NULL || e == NULL) {
		(void)snprintf(err, errsz, "out of memory");
		return -ENOMEM;
	}
	x->errbuf[0] = '\0';
	x->off = 0;
	SET(CURLOPT_ERRORBUFFER, x->errbuf);
	SET(CURLOPT_PRIVATE, x);
	SET(CURLOPT_URL, cfg->url);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	SET(CURLOPT_USE_SSL, cfg->tls ? (long)CURLUSESSL_ALL :
	    (long)CURLUSESSL_NONE);
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
	SET(CURLOPT_TIMEOUT, (long)UA_MAIL_ATTEMPT_TIMEOUT);
	/* One connection per message, closed with QUIT. */
	SET(CURLOPT_FORBID_REUSE, 1L);
	SET(CURLOPT_FRESH_CONNECT, 1L);
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
	if (rc != CURLE_OK) {
		(void)snprintf(err, errsz, "curl setup: %s",
		    curl_easy_strerror(rc));
		tidy(err);
		return -EINVAL;
	}
	return 0;
}

enum mailsend_outcome
mailsend_curl_result(struct mailsend_xfer *x, CURLcode rc, char *err,
    size_t errsz)
{
	long code = 0;

	if (curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code) !=
	    CURLE_OK)
		code = 0;
	if (rc == CURLE_OK) {
		err[0] = '\0';
		return MAILSEND_SENT;
	}
	(void)snprintf(err, errsz, "%s (curl %d, last reply %ld)",
	    x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(rc),
	    (int)rc, code);
	tidy(err);
	return code >= 500 && code <= 599 ? MAILSEND_FAILED : MAILSEND_RETRY;
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
	(void)snprintf(from, sizeof(from), "%.*s",
	    (int)strlen(x->from) - 2, x->from + 1);
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
		r = -posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
		    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
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

/* Reap pid by deadline, else kill it.  Returns the wait status or -1. */
static int
reap(pid_t pid, int64_t deadline)
{
	int st;
	pid_t w;

	for (;;) {
		w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			return st;
		if (w < 0 && errno != EINTR)
			return -1;
		if (ua_now_ms() >= deadline)
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
	pid_t pid;

	r = spawn(cfg, x, &pid, &fd);
	if (r < 0) {
		(void)snprintf(err, errsz, "cannot run %s: %s", cfg->sendmail,
		    strerror(-r));
		tidy(err);
		return MAILSEND_RETRY;
	}
	r = feed(fd, x, deadline);
	(void)close(fd);
	st = reap(pid, deadline);
	if (st == -1) {
		(void)snprintf(err, errsz, "sendmail did not finish within "
		    "%d s", UA_MAIL_ATTEMPT_TIMEOUT);
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
		(void)snprintf(err, errsz, "sendmail did not read the whole "
		    "message: %s", strerror(-r));
		return MAILSEND_RETRY;
	}
	(void)snprintf(err, errsz, "sendmail exited with status %d", code);
	return code == EX_TEMPFAIL || code == EX_UNAVAILABLE ||
	    code == EX_OSERR || code == EX_IOERR || code == 127 ?
	    MAILSEND_RETRY : MAILSEND_FAILED;
}

void
mailsend_xfer_free(struct mailsend_xfer *x)
{
	if (x == NULL)
		return;
	if (x->easy != NULL)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->rcpt);
	ua_freezero(x->msg, x->len);
	ua_wipe(x, sizeof(*x));
	free(x);
}
