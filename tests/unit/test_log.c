/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/server/log.c: ua_log_quote's escaping and
 * truncation, the stderr line format, level filtering, %m from
 * ua_log_errno, and that syslog mode without /dev/log neither blocks nor
 * fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "server/log.h"

static void
test_quote_plain_value(void **state)
{
	char out[32];

	(void)state;
	assert_ptr_equal(ua_log_quote("sam", out, sizeof(out)), out);
	assert_string_equal(out, "'sam'");
	assert_string_equal(ua_log_quote("a b=c", out, sizeof(out)), "'a b=c'");
}

static void
test_quote_escapes_quotes_and_backslashes(void **state)
{
	char out[32];

	(void)state;
	assert_string_equal(ua_log_quote("a'b\\c", out, sizeof(out)),
	    "'a\\'b\\\\c'");
	assert_string_equal(ua_log_quote("'", out, sizeof(out)), "'\\''");
}

static void
test_quote_escapes_non_printables_as_hex(void **state)
{
	char out[64];

	(void)state;
	assert_string_equal(ua_log_quote("a\nb\x1b[0m\x7f", out, sizeof(out)),
	    "'a\\x0ab\\x1b[0m\\x7f'");
	assert_string_equal(ua_log_quote("\t\r", out, sizeof(out)),
	    "'\\x09\\x0d'");
	/* UTF-8 is bytes to the log: no terminal or bidi tricks. */
	assert_string_equal(ua_log_quote("\xc3\xa9", out, sizeof(out)),
	    "'\\xc3\\xa9'");
}

static void
test_quote_null_and_empty(void **state)
{
	char out[8];

	(void)state;
	assert_string_equal(ua_log_quote(NULL, out, sizeof(out)), "''");
	assert_string_equal(ua_log_quote("", out, sizeof(out)), "''");
	assert_string_equal(ua_log_quote("", out, 3), "''");
}

static void
test_quote_exact_fit_is_not_truncated(void **state)
{
	char out[16];

	(void)state;
	/* 'abc' + NUL = 6 bytes. */
	assert_string_equal(ua_log_quote("abc", out, 6), "'abc'");
	assert_string_equal(ua_log_quote("a\n", out, 8), "'a\\x0a'");
}

static void
test_quote_truncates_visibly_within_outsz(void **state)
{
	char out[64];
	size_t sz;

	(void)state;
	memset(out, 'Z', sizeof(out));
	assert_string_equal(ua_log_quote("abcdef", out, 8), "'ab'...");
	assert_int_equal(out[8], 'Z');
	assert_string_equal(ua_log_quote("abc", out, 5), "");
	assert_string_equal(ua_log_quote("abcdef", out, 6), "''...");
	/* Never half an escape, whatever the size. */
	for (sz = 6; sz < 20; sz++) {
		ua_log_quote("\n\n\n\n\n", out, sz);
		assert_true(strlen(out) < sz);
		assert_non_null(strstr(out, "'..."));
		assert_int_equal((strlen(out) - 5) % 4, 0);
	}
}

static void
test_quote_zero_size_writes_nothing(void **state)
{
	char out[4] = "xyz";

	(void)state;
	assert_ptr_equal(ua_log_quote("a", out, 0), out);
	assert_string_equal(out, "xyz");
	assert_string_equal(ua_log_quote("a", out, 1), "");
}

/* Run fn with stderr on a pipe; returns what it wrote (static). */
static const char *
capture(void (*fn)(void))
{
	static char got[4096];
	int p[2], saved;
	ssize_t n;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(p[1], STDERR_FILENO) >= 0);
	fn();
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	(void)close(saved);
	(void)close(p[1]);
	n = read(p[0], got, sizeof(got) - 1);
	(void)close(p[0]);
	got[n > 0 ? n : 0] = '\0';
	return got;
}

static void
log_hello(void)
{
	ua_log_open("tlog", true);
	ua_log_set_level(LOG_INFO);
	ua_log(LOG_ERR, "hello %s", "world");
}

static void
test_stderr_line_has_ident_pid_and_level(void **state)
{
	char want[64];

	(void)state;
	(void)snprintf(want, sizeof(want), "tlog[%d]: error: hello world\n",
	    (int)getpid());
	assert_string_equal(capture(log_hello), want);
}

/* Run fn with stderr on one end of a stream socketpair (as the journal
 * connects it) and JOURNAL_STREAM naming it, or naming something else. */
static const char *
capture_journal(void (*fn)(void), bool matching)
{
	static char got[4096];
	char env[64];
	struct stat st;
	int sp[2], saved;
	ssize_t n;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp),
	    0);
	assert_int_equal(fstat(sp[0], &st), 0);
	(void)snprintf(env, sizeof(env), "%llu:%llu",
	    (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino + (matching ? 0 : 1));
	assert_int_equal(setenv("JOURNAL_STREAM", env, 1), 0);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(sp[0], STDERR_FILENO) >= 0);
	fn();
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	(void)close(saved);
	(void)close(sp[0]);
	n = recv(sp[1], got, sizeof(got) - 1, MSG_DONTWAIT);
	(void)close(sp[1]);
	(void)unsetenv("JOURNAL_STREAM");
	ua_log_open("tlog", true);
	got[n > 0 ? n : 0] = '\0';
	return got;
}

static void
log_two(void)
{
	ua_log_open("tlog", true);
	ua_log_set_level(LOG_INFO);
	ua_log(LOG_ERR, "hello %s", "world");
	ua_log(LOG_NOTICE, "event=x");
}

static void
test_journal_stream_gets_priority_prefix(void **state)
{
	(void)state;
	assert_string_equal(capture_journal(log_two, true),
	    "<3>hello world\n<5>event=x\n");
}

static void
test_other_stream_keeps_the_plain_line(void **state)
{
	char want[128];

	(void)state;
	(void)snprintf(want, sizeof(want),
	    "tlog[%d]: error: hello world\ntlog[%d]: notice: event=x\n",
	    (int)getpid(), (int)getpid());
	assert_string_equal(capture_journal(log_two, false), want);
}

static void
test_malformed_journal_stream_is_ignored(void **state)
{
	char want[64];

	(void)state;
	assert_int_equal(setenv("JOURNAL_STREAM", "12:x", 1), 0);
	(void)snprintf(want, sizeof(want), "tlog[%d]: error: hello world\n",
	    (int)getpid());
	assert_string_equal(capture(log_hello), want);
	assert_int_equal(setenv("JOURNAL_STREAM", ":", 1), 0);
	assert_string_equal(capture(log_hello), want);
	(void)unsetenv("JOURNAL_STREAM");
}

static void
log_filtered(void)
{
	ua_log_open("tlog", true);
	ua_log_set_level(LOG_NOTICE);
	ua_log(LOG_INFO, "dropped");
	ua_log(LOG_DEBUG, "dropped");
	ua_log(LOG_NOTICE, "kept");
	ua_log_set_level(LOG_INFO);
}

static void
test_level_filter_drops_lower_priorities(void **state)
{
	const char *got;

	(void)state;
	got = capture(log_filtered);
	assert_null(strstr(got, "dropped"));
	assert_non_null(strstr(got, "notice: kept\n"));
}

static void
log_forged(void)
{
	ua_log_open("tlog", true);
	ua_log(LOG_WARNING, "user=%s", "x\ntlog[1]: error: forged\x1b[2J");
}

static void
test_control_bytes_cannot_forge_lines(void **state)
{
	const char *got;

	(void)state;
	got = capture(log_forged);
	assert_non_null(strstr(got, "user=x?tlog[1]: error: forged?[2J\n"));
	assert_ptr_equal(strchr(got, '\n'), got + strlen(got) - 1);
}

static int errno_ret, errno_after;

static void
log_errno(void)
{
	ua_log_open("tlog", true);
	errno = EINTR;
	errno_ret = ua_log_errno(LOG_ERR, -ENOENT, "open '%s': %m", "/x");
	errno_after = errno;
}

static void
test_log_errno_sets_m_and_returns_r(void **state)
{
	const char *got;

	(void)state;
	got = capture(log_errno);
	assert_int_equal(errno_ret, -ENOENT);
	/* The caller's errno survives. */
	assert_int_equal(errno_after, EINTR);
	assert_non_null(
	    strstr(got, "error: open '/x': No such file or directory\n"));
}

static void
log_long(void)
{
	char big[5000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ua_log_open("tlog", true);
	ua_log(LOG_INFO, "%s", big);
}

static void
test_long_message_is_cut_and_marked(void **state)
{
	const char *got;

	(void)state;
	got = capture(log_long);
	assert_true(strlen(got) < 2200);
	assert_non_null(strstr(got, "aaa...\n"));
}

static void
test_stderr_socket_is_written_without_blocking(void **state)
{
	char buf[256];
	int sv[2], saved;
	ssize_t n;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
	    0);
	saved = dup(STDERR_FILENO);
	assert_true(dup2(sv[0], STDERR_FILENO) >= 0);
	ua_log_open("tlog", true);
	ua_log(LOG_NOTICE, "via socket");
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	(void)close(saved);
	n = recv(sv[1], buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "notice: via socket\n"));
	(void)close(sv[0]);
	(void)close(sv[1]);
}

static void
test_syslog_without_dev_log_is_quick_and_harmless(void **state)
{
	struct timespec a, b;
	int i;

	(void)state;
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &a), 0);
	ua_log_open("tlog", false);
	for (i = 0; i < 1000; i++)
		ua_log(LOG_INFO, "event=test n=%d", i);
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &b), 0);
	/* Wherever /dev/log is absent, full or slow, this stays fast. */
	assert_true(b.tv_sec - a.tv_sec < 2);
	ua_log_open("tlog", true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_plain_value),
		cmocka_unit_test(test_quote_escapes_quotes_and_backslashes),
		cmocka_unit_test(test_quote_escapes_non_printables_as_hex),
		cmocka_unit_test(test_quote_null_and_empty),
		cmocka_unit_test(test_quote_exact_fit_is_not_truncated),
		cmocka_unit_test(test_quote_truncates_visibly_within_outsz),
		cmocka_unit_test(test_quote_zero_size_writes_nothing),
		cmocka_unit_test(test_stderr_line_has_ident_pid_and_level),
		cmocka_unit_test(test_journal_stream_gets_priority_prefix),
		cmocka_unit_test(test_other_stream_keeps_the_plain_line),
		cmocka_unit_test(test_malformed_journal_stream_is_ignored),
		cmocka_unit_test(test_level_filter_drops_lower_priorities),
		cmocka_unit_test(test_control_bytes_cannot_forge_lines),
		cmocka_unit_test(test_log_errno_sets_m_and_returns_r),
		cmocka_unit_test(test_long_message_is_cut_and_marked),
		cmocka_unit_test(
		    test_stderr_socket_is_written_without_blocking),
		cmocka_unit_test(
		    test_syslog_without_dev_log_is_quick_and_harmless),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
