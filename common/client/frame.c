/* SPDX-License-Identifier: MIT */
/*
 * Length-prefixed frames on Unix stream sockets, and the client connect
 * that checks who is listening.  It must never block past a deadline,
 * raise SIGPIPE, read more than the frame it was asked for, or talk to a
 * socket owned by someone else when the caller asked for root.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client/frame.h"
#include "client/wipe.h"

/* Pause between connect attempts while the listen backlog is full. */
#define UA_CONNECT_RETRY_MS 10

int64_t
ua_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0; /* cannot happen for CLOCK_MONOTONIC */
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
ua_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0; /* cannot happen for CLOCK_MONOTONIC */
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Milliseconds until deadline, clamped to [0, INT_MAX] for poll(). */
static int
ms_left(int64_t deadline)
{
	int64_t left = deadline - ua_now_ms();

	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/*
 * Wait until fd is ready for events or the deadline passes.  Errors and
 * hang-ups count as ready: the next recv/send reports them precisely.
 */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd;
	int r;

	for (;;) {
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, ms_left(deadline));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -ETIMEDOUT;
		if (pfd.revents & POLLNVAL)
			return -EBADF;
		return 0;
	}
}

static bool
uid_allowed(uid_t uid, uid_t daemon_uid)
{
	return uid == 0 || (daemon_uid != (uid_t)-1 && uid == daemon_uid);
}

/* The socket file must be a socket owned by root or the daemon user. */
static int
check_socket_file(const char *path, uid_t daemon_uid)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode) || !uid_allowed(st.st_uid, daemon_uid))
		return -EPERM;
	return 0;
}

/* The process that listens must run as root or the daemon user. */
static int
check_peer(int fd, uid_t daemon_uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	if (len != sizeof(cred) || !uid_allowed(cred.uid, daemon_uid))
		return -EPERM;
	return 0;
}

/*
 * A host process that closed stdin/stdout/stderr would hand us fd 0-2,
 * and its next printf would then go to the daemon.  Move above 2.
 */
static int
fd_above_stdio(int *fd)
{
	int nfd;

	if (*fd > 2)
		return 0;
	nfd = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
	if (nfd < 0)
		return -errno;
	(void)close(*fd);
	*fd = nfd;
	return 0;
}

/*
 * Non-blocking connect with a deadline.  A Unix socket either connects at
 * once or fails with EAGAIN when the listener's backlog is full; then we
 * retry until the deadline.  EINPROGRESS/EINTR mean the connect goes on
 * in the background: wait for writability and read SO_ERROR.
 */
static int
connect_deadline(int fd, const struct sockaddr_un *sa, int64_t deadline)
{
	socklen_t len;
	int r, err;

	for (;;) {
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
			return 0;
		if (errno == EAGAIN) {
			if (ms_left(deadline) == 0)
				return -ETIMEDOUT;
			(void)poll(NULL, 0, UA_CONNECT_RETRY_MS);
			continue;
		}
		if (errno != EINPROGRESS && errno != EINTR)
			return -errno;
		r = wait_fd(fd, POLLOUT, deadline);
		if (r < 0)
			return r;
		len = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			return -errno;
		return err == 0 ? 0 : -err;
	}
}

int
ua_connect_unix(const char *path, int timeout_ms, bool require_root,
    uid_t daemon_uid, int *ret_fd)
{
	struct sockaddr_un sa;
	int64_t deadline;
	size_t n;
	int fd = -1, r;

	if (path == NULL || ret_fd == NULL || timeout_ms < 0)
		return -EINVAL;
	deadline = ua_now_ms() + timeout_ms;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	n = strnlen(path, sizeof(sa.sun_path));
	if (n == 0)
		return -EINVAL;
	if (n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, n);
	if (require_root) {
		r = check_socket_file(path, daemon_uid);
		if (r < 0)
			goto out;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = fd_above_stdio(&fd);
	if (r < 0)
		goto out;
	r = connect_deadline(fd, &sa, deadline);
	if (r < 0)
		goto out;
	/*
	 * The file check above can race with a rename; the peer credentials
	 * cannot, so they are what actually decides.
	 */
	if (require_root) {
		r = check_peer(fd, daemon_uid);
		if (r < 0)
			goto out;
	}
	*ret_fd = fd;
	fd = -1;
	r = 0;
out:
	if (fd >= 0)
		(void)close(fd);
	return r;
}

/*
 * Send all iov bytes by the deadline.  MSG_DONTWAIT keeps a blocking fd
 * from blocking past the deadline; MSG_NOSIGNAL turns SIGPIPE into EPIPE.
 */
static int
send_all(int fd, struct iovec *iov, size_t iovcnt, int64_t deadline)
{
	struct msghdr mh;
	ssize_t n;
	size_t done;
	int r;

	while (iovcnt > 0) {
		if (iov->iov_len == 0) {
			iov++;
			iovcnt--;
			continue;
		}
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov;
		mh.msg_iovlen = iovcnt;
		n = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			r = wait_fd(fd, POLLOUT, deadline);
			if (r < 0)
				return r;
			continue;
		}
		if (n == 0)
			return -EIO; /* not for a stream socket: never spin */
		/* Skip what was sent: a partial write resumes mid-iovec. */
		done = (size_t)n;
		while (iovcnt > 0 && done >= iov->iov_len) {
			done -= iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + done;
			iov->iov_len -= done;
		}
	}
	return 0;
}

int
ua_frame_write(int fd, const void *p, size_t n, int timeout_ms)
{
	uint8_t hdr[UA_FRAME_HDR];
	struct iovec iov[2];

	if (fd < 0)
		return -EBADF;
	if (timeout_ms < 0 || (p == NULL && n > 0))
		return -EINVAL;
	if (n > (size_t)UA_MAX_REPLY_FRAME)
		return -EMSGSIZE;
	hdr[0] = (uint8_t)(n >> 24);
	hdr[1] = (uint8_t)(n >> 16);
	hdr[2] = (uint8_t)(n >> 8);
	hdr[3] = (uint8_t)n;
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	/* sendmsg does not write through iov_base; const is kept in spirit. */
	iov[1].iov_base = (void *)(uintptr_t)p;
	iov[1].iov_len = n;
	return send_all(fd, iov, 2, ua_now_ms() + timeout_ms);
}

int
ua_frame_read(int fd, size_t max, int timeout_ms, uint8_t **ret,
    size_t *ret_len)
{
	struct ua_frame_rx rx;
	int64_t deadline;
	int r;

	if (fd < 0)
		return -EBADF;
	if (timeout_ms < 0 || ret == NULL || ret_len == NULL)
		return -EINVAL;
	deadline = ua_now_ms() + timeout_ms;
	ua_frame_rx_init(&rx, max);
	for (;;) {
		r = ua_frame_rx_feed(&rx, fd);
		if (r != 0)
			break;
		r = wait_fd(fd, POLLIN, deadline);
		if (r < 0)
			break;
	}
	if (r < 0) {
		ua_frame_rx_reset(&rx);
		return r;
	}
	ua_frame_rx_take(&rx, ret, ret_len);
	return 0;
}

void
ua_frame_rx_init(struct ua_frame_rx *rx, size_t max)
{
	memset(rx, 0, sizeof(*rx));
	rx->max = max;
}

/* Bytes allocated for a body of len bytes (1 for a 0-length frame). */
static size_t
body_size(size_t len)
{
	return len == 0 ? 1 : len;
}

static bool
rx_done(const struct ua_frame_rx *rx)
{
	return rx->body != NULL && rx->got == rx->len;
}

/*
 * One non-blocking recv of at most want bytes: >0 bytes read, 0 would
 * block, <0 error (-ECONNRESET on EOF).
 */
static ssize_t
rx_recv(int fd, void *p, size_t want)
{
	ssize_t n;

	for (;;) {
		n = recv(fd, p, want, MSG_DONTWAIT);
		if (n > 0)
			return n;
		if (n == 0)
			return -ECONNRESET;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return -errno;
	}
}

/* Header complete: check the length and allocate the body. */
static int
rx_start_body(struct ua_frame_rx *rx)
{
	uint32_t len;

	len = ((uint32_t)rx->hdr[0] << 24) | ((uint32_t)rx->hdr[1] << 16) |
	    ((uint32_t)rx->hdr[2] << 8) | rx->hdr[3];
	if (len > rx->max)
		return -EMSGSIZE;
	rx->body = malloc(body_size(len));
	if (rx->body == NULL)
		return -ENOMEM;
	rx->len = len;
	rx->got = 0;
	return 0;
}

int
ua_frame_rx_feed(struct ua_frame_rx *rx, int fd)
{
	ssize_t n;
	int r;

	if (rx_done(rx))
		return 1; /* not taken yet: leave the next frame alone */
	if (fd < 0) {
		r = -EBADF;
		goto fail;
	}
	while (rx->body == NULL) {
		n = rx_recv(fd, rx->hdr + rx->hdr_got,
		    UA_FRAME_HDR - rx->hdr_got);
		if (n < 0) {
			r = (int)n;
			goto fail;
		}
		if (n == 0)
			return 0;
		rx->hdr_got += (size_t)n;
		if (rx->hdr_got < UA_FRAME_HDR)
			continue;
		r = rx_start_body(rx);
		if (r < 0)
			goto fail;
	}
	while (rx->got < rx->len) {
		/* Ask for the rest of this frame only, never beyond it. */
		n = rx_recv(fd, rx->body + rx->got, rx->len - rx->got);
		if (n < 0) {
			r = (int)n;
			goto fail;
		}
		if (n == 0)
			return 0;
		rx->got += (size_t)n;
	}
	return 1;
fail:
	ua_frame_rx_reset(rx);
	return r;
}

void
ua_frame_rx_take(struct ua_frame_rx *rx, uint8_t **ret, size_t *ret_len)
{
	if (!rx_done(rx)) {
		*ret = NULL;
		*ret_len = 0;
		ua_frame_rx_reset(rx);
		return;
	}
	*ret = rx->body;
	*ret_len = rx->len;
	rx->body = NULL;
	ua_frame_rx_reset(rx);
}

void
ua_frame_rx_reset(struct ua_frame_rx *rx)
{
	size_t max;

	if (rx == NULL)
		return;
	max = rx->max;
	if (rx->body != NULL)
		ua_freezero(rx->body, body_size(rx->len));
	ua_wipe(rx, sizeof(*rx));
	rx->max = max;
}
