/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/client/frame.c I/O over socketpairs: partial
 * writes and reads, deadlines, caps, EOF and the incremental reader.
 * ua_connect_unix has its own program, test_connect.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "client/frame.h"
#include "client/wipe.h"

static void
make_pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
	    0);
}

static void
close_pair(int sv[2])
{
	if (sv[0] >= 0)
		(void)close(sv[0]);
	if (sv[1] >= 0)
		(void)close(sv[1]);
}

static void
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	assert_true(fl >= 0);
	assert_int_equal(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
}

/* Blocking write of all n bytes (test side; the fd is blocking). */
static int
write_raw(int fd, const void *p, size_t n)
{
	const uint8_t *q = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, q, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		q += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
put_hdr(uint8_t h[4], uint32_t n)
{
	h[0] = (uint8_t)(n >> 24);
	h[1] = (uint8_t)(n >> 16);
	h[2] = (uint8_t)(n >> 8);
	h[3] = (uint8_t)n;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void
reap(pid_t pid)
{
	int status;

	(void)kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

static int
group_setup(void **state)
{
	(void)state;
	/* A vanished peer must give EPIPE, not kill us: keep the default. */
	(void)signal(SIGPIPE, SIG_DFL);
	return 0;
}

static void
test_write_then_read_round_trip(void **state)
{
	int sv[2];
	uint8_t *p = NULL;
	size_t n = 0;

	(void)state;
	make_pair(sv);
	assert_int_equal(ua_frame_write(sv[0], "hello", 5, 1000), 0);
	assert_int_equal(ua_frame_read(sv[1], 64, 1000, &p, &n), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(p, "hello", 5);
	ua_freezero(p, n);
	close_pair(sv);
}

static void
test_zero_length_frame_round_trip(void **state)
{
	int sv[2];
	uint8_t *p = NULL;
	size_t n = 99;

	(void)state;
	make_pair(sv);
	assert_int_equal(ua_frame_write(sv[0], NULL, 0, 1000), 0);
	assert_int_equal(ua_frame_read(sv[1], 0, 1000, &p, &n), 0);
	assert_int_equal(n, 0);
	assert_non_null(p);
	ua_freezero(p, 1);
	close_pair(sv);
}

static void
test_read_leaves_next_frame_in_socket(void **state)
{
	int sv[2];
	uint8_t *p = NULL;
	size_t n = 0;

	(void)state;
	make_pair(sv);
	assert_int_equal(ua_frame_write(sv[0], "one", 3, 1000), 0);
	assert_int_equal(ua_frame_write(sv[0], "second", 6, 1000), 0);
	assert_int_equal(ua_frame_read(sv[1], 64, 1000, &p, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(p, "one", 3);
	ua_freezero(p, n);
	assert_int_equal(ua_frame_read(sv[1], 64, 1000, &p, &n), 0);
	assert_int_equal(n, 6);
	assert_memory_equal(p, "second", 6);
	ua_freezero(p, n);
	close_pair(sv);
}

/* Child: read one frame raw in small, slow pieces and send it back. */
static void
slow_echo_child(int fd, size_t total)
{
	uint8_t *buf = malloc(total);
	size_t got = 0, i = 0;
	ssize_t r;

	if (buf == NULL)
		_exit(2);
	while (got < total) {
		r = read(fd, buf + got,
		    total - got < 1000 ? total - got : 1000);
		if (r <= 0)
			_exit(3);
		got += (size_t)r;
		if (++i % 64 == 0)
			sleep_ms(1);
	}
	if (write_raw(fd, buf, total) < 0)
		_exit(4);
	_exit(0);
}

static void
test_large_frame_survives_partial_writes_and_reads(void **state)
{
	size_t len = 300 * 1024, i, n = 0;
	uint8_t *msg, *p = NULL;
	int sv[2], sz = 4096;
	pid_t pid;

	(void)state;
	msg = malloc(len);
	assert_non_null(msg);
	for (i = 0; i < len; i++)
		msg[i] = (uint8_t)(i * 7 + i / 256);
	make_pair(sv);
	/* A small send buffer forces many partial sendmsg() calls. */
	assert_int_equal(
	    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)), 0);
	set_nonblock(sv[0]);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		(void)close(sv[0]);
		slow_echo_child(sv[1], UA_FRAME_HDR + len);
	}
	assert_int_equal(ua_frame_write(sv[0], msg, len, 10000), 0);
	assert_int_equal(ua_frame_read(sv[0], len, 10000, &p, &n), 0);
	assert_int_equal(n, len);
	assert_memory_equal(p, msg, len);
	ua_freezero(p, n);
	free(msg);
	reap(pid);
	close_pair(sv);
}

static void
test_read_times_out_when_peer_stalls_after_header(void **state)
{
	uint8_t h[4], *p = NULL;
	size_t n = 0;
	int64_t t0, dt;
	int sv[2];

	(void)state;
	make_pair(sv);
	put_hdr(h, 10);
	assert_int_equal(write_raw(sv[0], h, 4), 0);
	assert_int_equal(write_raw(sv[0], "abc", 3), 0);
	t0 = ua_now_ms();
	assert_int_equal(ua_frame_read(sv[1], 64, 150, &p, &n), -ETIMEDOUT);
	dt = ua_now_ms() - t0;
	assert_true(dt >= 140 && dt < 2000);
	assert_null(p);
	close_pair(sv);
}

static void
test_read_deadline_is_overall_not_per_byte(void **state)
{
	uint8_t h[4], *p = NULL;
	size_t n = 0;
	int64_t t0, dt;
	int sv[2], i;
	pid_t pid;

	(void)state;
	make_pair(sv);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Slowloris: one byte every 20 ms, never a whole frame soon. */
		put_hdr(h, 100);
		for (i = 0; i < 4; i++)
			if (write_raw(sv[0], h + i, 1) < 0)
				_exit(1);
		for (i = 0; i < 100; i++) {
			sleep_ms(20);
			if (write_raw(sv[0], "x", 1) < 0)
				_exit(1);
		}
		_exit(0);
	}
	t0 = ua_now_ms();
	assert_int_equal(ua_frame_read(sv[1], 1000, 200, &p, &n), -ETIMEDOUT);
	dt = ua_now_ms() - t0;
	assert_true(dt >= 190 && dt < 1500);
	reap(pid);
	close_pair(sv);
}

static void
test_read_rejects_oversize_header_without_reading_body(void **state)
{
	uint8_t h[4], *p = NULL;
	size_t n = 0;
	int sv[2];

	(void)state;
	make_pair(sv);
	put_hdr(h, 65);
	assert_int_equal(write_raw(sv[0], h, 4), 0);
	assert_int_equal(ua_frame_read(sv[1], 64, 1000, &p, &n), -EMSGSIZE);
	put_hdr(h, UINT32_MAX);
	assert_int_equal(write_raw(sv[0], h, 4), 0);
	assert_int_equal(ua_frame_read(sv[1], UA_MAX_FRAME, 1000, &p, &n),
	    -EMSGSIZE);
	assert_null(p);
	close_pair(sv);
}

static void
test_read_eof_before_frame_is_econnreset(void **state)
{
	uint8_t *p = NULL;
	size_t n = 0;
	int sv[2];

	(void)state;
	make_pair(sv);
	(void)close(sv[0]);
	sv[0] = -1;
	assert_int_equal(ua_frame_read(sv[1], 64, 1000, &p, &n), -ECONNRESET);
	close_pair(sv);
}

static void
test_read_eof_mid_frame_is_econnreset(void **state)
{
	uint8_t h[4], *p = NULL;
	size_t n = 0;
	int sv[2];

	(void)state;
	make_pair(sv);
	put_hdr(h, 8);
	assert_int_equal(write_raw(sv[0], h, 4), 0);
	assert_int_equal(write_raw(sv[0], "half", 4), 0);
	(void)close(sv[0]);
	sv[0] = -1;
	assert_int_equal(ua_frame_read(sv[1], 64, 1000, &p, &n), -ECONNRESET);
	assert_null(p);
	close_pair(sv);
}

static void
test_read_rejects_bad_arguments(void **state)
{
	uint8_t *p = NULL;
	size_t n = 0;
	int sv[2];

	(void)state;
	assert_int_equal(ua_frame_read(-1, 64, 1000, &p, &n), -EBADF);
	make_pair(sv);
	assert_int_equal(ua_frame_read(sv[1], 64, -1, &p, &n), -EINVAL);
	close_pair(sv);
}

static void
test_write_to_closed_peer_is_epipe_without_sigpipe(void **state)
{
	int sv[2];

	(void)state;
	make_pair(sv);
	(void)close(sv[1]);
	sv[1] = -1;
	/* SIGPIPE is at its default (kill): surviving is the test. */
	assert_int_equal(ua_frame_write(sv[0], "x", 1, 1000), -EPIPE);
	close_pair(sv);
}

static void
test_write_times_out_when_peer_does_not_read(void **state)
{
	size_t len = 1024 * 1024;
	int64_t t0, dt;
	uint8_t *msg;
	int sv[2];

	(void)state;
	msg = calloc(1, len);
	assert_non_null(msg);
	make_pair(sv);
	t0 = ua_now_ms();
	/* sv[0] is blocking: the deadline must hold anyway. */
	assert_int_equal(ua_frame_write(sv[0], msg, len, 150), -ETIMEDOUT);
	dt = ua_now_ms() - t0;
	assert_true(dt >= 140 && dt < 2000);
	free(msg);
	close_pair(sv);
}

static void
test_write_rejects_oversize_and_bad_arguments(void **state)
{
	int sv[2];

	(void)state;
	make_pair(sv);
	assert_int_equal(
	    ua_frame_write(sv[0], "x", (size_t)UA_MAX_REPLY_FRAME + 1, 1000),
	    -EMSGSIZE);
	assert_int_equal(ua_frame_write(-1, "x", 1, 1000), -EBADF);
	assert_int_equal(ua_frame_write(sv[0], NULL, 1, 1000), -EINVAL);
	assert_int_equal(ua_frame_write(sv[0], "x", 1, -1), -EINVAL);
	close_pair(sv);
}

static void
test_rx_fed_byte_by_byte_completes_on_last_byte(void **state)
{
	static const char body[] = "incremental";
	struct ua_frame_rx rx;
	uint8_t h[4], *p = NULL;
	size_t i, n = 0;
	int sv[2];

	(void)state;
	make_pair(sv);
	set_nonblock(sv[1]);
	ua_frame_rx_init(&rx, 64);
	assert_int_equal(ua_frame_rx_feed(&rx, sv[1]), 0); /* nothing yet */
	put_hdr(h, sizeof(body) - 1);
	for (i = 0; i < 4; i++) {
		assert_int_equal(write_raw(sv[0], h + i, 1), 0);
		assert_int_equal(ua_frame_rx_feed(&rx, sv[1]), 0);
	}
	for (i = 0; i < sizeof(body) - 1; i++) {
		assert_int_equal(write_raw(sv[0], body + i, 1), 0);
		assert_int_equal(ua_frame_rx_feed(&rx, sv[1]),
		    i == sizeof(body) - 2 ? 1 : 0);
	}
	ua_frame_rx_take(&rx, &p, &n);
	assert_int_equal(n, sizeof(body) - 1);
	assert_memory_equal(p, body, n);
	ua_freezero(p, n);
	assert_int_equal(ua_frame_rx_feed(&rx, sv[1]), 0);
	ua_frame_rx_reset(&rx);
	close_pair(sv);
}

static void
test_rx_reads_only_the_current_frame(void **state)
{
	struct ua_frame_rx rx;
	uint8_t *p = NULL;
	size_t n = 0;
	int sv[2];

	(void)state;
	make_pair(sv);
	set_nonblock(sv[1]);
	assert_int_equal(ua_frame_write(sv[0], "ab", 2, 1000), 0);
	assert_int_equal(ua_frame_write(sv[0], "cde", 3, 1000), 0);
	ua_frame_rx_init(&rx, 64);
	assert_int_equal(ua_frame_rx_feed(&rx, sv[1]), 1);
	/* Not taken yet: a second feed must not touch the next frame. */
	assert_int_equal(ua_frame_rx_feed(&rx, sv[1]), 1);
	ua_frame_rx_take(&rx, &p, &n);
	assert_int_equal(n, 2);
	assert_memory_equal(p, "ab", 2);
	ua_freezero(p, n);
	assert_int_equal(ua_frame_rx_feed(&rx, sv[1]), 1);
	ua_frame_rx_take(&rx, &p, &n);
	assert_int_equal(n, 3);
	assert_memory_equal(p, "cde", 3);
	ua_freezero(p, n);
	assert_int_equal(ua_frame_rx_feed(&rx, sv[1]), 0);
	close_pair(sv);
}

static void
test_rx_zero_length_frame_is_complete(void **state)
{
	struct ua_frame_rx rx;
	uint8_t h[4], *p = NULL;
	size_t n = 99;
	int sv[2];

	(void)state;
	make_pair(sv);
	set_nonblock(sv[1]);
	put_hdr(h, 0);
	assert_int_equal(write_raw(sv[0], h, 4), 0);
	ua_frame_rx_init(&rx, 0);
	assert_int_equal(ua_frame_rx_feed(&rx, sv[1]), 1);
	ua_frame_rx_take(&rx, &p, &n);
	assert_non_null(p);
	assert_int_equal(n, 0);
	ua_freezero(p, 1);
	close_pair(sv);
}

static void
test_rx_eof_is_econnreset(void **state)
{
	struct ua_frame_rx rx;
	uint8_t h[4];
	int sv[2];

	(void)state;
	make_pair(sv);
	set_nonblock(sv[1]);
	put_hdr(h, 5);
	assert_int_equal(write_raw(sv[0], h, 3), 0);
	ua_frame_rx_init(&rx, 64);
	assert_int_equal(ua_frame_rx_feed(&rx, sv[1]), 0);
	(void)close(sv[0]);
	sv[0] = -1;
	assert_int_equal(ua_frame_rx_feed(&rx, sv[1]), -ECONNRESET);
	assert_int_equal(rx.hdr_got, 0); /* reset on error */
	assert_int_equal(rx.max, 64);
	close_pair(sv);
}

static void
test_rx_oversize_header_is_emsgsize(void **state)
{
	struct ua_frame_rx rx;
	uint8_t h[4];
	int sv[2];

	(void)state;
	make_pair(sv);
	set_nonblock(sv[1]);
	put_hdr(h, UA_MAX_FRAME + 1);
	assert_int_equal(write_raw(sv[0], h, 4), 0);
	ua_frame_rx_init(&rx, UA_MAX_FRAME);
	assert_int_equal(ua_frame_rx_feed(&rx, sv[1]), -EMSGSIZE);
	assert_null(rx.body);
	close_pair(sv);
}

static void
test_rx_reset_wipes_half_read_frame(void **state)
{
	struct ua_frame_rx rx;
	uint8_t h[4];
	int sv[2];

	(void)state;
	make_pair(sv);
	set_nonblock(sv[1]);
	put_hdr(h, 16);
	assert_int_equal(write_raw(sv[0], h, 4), 0);
	assert_int_equal(write_raw(sv[0], "secret", 6), 0);
	ua_frame_rx_init(&rx, 64);
	assert_int_equal(ua_frame_rx_feed(&rx, sv[1]), 0);
	assert_non_null(rx.body);
	assert_int_equal(rx.got, 6);
	ua_frame_rx_reset(&rx); /* leak checkers catch a missing free */
	assert_null(rx.body);
	assert_int_equal(rx.got, 0);
	assert_int_equal(rx.len, 0);
	assert_int_equal(rx.max, 64);
	ua_frame_rx_reset(&rx);
	ua_frame_rx_reset(NULL);
	close_pair(sv);
}

static void
test_rx_take_before_complete_gives_null(void **state)
{
	struct ua_frame_rx rx;
	uint8_t *p = (uint8_t *)&rx;
	size_t n = 99;

	(void)state;
	ua_frame_rx_init(&rx, 64);
	ua_frame_rx_take(&rx, &p, &n);
	assert_null(p);
	assert_int_equal(n, 0);
	assert_int_equal(ua_frame_rx_feed(&rx, -1), -EBADF);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_then_read_round_trip),
		cmocka_unit_test(test_zero_length_frame_round_trip),
		cmocka_unit_test(test_read_leaves_next_frame_in_socket),
		cmocka_unit_test(
		    test_large_frame_survives_partial_writes_and_reads),
		cmocka_unit_test(
		    test_read_times_out_when_peer_stalls_after_header),
		cmocka_unit_test(test_read_deadline_is_overall_not_per_byte),
		cmocka_unit_test(
		    test_read_rejects_oversize_header_without_reading_body),
		cmocka_unit_test(test_read_eof_before_frame_is_econnreset),
		cmocka_unit_test(test_read_eof_mid_frame_is_econnreset),
		cmocka_unit_test(test_read_rejects_bad_arguments),
		cmocka_unit_test(
		    test_write_to_closed_peer_is_epipe_without_sigpipe),
		cmocka_unit_test(test_write_times_out_when_peer_does_not_read),
		cmocka_unit_test(test_write_rejects_oversize_and_bad_arguments),
		cmocka_unit_test(
		    test_rx_fed_byte_by_byte_completes_on_last_byte),
		cmocka_unit_test(test_rx_reads_only_the_current_frame),
		cmocka_unit_test(test_rx_zero_length_frame_is_complete),
		cmocka_unit_test(test_rx_eof_is_econnreset),
		cmocka_unit_test(test_rx_oversize_header_is_emsgsize),
		cmocka_unit_test(test_rx_reset_wipes_half_read_frame),
		cmocka_unit_test(test_rx_take_before_complete_gives_null),
	};

	return cmocka_run_group_tests_name("frame", tests, group_setup, NULL);
}
