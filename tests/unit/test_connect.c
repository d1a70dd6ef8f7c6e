/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for ua_connect_unix (common/client/frame.c) with Unix sockets
 * in a temporary directory: errors, deadline, the fd it returns, and whom
 * it agrees to talk to when root is required.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "client/frame.h"
#include "client/wipe.h"

/* A uid nobody on the test machine uses. */
#define OTHER_UID ((uid_t)54321)

static char tmpdir[64];

static void
reap(pid_t pid)
{
	int status;

	(void)kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

static void
path_in_tmp(char *out, size_t outsz, const char *name)
{
	int n = snprintf(out, outsz, "%s/%s", tmpdir, name);

	assert_true(n > 0 && (size_t)n < outsz);
	(void)unlink(out);
}

/* A Unix socket bound at path; listening unless backlog < 0. */
static int
bound_socket(const char *path, int backlog)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (backlog >= 0)
		assert_int_equal(listen(fd, backlog), 0);
	return fd;
}

static int
group_setup(void **state)
{
	(void)state;
	memcpy(tmpdir, "/tmp/ua-test-connect.XXXXXX",
	    sizeof("/tmp/ua-test-connect.XXXXXX"));
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	(void)state;
	d = opendir(tmpdir);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name) <
		    (int)sizeof(path))
			(void)unlink(path);
	}
	(void)closedir(d);
	(void)rmdir(tmpdir);
	return 0;
}

static void
test_connect_missing_path_is_enoent(void **state)
{
	char path[128];
	int fd = -1;

	(void)state;
	path_in_tmp(path, sizeof(path), "missing.sock");
	assert_int_equal(ua_connect_unix(path, 500, false, (uid_t)-1, &fd),
	    -ENOENT);
	assert_int_equal(ua_connect_unix(path, 500, true, (uid_t)-1, &fd),
	    -ENOENT);
	assert_int_equal(fd, -1);
}

static void
test_connect_without_listener_is_econnrefused(void **state)
{
	char path[128];
	int fd = -1, s;

	(void)state;
	path_in_tmp(path, sizeof(path), "dead.sock");
	s = bound_socket(path, -1); /* bound, never listening */
	assert_int_equal(ua_connect_unix(path, 500, false, (uid_t)-1, &fd),
	    -ECONNREFUSED);
	(void)close(s);
	assert_int_equal(fd, -1);
}

static void
test_connect_rejects_bad_arguments(void **state)
{
	char path[200];
	int fd = -1;

	(void)state;
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(ua_connect_unix(path, 500, false, (uid_t)-1, &fd),
	    -ENAMETOOLONG);
	assert_int_equal(ua_connect_unix("", 500, false, (uid_t)-1, &fd),
	    -EINVAL);
	assert_int_equal(ua_connect_unix(NULL, 500, false, (uid_t)-1, &fd),
	    -EINVAL);
	assert_int_equal(ua_connect_unix("/x", -1, false, (uid_t)-1, &fd),
	    -EINVAL);
	assert_int_equal(fd, -1);
}

static void
test_connect_to_listener_gives_cloexec_nonblocking_fd(void **state)
{
	char path[128];
	int fd = -1, s, c, fl;
	uint8_t *p = NULL;
	size_t n = 0;

	(void)state;
	path_in_tmp(path, sizeof(path), "plain.sock");
	s = bound_socket(path, 4);
	assert_int_equal(ua_connect_unix(path, 1000, false, (uid_t)-1, &fd), 0);
	assert_true(fd > 2);
	fl = fcntl(fd, F_GETFD);
	assert_true(fl >= 0 && (fl & FD_CLOEXEC));
	fl = fcntl(fd, F_GETFL);
	assert_true(fl >= 0 && (fl & O_NONBLOCK));
	c = accept(s, NULL, NULL);
	assert_true(c >= 0);
	assert_int_equal(ua_frame_write(fd, "ping", 4, 1000), 0);
	assert_int_equal(ua_frame_read(c, 64, 1000, &p, &n), 0);
	assert_int_equal(n, 4);
	ua_freezero(p, n);
	(void)close(c);
	(void)close(fd);
	(void)close(s);
}

static void
test_connect_never_returns_stdio_fd(void **state)
{
	char path[128];
	int fd = -1, s, saved;

	(void)state;
	path_in_tmp(path, sizeof(path), "stdio.sock");
	s = bound_socket(path, 4);
	/* A host with stdin closed: the socket would get fd 0. */
	saved = fcntl(0, F_DUPFD_CLOEXEC, 3);
	assert_true(saved >= 0);
	(void)close(0);
	assert_int_equal(ua_connect_unix(path, 1000, false, (uid_t)-1, &fd), 0);
	assert_int_equal(fcntl(0, F_GETFD), -1); /* 0 stays free */
	assert_int_equal(dup2(saved, 0), 0);
	(void)close(saved);
	assert_true(fd > 2);
	(void)close(fd);
	(void)close(s);
}

static void
test_connect_times_out_when_backlog_full(void **state)
{
	struct sockaddr_un sa;
	char path[128];
	int fd = -1, s, c[64], nc = 0, i;
	int64_t t0, dt;
	bool full = false;

	(void)state;
	path_in_tmp(path, sizeof(path), "full.sock");
	s = bound_socket(path, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	for (nc = 0; nc < 64 && !full; nc++) {
		c[nc] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		assert_true(c[nc] >= 0);
		if (connect(c[nc], (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			assert_int_equal(errno, EAGAIN);
			full = true;
		}
	}
	if (full) {
		t0 = ua_now_ms();
		assert_int_equal(
		    ua_connect_unix(path, 150, false, (uid_t)-1, &fd),
		    -ETIMEDOUT);
		dt = ua_now_ms() - t0;
		assert_true(dt >= 140 && dt < 2000);
	}
	for (i = 0; i < nc; i++)
		(void)close(c[i]);
	(void)close(s);
	assert_true(full);
}

/*
 * Root-only cases (chown, setresuid) come last in main(): without root they
 * are left out of the plan, because cmocka 1.1.5 prints a skip as
 * "not ok N # SKIP", which automake's tap-driver counts as FAIL.
 */
static void
test_connect_require_root_accepts_root_socket(void **state)
{
	char path[128];
	int fd = -1, s;

	(void)state;
	path_in_tmp(path, sizeof(path), "root.sock");
	s = bound_socket(path, 4);
	assert_int_equal(ua_connect_unix(path, 1000, true, (uid_t)-1, &fd), 0);
	(void)close(fd);
	fd = -1;
	assert_int_equal(ua_connect_unix(path, 1000, true, OTHER_UID, &fd), 0);
	(void)close(fd);
	(void)close(s);
}

static void
test_connect_require_root_refuses_socket_owned_by_other_user(void **state)
{
	char path[128];
	int fd = -1, s;

	(void)state;
	path_in_tmp(path, sizeof(path), "user.sock");
	s = bound_socket(path, 4);
	assert_int_equal(chown(path, OTHER_UID, OTHER_UID), 0);
	assert_int_equal(ua_connect_unix(path, 1000, true, (uid_t)-1, &fd),
	    -EPERM);
	assert_int_equal(fd, -1);
	/* The daemon user may own it (the peer is root here). */
	assert_int_equal(ua_connect_unix(path, 1000, true, OTHER_UID, &fd), 0);
	(void)close(fd);
	/* Without require_root nobody checks. */
	assert_int_equal(ua_connect_unix(path, 1000, false, (uid_t)-1, &fd), 0);
	(void)close(fd);
	(void)close(s);
}

static void
test_connect_require_root_refuses_non_socket(void **state)
{
	char path[128];
	int fd = -1, f;

	(void)state;
	path_in_tmp(path, sizeof(path), "regular");
	f = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(f >= 0);
	(void)close(f);
	assert_int_equal(ua_connect_unix(path, 1000, true, geteuid(), &fd),
	    -EPERM);
	assert_int_equal(fd, -1);
}

static void
test_connect_require_root_refuses_peer_of_other_uid(void **state)
{
	char path[128], c;
	int fd = -1, s, ready[2];
	pid_t pid;

	(void)state;
	path_in_tmp(path, sizeof(path), "spoof.sock");
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/*
		 * The file is root's (bound as root), but the process that
		 * listens is not: only SO_PEERCRED can tell.
		 */
		(void)close(ready[0]);
		s = bound_socket(path, -1);
		if (setresgid(OTHER_UID, OTHER_UID, OTHER_UID) < 0 ||
		    setresuid(OTHER_UID, OTHER_UID, OTHER_UID) < 0 ||
		    listen(s, 4) < 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			(void)pause();
	}
	(void)close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	(void)close(ready[0]);
	assert_int_equal(ua_connect_unix(path, 1000, true, (uid_t)-1, &fd),
	    -EPERM);
	assert_int_equal(fd, -1);
	assert_int_equal(ua_connect_unix(path, 1000, true, OTHER_UID, &fd), 0);
	(void)close(fd);
	reap(pid);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_missing_path_is_enoent),
		cmocka_unit_test(test_connect_without_listener_is_econnrefused),
		cmocka_unit_test(test_connect_rejects_bad_arguments),
		cmocka_unit_test(
		    test_connect_to_listener_gives_cloexec_nonblocking_fd),
		cmocka_unit_test(test_connect_never_returns_stdio_fd),
		cmocka_unit_test(test_connect_times_out_when_backlog_full),
		cmocka_unit_test(test_connect_require_root_refuses_non_socket),
		/* root only from here: see above */
		cmocka_unit_test(test_connect_require_root_accepts_root_socket),
		cmocka_unit_test(
		    test_connect_require_root_refuses_socket_owned_by_other_user),
		cmocka_unit_test(
		    test_connect_require_root_refuses_peer_of_other_uid),
	};
	const size_t nroot = 3;
	size_t n = sizeof(tests) / sizeof(tests[0]);

	if (geteuid() != 0) {
		printf("# not root: %zu owner/peer cases not run\n", nroot);
		n -= nroot;
	}
	return _cmocka_run_group_tests("connect", tests, n, group_setup,
	    group_teardown);
}
