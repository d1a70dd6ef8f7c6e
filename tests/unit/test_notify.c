/* SPDX-License-Identifier: MIT */
/* Unit tests for the sd_notify sender (helpers/userauthd/notify.c). */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "userauthd/notify.h"

struct fixture {
	char dir[64];
	char path[128];
	int fd;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->fd = -1;
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/ua-notify.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	(void)snprintf(f->path, sizeof(f->path), "%s/notify", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f->fd >= 0)
		close(f->fd);
	(void)unlink(f->path);
	(void)rmdir(f->dir);
	free(f);
	(void)unsetenv("NOTIFY_SOCKET");
	return 0;
}

/* A datagram socket bound to name (a path, or '@' for abstract). */
static int
listen_on(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	size_t n = strlen(name);
	int fd;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_true(n < sizeof(sa.sun_path));
	memcpy(sa.sun_path, name, n);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, len), 0);
	return fd;
}

/* The next datagram on fd, as a string (waits at most a second). */
static void
assert_received(int fd, const char *want)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[256];
	ssize_t n;

	assert_int_equal(poll(&p, 1, 1000), 1);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void
test_no_socket_is_nothing_to_do(void **state)
{
	(void)state;
	(void)unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_send("READY=1"), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", "", 1), 0);
	assert_int_equal(notify_send("READY=1"), 0);
}

static void
test_path_socket_gets_the_state(void **state)
{
	struct fixture *f = *state;

	f->fd = listen_on(f->path);
	assert_int_equal(setenv("NOTIFY_SOCKET", f->path, 1), 0);
	assert_int_equal(notify_send("READY=1"), 1);
	assert_received(f->fd, "READY=1");
	assert_int_equal(notify_send("STOPPING=1"), 1);
	assert_received(f->fd, "STOPPING=1");
}

static void
test_abstract_socket_gets_the_state(void **state)
{
	struct fixture *f = *state;
	char name[64];

	(void)snprintf(name, sizeof(name), "@ua-test-notify-%ld",
	    (long)getpid());
	f->fd = listen_on(name);
	assert_int_equal(setenv("NOTIFY_SOCKET", name, 1), 0);
	assert_int_equal(notify_send("READY=1\nSTATUS=serving"), 1);
	assert_received(f->fd, "READY=1\nSTATUS=serving");
}

static void
test_relative_or_bare_name_is_refused(void **state)
{
	(void)state;
	assert_int_equal(setenv("NOTIFY_SOCKET", "run/notify", 1), 0);
	assert_int_equal(notify_send("READY=1"), -EINVAL);
	assert_int_equal(setenv("NOTIFY_SOCKET", "@", 1), 0);
	assert_int_equal(notify_send("READY=1"), -EINVAL);
	assert_int_equal(setenv("NOTIFY_SOCKET", "vsock:2:1234", 1), 0);
	assert_int_equal(notify_send("READY=1"), -EINVAL);
}

static void
test_name_past_sun_path_is_refused(void **state)
{
	struct sockaddr_un sa;
	char name[sizeof(sa.sun_path) + 8];

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	name[0] = '/';
	assert_int_equal(setenv("NOTIFY_SOCKET", name, 1), 0);
	assert_int_equal(notify_send("READY=1"), -ENAMETOOLONG);
	name[0] = '@';
	assert_int_equal(setenv("NOTIFY_SOCKET", name, 1), 0);
	assert_int_equal(notify_send("READY=1"), -ENAMETOOLONG);
}

static void
test_nobody_listening_is_an_error(void **state)
{
	struct fixture *f = *state;
	int r;

	assert_int_equal(setenv("NOTIFY_SOCKET", f->path, 1), 0);
	r = notify_send("READY=1");
	assert_true(r == -ENOENT || r == -ECONNREFUSED);
}

static void
test_empty_or_huge_state_is_refused(void **state)
{
	struct fixture *f = *state;
	char *big;

	f->fd = listen_on(f->path);
	assert_int_equal(setenv("NOTIFY_SOCKET", f->path, 1), 0);
	assert_int_equal(notify_send(""), -EINVAL);
	big = malloc(5000);
	assert_non_null(big);
	memset(big, 'x', 4999);
	big[4999] = '\0';
	assert_int_equal(notify_send(big), -EMSGSIZE);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_socket_is_nothing_to_do,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_socket_gets_the_state,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_abstract_socket_gets_the_state, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_relative_or_bare_name_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_name_past_sun_path_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_nobody_listening_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_empty_or_huge_state_is_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
