/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the mail sender's schedule (helpers/userauthd/mail/mailq.c)
 * with injected clocks: rows due at once when first seen, retries timed on
 * the monotonic clock whatever the wall clock does, expiry on both clocks,
 * the backoff and its cap; a fault met at every tick logged at most once
 * a minute (mailq_quiet).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "userauthd/mail/mailq.h"

#define W0 1767225600000LL /* wall ms: 2026-01-01 00:00:00 UTC */
#define M0 5000000LL       /* mono ms: some time after boot */
#define MARGIN 10000       /* UA_MAIL_EXPIRY_MARGIN */
#define HOUR 3600000LL
#define MID_RND 200u /* mailq_backoff_ms: exactly 100% */

static struct mailq_clock
at(int64_t wall, int64_t mono)
{
	return (struct mailq_clock){ .wall = wall, .mono = mono };
}

/* A row queued at W0 for a code valid life seconds, seen at now. */
static struct mailq_entry *
seen(struct mailq *q, int64_t id, int64_t life, struct mailq_clock now)
{
	assert_int_equal(
	    mailq_see(q, id, W0 / 1000, W0 / 1000 + life, MARGIN, now), 1);
	return mailq_find(q, id);
}

static void
test_new_row_is_due_at_once(void **state)
{
	struct mailq q = { 0 };

	(void)state;
	/* Whatever its next_attempt says (the schedule never reads it). */
	seen(&q, 7, 180, at(W0 + 5000, M0));
	assert_non_null(mailq_due(&q, at(W0 + 5000, M0)));
	assert_int_equal(mailq_due(&q, at(W0 + 5000, M0))->id, 7);
	assert_int_equal(mailq_wait_ms(&q, 1000, at(W0 + 5000, M0)), 0);
	assert_int_equal(mailq_see(&q, 7, W0 / 1000, W0 / 1000 + 180, MARGIN,
			     at(W0 + 6000, M0 + 1000)),
	    0);
	mailq_free(&q);
}

static void
test_retry_keeps_to_monotonic_when_wall_steps_back(void **state)
{
	struct mailq q = { 0 };
	struct mailq_entry *e;

	(void)state;
	e = seen(&q, 1, 180, at(W0, M0));
	e->busy = true;
	mailq_retry(e, 1, 30000, MID_RND, at(W0 + 100, M0 + 100));
	assert_false(e->busy);
	assert_null(mailq_due(&q, at(W0 + 200, M0 + 200)));
	/* The wall clock goes back an hour; 1 s passes. */
	assert_non_null(mailq_due(&q, at(W0 - HOUR + 1100, M0 + 1100)));
	assert_false(mailq_expired(e, MARGIN, at(W0 - HOUR + 1100, M0 + 1100)));
	/* And the wait never follows the wall clock either. */
	assert_int_equal(mailq_wait_ms(&q, 1000, at(W0 - HOUR, M0 + 600)), 500);
	mailq_free(&q);
}

static void
test_backward_step_does_not_revive_an_expired_code(void **state)
{
	struct mailq q = { 0 };
	struct mailq_entry *e;

	(void)state;
	e = seen(&q, 1, 180, at(W0, M0));
	/* 170 s later on the monotonic clock, the wall clock an hour back. */
	assert_false(
	    mailq_expired(e, MARGIN, at(W0 - HOUR + 169000, M0 + 169000)));
	assert_true(
	    mailq_expired(e, MARGIN, at(W0 - HOUR + 170000, M0 + 170000)));
	mailq_free(&q);
}

static void
test_forward_step_expires_by_the_wall_clock(void **state)
{
	struct mailq q = { 0 };
	struct mailq_entry *e;

	(void)state;
	e = seen(&q, 1, 180, at(W0, M0));
	assert_false(mailq_expired(e, MARGIN, at(W0 + 169999, M0 + 1000)));
	assert_true(mailq_expired(e, MARGIN, at(W0 + HOUR, M0 + 1000)));
	mailq_free(&q);
}

static void
test_first_sight_after_a_step_gets_at_most_the_life(void **state)
{
	struct mailq q = { 0 };
	struct mailq_entry *e;

	(void)state;
	/* Queued at W0; the process first sees it with the wall an hour
	 * back: the wall says 3780 s are left, the code only ever had 180. */
	e = seen(&q, 1, 180, at(W0 - HOUR, M0));
	assert_int_equal(e->last, M0 + 180000 - MARGIN);
	assert_true(
	    mailq_expired(e, MARGIN, at(W0 - HOUR + 170000, M0 + 170000)));
	mailq_free(&q);
}

static void
test_retry_is_capped_at_the_deadline(void **state)
{
	struct mailq q = { 0 };
	struct mailq_entry *e;

	(void)state;
	e = seen(&q, 1, 30, at(W0, M0));
	/* 19.5 s in: a 16 s backoff would pass expiry - 10 s. */
	mailq_retry(e, 5, 30000, MID_RND, at(W0 + 19500, M0 + 19500));
	assert_int_equal(e->due, M0 + 20000);
	assert_true(mailq_expired(e, MARGIN, at(W0 + 20000, M0 + 20000)));
	mailq_free(&q);
}

static void
test_backoff_doubles_to_the_cap_with_jitter(void **state)
{
	(void)state;
	assert_int_equal(mailq_backoff_ms(1, 30000, MID_RND), 1000);
	assert_int_equal(mailq_backoff_ms(2, 30000, MID_RND), 2000);
	assert_int_equal(mailq_backoff_ms(5, 30000, MID_RND), 16000);
	assert_int_equal(mailq_backoff_ms(6, 30000, MID_RND), 30000);
	assert_int_equal(mailq_backoff_ms(99, 30000, MID_RND), 30000);
	/* +-20%, never above the cap. */
	assert_int_equal(mailq_backoff_ms(1, 30000, 0), 800);
	assert_int_equal(mailq_backoff_ms(1, 30000, 400), 1200);
	assert_int_equal(mailq_backoff_ms(9, 30000, 0), 24000);
	assert_int_equal(mailq_backoff_ms(9, 30000, 400), 30000);
	assert_int_equal(mailq_backoff_ms(3, 1000, 400), 1000);
}

static void
test_due_order_skips_busy_and_future_rows(void **state)
{
	struct mailq q = { 0 };
	struct mailq_clock now = at(W0, M0);

	(void)state;
	seen(&q, 3, 180, now);
	seen(&q, 2, 180, now);
	seen(&q, 9, 180, now);
	mailq_find(&q, 2)->busy = true;
	mailq_find(&q, 3)->due = M0 + 5000;
	assert_int_equal(mailq_due(&q, now)->id, 9);
	mailq_find(&q, 9)->busy = true;
	assert_null(mailq_due(&q, now));
	assert_int_equal(mailq_wait_ms(&q, 10000, now), 5000);
	mailq_flush(&q, now);
	assert_int_equal(mailq_due(&q, now)->id, 3);
	mailq_free(&q);
}

static void
test_sweep_forgets_rows_gone_unless_busy(void **state)
{
	struct mailq q = { 0 };
	struct mailq_clock now = at(W0, M0);

	(void)state;
	seen(&q, 1, 180, now);
	seen(&q, 2, 180, now);
	seen(&q, 3, 180, now);
	mailq_find(&q, 2)->busy = true;
	mailq_mark(&q);
	assert_int_equal(
	    mailq_see(&q, 3, W0 / 1000, W0 / 1000 + 180, MARGIN, now), 0);
	mailq_sweep(&q);
	assert_null(mailq_find(&q, 1));
	assert_non_null(mailq_find(&q, 2));
	assert_non_null(mailq_find(&q, 3));
	mailq_drop(&q, 3);
	mailq_drop(&q, 42);
	assert_int_equal(q.n, 1);
	mailq_free(&q);
}

static void
test_clock_moved_reports_a_step(void **state)
{
	struct mailq q = { 0 };

	(void)state;
	assert_int_equal(mailq_clock_moved(&q, at(W0, M0)), 0);
	assert_int_equal(mailq_clock_moved(&q, at(W0 + 1000, M0 + 1000)), 0);
	assert_int_equal(mailq_clock_moved(&q, at(W0 - HOUR + 2000, M0 + 2000)),
	    -HOUR);
	mailq_free(&q);
}

static void
test_see_stops_at_the_cap(void **state)
{
	struct mailq q = { 0 };
	int64_t i;

	(void)state;
	for (i = 1; i <= MAILQ_MAX; i++)
		assert_int_equal(mailq_see(&q, i, W0 / 1000, W0 / 1000 + 180,
				     MARGIN, at(W0, M0)),
		    1);
	assert_int_equal(
	    mailq_see(&q, i, W0 / 1000, W0 / 1000 + 180, MARGIN, at(W0, M0)),
	    -ENOSPC);
	mailq_free(&q);
}

/*
 * The queue unreadable at every one-second tick (a damaged database): the
 * first fault is logged, then none for a minute on the monotonic clock
 * (a wall clock step changes nothing), then one with the 59 held back;
 * the first good read ends it, once, with the count; a new fault after
 * that is logged at once.
 */
static void
test_quiet_logs_a_lasting_fault_once_a_minute(void **state)
{
	struct mailq_quiet qt = { 0 };
	unsigned held = 99, faults = 99, logged = 0;
	int64_t t;

	(void)state;
	assert_false(mailq_quiet_ok(&qt, &faults));
	assert_int_equal(faults, 99);
	assert_true(mailq_quiet_fail(&qt, at(W0, M0), &held));
	assert_int_equal(held, 0);
	for (t = 1; t < 60; t++)
		if (mailq_quiet_fail(&qt, at(W0 - HOUR, M0 + t * 1000), &held))
			logged++;
	assert_int_equal(logged, 0);
	assert_true(mailq_quiet_fail(&qt, at(W0, M0 + 60000), &held));
	assert_int_equal(held, 59);
	assert_false(mailq_quiet_fail(&qt, at(W0, M0 + 61000), &held));
	assert_true(mailq_quiet_ok(&qt, &faults));
	assert_int_equal(faults, 62);
	assert_false(mailq_quiet_ok(&qt, &faults));
	assert_true(mailq_quiet_fail(&qt, at(W0, M0 + 62000), &held));
	assert_int_equal(held, 0);
	assert_int_equal(qt.faults, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_row_is_due_at_once),
		cmocka_unit_test(
		    test_retry_keeps_to_monotonic_when_wall_steps_back),
		cmocka_unit_test(
		    test_backward_step_does_not_revive_an_expired_code),
		cmocka_unit_test(test_forward_step_expires_by_the_wall_clock),
		cmocka_unit_test(
		    test_first_sight_after_a_step_gets_at_most_the_life),
		cmocka_unit_test(test_retry_is_capped_at_the_deadline),
		cmocka_unit_test(test_backoff_doubles_to_the_cap_with_jitter),
		cmocka_unit_test(test_due_order_skips_busy_and_future_rows),
		cmocka_unit_test(test_sweep_forgets_rows_gone_unless_busy),
		cmocka_unit_test(test_clock_moved_reports_a_step),
		cmocka_unit_test(test_see_stops_at_the_cap),
		cmocka_unit_test(test_quiet_logs_a_lasting_fault_once_a_minute),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
