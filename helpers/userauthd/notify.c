/* SPDX-License-Identifier: MIT */
/*
 * sd_notify(3) without libsystemd: one AF_UNIX datagram to the socket
 * that $NOTIFY_SOCKET names.  It must never block the daemon (a full
 * socket buffer is an error, not a wait) nor raise SIGPIPE.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "userauthd/notify.h"

#define NOTIFY_STATE_MAX 4096

/* The address for name; *ret_len counts the bytes sendto(2) must see. */
static int
notify_addr(const char *name, struct sockaddr_un *ret_sa, socklen_t *ret_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(name);

	if (name[0] != '/' && name[0] != '@')
		return -EINVAL;
	if (n < 2)
		return -EINVAL;
	if (name[0] == '/') {
		/* a path: room for its terminating NUL */
		if (n >= sizeof(sa.sun_path))
			return -ENAMETOOLONG;
		memcpy(sa.sun_path, name, n + 1);
		*ret_len =
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	} else {
		/* abstract: a leading NUL, then the name without '@' or NUL */
		if (n > sizeof(sa.sun_path))
			return -ENAMETOOLONG;
		sa.sun_path[0] = '\0';
		memcpy(sa.sun_path + 1, name + 1, n - 1);
		*ret_len =
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	}
	*ret_sa = sa;
	return 0;
}

int
notify_send(const char *state)
{
	struct sockaddr_un sa;
	socklen_t salen = 0;
	const char *name;
	size_t len;
	ssize_t w;
	int fd, r;

	/* Not a secure_getenv(): the daemon is never set-id, and systemd
	 * hands this over in the environment by design. */
	name = getenv("NOTIFY_SOCKET");
	if (name == NULL || name[0] == '\0')
		return 0;
	len = strlen(state);
	if (len == 0 || len > NOTIFY_STATE_MAX)
		return len == 0 ? -EINVAL : -EMSGSIZE;
	r = notify_addr(name, &sa, &salen);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	w = sendto(fd, state, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	r = w < 0 ? -errno : (size_t)w == len ? 1 : -EIO;
	close(fd);
	return r;
}
