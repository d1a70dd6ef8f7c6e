/* SPDX-License-Identifier: MIT */
/*
 * A running nscd(8) answers passwd and group lookups from its own cache
 * for its time to live, pool users included.  After a change the daemon
 * has published to the NSS cache, userauthctl tells nscd to drop those
 * two caches (nscd -i), so that a disabled or deleted user is gone at
 * once.  Only root may ask that of nscd: anyone else, or a failed
 * request, gets a warning and exit status 5 (done, NSS lags behind).
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nscd.h"

#define NSCD_SOCKET "/var/run/nscd/socket" /* glibc's _PATH_NSCDSOCKET */
#define NSCD_PROGRAM "/usr/sbin/nscd"

/* Does an nscd listen on its socket? */
static bool
nscd_running(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	(void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", NSCD_SOCKET);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	r = connect(fd, (const struct sockaddr *)&sa, sizeof(sa));
	(void)close(fd);
	return r == 0;
}

/* nscd -i db, with an empty environment; 0 when it exited 0. */
static int
invalidate(const char *db)
{
	char prog[] = "nscd", opt[] = "-i", name[16];
	char *const argv[] = { prog, opt, name, NULL };
	char *const envp[] = { NULL };
	pid_t pid;
	int st;

	(void)snprintf(name, sizeof(name), "%s", db);
	if (posix_spawn(&pid, NSCD_PROGRAM, NULL, NULL, argv, envp) != 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

bool
ctl_nscd_invalidate(void)
{
	if (!nscd_running())
		return true;
	if (invalidate("passwd") == 0 && invalidate("group") == 0)
		return true;
	(void)fprintf(stderr,
	    "userauthctl: warning: nscd is running and "
	    "could not be told to drop its passwd and group caches (as root: "
	    "nscd -i passwd; nscd -i group): lookups may show the old "
	    "entries until its time to live ends\n");
	return false;
}
