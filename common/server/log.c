/* SPDX-License-Identifier: MIT */
/*
 * Logging for the daemon and the CLI: one formatted line to syslog
 * (authpriv) or to stderr.  It must never block its caller and never let a
 * logged value forge a line, so sends are non-blocking and control bytes
 * in a message become '?'.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client/valid.h"
#include "server/log.h"

#define LOG_SOCKET "/dev/log"
#define LOG_LINE 2048 /* longer messages are cut, marked "..." */

/*
 * We talk to /dev/log ourselves instead of calling syslog(3): glibc's
 * socket is blocking, so a stalled syslog daemon would stall logins
 * (SECURITY.md S26).  Ours is SOCK_NONBLOCK; when the socket is full or
 * absent the message is dropped and counted.  Stream-only /dev/log (very
 * old syslogds) is not supported: messages are then dropped.
 */
static struct {
	pthread_mutex_t lock; /* fd, retry_at, dropped */
	char ident[32];
	bool to_stderr;
	bool journal;          /* stderr is systemd's journal stream */
	bool errors_to_stderr; /* a background start-up: errors there too */
	int maxprio;
	int fd;                /* connected datagram socket, or -1 */
	time_t retry_at;       /* monotonic second of the next connect try */
	unsigned long dropped; /* messages lost since the last sent one */
} L = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.ident = "userauth",
	.to_stderr = true,
	.maxprio = LOG_INFO,
	.fd = -1,
};

static const char *const level_names[] = {
	"emerg",
	"alert",
	"crit",
	"error",
	"warning",
	"notice",
	"info",
	"debug",
};

static time_t
mono_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return ts.tv_sec;
}

/* Called with L.lock held.  At most one attempt per second. */
static void
syslog_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	time_t now = mono_now();
	int fd;

	if (L.fd >= 0 || now < L.retry_at)
		return;
	L.retry_at = now + 1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return;
	memcpy(sa.sun_path, LOG_SOCKET, sizeof(LOG_SOCKET));
	if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0) {
		(void)close(fd);
		return;
	}
	L.fd = fd;
}

/* Called with L.lock held.  Returns 0 when sent. */
static int
syslog_send_locked(const char *line, size_t n)
{
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		syslog_connect();
		if (L.fd < 0)
			return -ENOTCONN;
		if (send(L.fd, line, n, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS || errno == EINTR)
			return -EAGAIN;
		/* syslogd restarted: reconnect once, now. */
		(void)close(L.fd);
		L.fd = -1;
		L.retry_at = 0;
	}
	return -ENOTCONN;
}

static void
emit_syslog(int prio, const char *msg)
{
	char line[LOG_LINE + 128], stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	int n;

	stamp[0] = '\0';
	if (localtime_r(&now, &tm) != NULL)
		(void)strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
	(void)pthread_mutex_lock(&L.lock);
	if (L.dropped > 0) {
		n = snprintf(line, sizeof(line),
		    "<%d>%s %s[%d]: %lu log "
		    "message(s) dropped",
		    LOG_AUTHPRIV | LOG_WARNING, stamp, L.ident, (int)getpid(),
		    L.dropped);
		if (n > 0 && syslog_send_locked(line, (size_t)n) == 0)
			L.dropped = 0;
	}
	n = snprintf(line, sizeof(line), "<%d>%s %s[%d]: %s",
	    LOG_AUTHPRIV | prio, stamp, L.ident, (int)getpid(), msg);
	if (n < 0 || syslog_send_locked(line, strnlen(line, sizeof(line))) < 0)
		L.dropped++;
	(void)pthread_mutex_unlock(&L.lock);
}

/*
 * Is stderr the journal's stream?  systemd sets JOURNAL_STREAM to the
 * "device:inode" of the stream it connects stderr to; a stderr that was
 * redirected since (userauthd -f 2>file from a unit's shell) is not it.
 */
static bool
stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM"), *colon;
	char dev[24];
	uint64_t d, i;
	struct stat st;

	if (e == NULL || (colon = strchr(e, ':')) == NULL ||
	    (size_t)(colon - e) >= sizeof(dev))
		return false;
	memcpy(dev, e, (size_t)(colon - e));
	dev[colon - e] = '\0';
	if (ua_parse_uint(dev, 0, UINT64_MAX, &d) < 0 ||
	    ua_parse_uint(colon + 1, 0, UINT64_MAX, &i) < 0 ||
	    fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (uint64_t)st.st_dev == d && (uint64_t)st.st_ino == i;
}

/*
 * stderr is a socket when systemd runs us in the foreground: send
 * without blocking then.  A terminal, pipe or file gets a plain write.
 * The journal gets the priority as a "<N>" prefix (sd-daemon(3)) and adds
 * the name and pid itself.
 */
static void
emit_stderr(int prio, const char *msg)
{
	char line[LOG_LINE + 128];
	size_t n, off = 0;
	ssize_t w;
	int r;

	if (L.journal)
		r = snprintf(line, sizeof(line), "<%d>%s\n", prio, msg);
	else
		r = snprintf(line, sizeof(line), "%s[%d]: %s: %s\n", L.ident,
		    (int)getpid(), level_names[prio], msg);
	if (r < 0)
		return;
	n = strnlen(line, sizeof(line));
	if (send(STDERR_FILENO, line, n, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0 ||
	    errno != ENOTSOCK)
		return;
	while (off < n) {
		w = write(STDERR_FILENO, line + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

static void ua_vlog(int prio, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
ua_vlog(int prio, const char *fmt, va_list ap)
{
	char msg[LOG_LINE];
	size_t i;
	int n;

	prio = LOG_PRI(prio);
	if (prio > L.maxprio)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(msg))
		memcpy(msg + sizeof(msg) - 4, "...", 4);
	/* One message, one line: no forged lines, no terminal escapes. */
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	if (L.to_stderr) {
		emit_stderr(prio, msg);
		return;
	}
	emit_syslog(prio, msg);
	if (prio <= LOG_ERR &&
	    __atomic_load_n(&L.errors_to_stderr, __ATOMIC_RELAXED))
		emit_stderr(prio, msg);
}

void
ua_log_errors_to_stderr(bool on)
{
	__atomic_store_n(&L.errors_to_stderr, on, __ATOMIC_RELAXED);
}

void
ua_log_open(const char *ident, bool to_stderr)
{
	(void)pthread_mutex_lock(&L.lock);
	if (ident != NULL)
		(void)snprintf(L.ident, sizeof(L.ident), "%s", ident);
	L.to_stderr = to_stderr;
	L.journal = stderr_is_journal();
	if (L.fd >= 0)
		(void)close(L.fd);
	L.fd = -1;
	L.retry_at = 0;
	/* Connect now, before any chroot or privilege drop. */
	if (!to_stderr)
		syslog_connect();
	(void)pthread_mutex_unlock(&L.lock);
}

void
ua_log_set_level(int maxprio)
{
	if (maxprio < LOG_EMERG)
		maxprio = LOG_EMERG;
	if (maxprio > LOG_DEBUG)
		maxprio = LOG_DEBUG;
	L.maxprio = maxprio;
}

void
ua_log(int prio, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	ua_vlog(prio, fmt, ap);
	va_end(ap);
	errno = saved;
}

int
ua_log_errno(int prio, int r, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	errno = r < 0 ? -r : r;
	va_start(ap, fmt);
	ua_vlog(prio, fmt, ap);
	va_end(ap);
	errno = saved;
	return r;
}

/* How s[0] is written inside the quotes: into esc, returns its length. */
static size_t
quote_char(unsigned char ch, char esc[5])
{
	static const char hex[] = "0123456789abcdef";

	if (ch == '\'' || ch == '\\') {
		esc[0] = '\\';
		esc[1] = (char)ch;
		return 2;
	}
	if (ch < 0x20 || ch >= 0x7f) {
		esc[0] = '\\';
		esc[1] = 'x';
		esc[2] = hex[ch >> 4];
		esc[3] = hex[ch & 0xf];
		return 4;
	}
	esc[0] = (char)ch;
	return 1;
}

/*
 * 'value' with \' \\ and \xNN escapes (every byte outside printable
 * ASCII, so UTF-8 shows as \xNN too).  When it does not fit, whole
 * escapes are kept and the result ends in "'..." (quote, then dots) so a
 * reader sees the cut.  NULL quotes as ''; below 6 bytes a value that
 * does not fit gives "".
 */
const char *
ua_log_quote(const char *s, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t need = 2, n = 0, e, room;
	char esc[5];

	if (out == NULL || outsz == 0)
		return out;
	for (e = 0; p[e] != '\0'; e++)
		need += quote_char(p[e], esc);
	/* Fits with its NUL: everything; else leave room for "'..." + NUL. */
	room = need < outsz ? outsz - 1 : outsz - 4;
	if (need >= outsz && outsz < 6) {
		out[0] = '\0';
		return out;
	}
	out[n++] = '\'';
	for (; *p != '\0'; p++) {
		e = quote_char(*p, esc);
		if (n + e + 1 > room)
			break;
		memcpy(out + n, esc, e);
		n += e;
	}
	out[n++] = '\'';
	if (need >= outsz) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}
