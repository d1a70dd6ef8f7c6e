/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the listening sockets of the event loop
 * (server_listen in helpers/userauthd/server.c, built into this test as
 * it is into userauthd): the mode asked for whatever the umask, a stale
 * socket file replaced, a live one left to the daemon that answers on it.
 * The ownership case needs root and runs only as root.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/frame.h"
#include "userauthd/server.h"

struct fx {
	char dir[64];
	char sock[128];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/ua-server-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	(void)snprintf(f->sock, sizeof(f->sock), "%s/admin.sock", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	(void)unlink(f->sock);
	(void)rmdir(f->dir);
	free(f);
	return 0;
}

/* A client connects to path and the listener fd accepts it. */
static void
assert_answers(const char *path, int lfd)
{
	int c = -1, a;

	assert_int_equal(ua_connect_unix(path, 1000, false, (uid_t)-1, &c), 0);
	a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(a >= 0);
	(void)close(a);
	(void)close(c);
}

static void
test_listen_gives_the_mode_whatever_the_umask(void **state)
{
	struct fx *f = *state;
	static const mode_t modes[] = { 0660, 0666, 0600 };
	struct stat st;
	mode_t old;
	size_t i;
	int fd = -1;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		old = umask(0077);
		assert_int_equal(
		    server_listen(f->sock, modes[i], (gid_t)-1, &fd), 0);
		(void)umask(old);
		assert_int_equal(lstat(f->sock, &st), 0);
		assert_true(S_ISSOCK(st.st_mode));
		assert_int_equal(st.st_mode & 07777, modes[i]);
		assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
		assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
		assert_answers(f->sock, fd);
		(void)close(fd); /* the file stays: stale for the next */
	}
}

/* A socket file nobody answers on (a daemon that died) is replaced. */
static void
test_listen_replaces_a_stale_socket(void **state)
{
	struct fx *f = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int old, fd = -1;

	memcpy(sa.sun_path, f->sock, strlen(f->sock) + 1);
	old = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(old >= 0);
	assert_int_equal(bind(old, (struct sockaddr *)&sa, sizeof(sa)), 0);
	(void)close(old);
	assert_int_equal(lstat(f->sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));

	/* (a bind to a path that exists fails: the old file had to go) */
	assert_int_equal(server_listen(f->sock, 0660, (gid_t)-1, &fd), 0);
	assert_answers(f->sock, fd);
	(void)close(fd);
}

/* A socket a running daemon answers on is not taken from it. */
static void
test_listen_refuses_a_live_socket(void **state)
{
	struct fx *f = *state;
	struct stat before, after;
	int first = -1, second = -1, probe;

	assert_int_equal(server_listen(f->sock, 0660, (gid_t)-1, &first), 0);
	assert_int_equal(lstat(f->sock, &before), 0);
	assert_int_equal(server_listen(f->sock, 0660, (gid_t)-1, &second),
	    -EADDRINUSE);
	assert_int_equal(second, -1);
	assert_int_equal(lstat(f->sock, &after), 0);
	assert_true(after.st_ino == before.st_ino);
	/* the probe's own connection waits on the first; then a real one */
	probe = accept4(first, NULL, NULL, SOCK_CLOEXEC);
	if (probe >= 0)
		(void)close(probe);
	assert_answers(f->sock, first);
	(void)close(first);
}

static void
test_listen_refuses_a_path_too_long(void **state)
{
	struct sockaddr_un sa;
	char path[sizeof(sa.sun_path) + 8];
	int fd = -1;

	(void)state;
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(server_listen(path, 0660, (gid_t)-1, &fd),
	    -ENAMETOOLONG);
	assert_int_equal(fd, -1);
}

/* As root: the socket is root's and the group asked for (admin_group). */
static void
test_listen_gives_root_and_the_group(void **state)
{
	struct fx *f = *state;
	struct stat st;
	int fd = -1;

	assert_int_equal(server_listen(f->sock, 0660, 65534, &fd), 0);
	assert_int_equal(lstat(f->sock, &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_gid, 65534);
	assert_int_equal(st.st_mode & 07777, 0660);
	(void)close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_listen_gives_the_mode_whatever_the_umask, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_listen_replaces_a_stale_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_listen_refuses_a_live_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_listen_refuses_a_path_too_long, setup, teardown),
		/* root only: last */
		cmocka_unit_test_setup_teardown(
		    test_listen_gives_root_and_the_group, setup, teardown),
	};
	const size_t nroot = 1;
	size_t n = sizeof(tests) / sizeof(tests[0]);

	if (geteuid() != 0) {
		printf("# not root: %zu ownership case not run\n", nroot);
		n -= nroot;
	}
	return _cmocka_run_group_tests("server", tests, n, NULL, NULL);
}
