/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for helpers/userauthd/throttle.c and store_throttle.c with a
 * real SQLite store and an injected clock (every call takes "now"): the
 * backoff of each bucket, the hard lock, resets, persistence across a
 * reopen, and the listing.  The figures are the shipped defaults.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/defaults.h"
#include "userauthd/store/store_int.h"
#include "userauthd/store/store_throttle.h"
#include "userauthd/throttle.h"

static const struct throttle_limits defaults = {
	.pair_after = UA_DEFAULT_THROTTLE_PAIR_AFTER,
	.account_after = UA_DEFAULT_THROTTLE_ACCOUNT_AFTER,
	.host_after = UA_DEFAULT_THROTTLE_HOST_AFTER,
	.lock_after = UA_DEFAULT_LOCK_AFTER,
	.max_delay = UA_DEFAULT_THROTTLE_MAX_DELAY,
	.host_window = UA_DEFAULT_THROTTLE_HOST_WINDOW,
};

struct fx {
	char dir[64];
	char db[128];
	struct store *s;
};

static int
setup(void **state)
{
	struct store_err err = { 0 };
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/ua-throttle-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	(void)snprintf(f->db, sizeof(f->db), "%s/userauth.db", f->dir);
	assert_int_equal(store_open(f->db, &f->s, &err), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char p[160];

	store_close(f->s);
	(void)snprintf(p, sizeof(p), "%s-wal", f->db);
	(void)unlink(p);
	(void)snprintf(p, sizeof(p), "%s-shm", f->db);
	(void)unlink(p);
	(void)unlink(f->db);
	assert_int_equal(rmdir(f->dir), 0);
	free(f);
	return 0;
}

static enum throttle_state
state_at(struct fx *f, const struct throttle_limits *l,
    const struct throttle_who *w, int64_t now, int64_t *until)
{
	struct store_err err = { 0 };
	enum throttle_state st = THROTTLE_OPEN;
	int64_t u = -1;

	assert_int_equal(throttle_check(f->s, l, w, now, &st, &u, &err), 0);
	if (until != NULL)
		*until = u;
	return st;
}

static void
fail_at(struct fx *f, const struct throttle_limits *l,
    const struct throttle_who *w, int64_t now)
{
	struct store_err err = { 0 };

	assert_int_equal(throttle_failed(f->s, l, w, now, &err), 0);
}

static void
test_delay_arithmetic(void **state)
{
	(void)state;
	assert_int_equal(throttle_delay(0, 5, 900), 0);
	assert_int_equal(throttle_delay(4, 5, 900), 0);
	assert_int_equal(throttle_delay(5, 5, 900), 1);
	assert_int_equal(throttle_delay(6, 5, 900), 2);
	assert_int_equal(throttle_delay(14, 5, 900), 512);
	assert_int_equal(throttle_delay(15, 5, 900), 900); /* 1024 capped */
	assert_int_equal(throttle_delay(99, 5, 900), 900);
	assert_int_equal(throttle_delay(INT64_MAX, 5, 900), 900);
	assert_int_equal(throttle_delay(20, 20, 900), 1);
	assert_int_equal(throttle_delay(7, 0, 900), 0); /* off */
}

/* S11: per (account, rhost) after 5, while another host still gets in. */
static void
test_pair_backoff_is_per_host(void **state)
{
	struct fx *f = *state;
	struct throttle_who a = { "customer", "u7", "203.0.113.5" };
	struct throttle_who b = { "customer", "u7", "198.51.100.9" };
	int64_t t = 1800000000, until;
	int i;

	for (i = 0; i < 4; i++)
		fail_at(f, &defaults, &a, t);
	assert_int_equal(state_at(f, &defaults, &a, t, NULL), THROTTLE_OPEN);
	fail_at(f, &defaults, &a, t); /* the 5th: 2^0 s */
	assert_int_equal(state_at(f, &defaults, &a, t, &until), THROTTLE_WAIT);
	/* stamped t, it failed in [t, t+1): a full second ends at t + 2 */
	assert_int_equal(until, t + 2);
	assert_int_equal(state_at(f, &defaults, &b, t, NULL), THROTTLE_OPEN);
	assert_int_equal(state_at(f, &defaults, &a, t + 1, NULL),
	    THROTTLE_WAIT);
	assert_int_equal(state_at(f, &defaults, &a, t + 2, NULL),
	    THROTTLE_OPEN);
	fail_at(f, &defaults, &a, t + 2); /* the 6th: 2 s */
	assert_int_equal(state_at(f, &defaults, &a, t + 4, &until),
	    THROTTLE_WAIT);
	assert_int_equal(until, t + 5);
	assert_int_equal(state_at(f, &defaults, &a, t + 5, NULL),
	    THROTTLE_OPEN);
	/* an empty remote host is a bucket of its own */
	b.rhost = "";
	assert_int_equal(state_at(f, &defaults, &b, t + 4, NULL),
	    THROTTLE_OPEN);
}

/* The account bucket waits after 20 failures spread over 20 hosts. */
static void
test_account_backoff_over_hosts(void **state)
{
	struct fx *f = *state;
	struct throttle_who w = { "staff", "u3", NULL };
	char host[32];
	int64_t t = 1800000000, until;
	int i;

	for (i = 0; i < 19; i++) {
		(void)snprintf(host, sizeof(host), "192.0.2.%d", i + 1);
		w.rhost = host;
		fail_at(f, &defaults, &w, t + i);
	}
	w.rhost = "192.0.2.200";
	assert_int_equal(state_at(f, &defaults, &w, t + 19, NULL),
	    THROTTLE_OPEN);
	fail_at(f, &defaults, &w, t + 19); /* 20th, from a fresh host */
	w.rhost = "192.0.2.201";           /* never failed */
	assert_int_equal(state_at(f, &defaults, &w, t + 19, &until),
	    THROTTLE_WAIT);
	assert_int_equal(until, t + 21);
	/* the second after the 20th failure is still waited out */
	assert_int_equal(state_at(f, &defaults, &w, t + 20, NULL),
	    THROTTLE_WAIT);
}

/* A wall clock set back keeps a wait's length and the cap. */
static void
test_clock_set_back_keeps_the_cap(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	struct throttle_who w = { "customer", "u5", "203.0.113.9" };
	int64_t t = 1800000000, back = t - 86400, until;
	int i;

	for (i = 0; i < 40; i++) /* far past the cap */
		fail_at(f, &defaults, &w, t);
	assert_int_equal(state_at(f, &defaults, &w, t, &until), THROTTLE_WAIT);
	assert_int_equal(until, t + defaults.max_delay + 1);
	/* a day back: the wait is the cap from now, not a day plus the cap */
	assert_int_equal(state_at(f, &defaults, &w, back, &until),
	    THROTTLE_WAIT);
	assert_int_equal(until, back + defaults.max_delay + 1);
	/* the refused answer is written back (as the daemon does): from
	 * then on the cap runs out from the new clock */
	assert_int_equal(throttle_touch(f->s, &defaults, &w, back, &err), 0);
	assert_int_equal(
	    state_at(f, &defaults, &w, back + defaults.max_delay, NULL),
	    THROTTLE_WAIT);
	assert_int_equal(
	    state_at(f, &defaults, &w, back + defaults.max_delay + 1, NULL),
	    THROTTLE_OPEN);

	/* a 1 s wait (the 5th failure) stays 1 s after an hour back */
	w.rhost = "203.0.113.10";
	w.account = "u6";
	for (i = 0; i < 5; i++)
		fail_at(f, &defaults, &w, t);
	back = t - 3600;
	assert_int_equal(state_at(f, &defaults, &w, back, &until),
	    THROTTLE_WAIT);
	assert_int_equal(until, back + 2);
	assert_int_equal(throttle_touch(f->s, &defaults, &w, back, &err), 0);
	assert_int_equal(state_at(f, &defaults, &w, back + 1, NULL),
	    THROTTLE_WAIT);
	assert_int_equal(state_at(f, &defaults, &w, back + 2, NULL),
	    THROTTLE_OPEN);
}

/* A charged answer counts for the account's own buckets only; the host's
 * gets the judged failures (a burst of right answers from one address
 * must not throttle it). */
static void
test_charge_leaves_the_host_for_the_verdict(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	struct throttle_who w = { "customer", NULL, "198.51.100.5" };
	char acct[THROTTLE_ACCOUNT_MAX];
	struct store_bucket b;
	int64_t t = 1800000000;
	uint32_t i;

	for (i = 0; i < 3 * defaults.host_after; i++) {
		throttle_account_user(acct, 2000 + i);
		w.account = acct;
		assert_int_equal(state_at(f, &defaults, &w, t, NULL),
		    THROTTLE_OPEN);
		assert_int_equal(throttle_charge(f->s, &defaults, &w, t, &err),
		    0);
	}
	assert_int_equal(store_bucket_get(f->s, "customer", STORE_BUCKET_HOST,
			     "", "198.51.100.5", &b, &err),
	    0);
	assert_int_equal(b.failures, 0);
	assert_int_equal(store_bucket_get(f->s, "customer",
			     STORE_BUCKET_ACCOUNT, acct, "", &b, &err),
	    0);
	assert_int_equal(b.failures, 1);
	/* the judged failures reach the host, and throttle it */
	assert_int_equal(throttle_failed_host(f->s, &defaults, &w, t,
			     defaults.host_after, &err),
	    0);
	throttle_account_user(acct, 9999);
	w.account = acct;
	assert_int_equal(state_at(f, &defaults, &w, t, NULL), THROTTLE_WAIT);
	/* a refund gives the own buckets back, not the host's */
	throttle_account_user(acct, 2000);
	assert_int_equal(throttle_refund(f->s, &defaults, &w, t, 1, &err), 0);
	assert_int_equal(store_bucket_get(f->s, "customer",
			     STORE_BUCKET_ACCOUNT, acct, "", &b, &err),
	    0);
	assert_int_equal(b.failures, 0);
	assert_int_equal(store_bucket_get(f->s, "customer", STORE_BUCKET_HOST,
			     "", "198.51.100.5", &b, &err),
	    0);
	assert_int_equal(b.failures, (int64_t)defaults.host_after);
}

/* Spraying: one host, many accounts, one failure each. */
static void
test_host_backoff_across_accounts(void **state)
{
	struct fx *f = *state;
	struct throttle_who w = { "customer", NULL, "203.0.113.66" };
	char acct[THROTTLE_ACCOUNT_MAX];
	int64_t t = 1800000000;
	uint32_t i;

	for (i = 0; i < defaults.host_after; i++) {
		throttle_account_user(acct, 1000 + i);
		w.account = acct;
		assert_int_equal(state_at(f, &defaults, &w, t, NULL),
		    THROTTLE_OPEN);
		fail_at(f, &defaults, &w, t);
	}
	throttle_account_user(acct, 5000); /* an account never tried */
	assert_int_equal(state_at(f, &defaults, &w, t, NULL), THROTTLE_WAIT);
	w.rhost = "203.0.113.67";
	assert_int_equal(state_at(f, &defaults, &w, t, NULL), THROTTLE_OPEN);
	/* failures older than the window lapse: one more starts afresh */
	w.rhost = "203.0.113.66";
	t += defaults.host_window;
	fail_at(f, &defaults, &w, t);
	throttle_account_user(acct, 5001);
	assert_int_equal(state_at(f, &defaults, &w, t, NULL), THROTTLE_OPEN);
}

/* The 100th consecutive failure locks; only a reset (unlock) clears it. */
static void
test_hundredth_failure_locks_and_reset_clears(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	struct throttle_who w = { "staff", "u9", "" };
	int64_t t = 1800000000, n = 0;
	uint32_t i;

	for (i = 0; i < defaults.lock_after - 1; i++) {
		t += defaults.max_delay + 1; /* every wait waited out */
		assert_int_equal(state_at(f, &defaults, &w, t, NULL),
		    THROTTLE_OPEN);
		fail_at(f, &defaults, &w, t);
	}
	t += defaults.max_delay + 1;
	assert_int_equal(state_at(f, &defaults, &w, t, NULL), THROTTLE_OPEN);
	fail_at(f, &defaults, &w, t); /* the 100th */
	assert_int_equal(state_at(f, &defaults, &w, t + 86400 * 365, NULL),
	    THROTTLE_LOCKED);
	assert_int_equal(store_bucket_reset(f->s, "staff", "u9", &n, &err), 0);
	assert_int_equal(n, 2); /* pair and account rows */
	/* the account is open again (the host bucket leaked meanwhile: one
	 * failure per 900 s is far below 50 an hour) */
	assert_int_equal(state_at(f, &defaults, &w, t, NULL), THROTTLE_OPEN);
	w.rhost = "192.0.2.1";
	assert_int_equal(state_at(f, &defaults, &w, t, NULL), THROTTLE_OPEN);
}

/* A success resets the account's own buckets, not the host's. */
static void
test_success_resets_own_buckets_only(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	struct throttle_who w = { "customer", "u1", "203.0.113.1" };
	struct store_bucket b;
	int64_t t = 1800000000;
	int i;

	for (i = 0; i < 6; i++)
		fail_at(f, &defaults, &w, t);
	assert_int_equal(throttle_succeeded(f->s, &w, &err), 0);
	assert_int_equal(state_at(f, &defaults, &w, t, NULL), THROTTLE_OPEN);
	assert_int_equal(store_bucket_get(f->s, "customer", STORE_BUCKET_HOST,
			     "", "203.0.113.1", &b, &err),
	    0);
	assert_int_equal(b.failures, 6);
	assert_int_equal(store_bucket_get(f->s, "customer", STORE_BUCKET_PAIR,
			     "u1", "203.0.113.1", &b, &err),
	    0);
	assert_int_equal(b.failures, 0);
}

/*
 * The gate of one answer: open, it charges the account's own buckets
 * (not the host's); throttled or locked, it counts nothing.
 */
static void
test_admit_charges_when_open_only(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	struct throttle_who w = { "staff", "u7", "192.0.2.7" };
	struct store_bucket b;
	enum throttle_state st = THROTTLE_LOCKED;
	int64_t t = 1800000000;
	uint32_t i;

	assert_int_equal(throttle_admit(f->s, &defaults, &w, t, &st, &err), 0);
	assert_int_equal(st, THROTTLE_OPEN);
	assert_int_equal(store_bucket_get(f->s, "staff", STORE_BUCKET_PAIR,
			     "u7", "192.0.2.7", &b, &err),
	    0);
	assert_int_equal(b.failures, 1);
	assert_int_equal(store_bucket_get(f->s, "staff", STORE_BUCKET_HOST, "",
			     "192.0.2.7", &b, &err),
	    0);
	assert_int_equal(b.failures, 0);
	for (i = 1; i < defaults.pair_after; i++)
		fail_at(f, &defaults, &w, t);
	assert_int_equal(throttle_admit(f->s, &defaults, &w, t, &st, &err), 0);
	assert_int_equal(st, THROTTLE_WAIT);
	assert_int_equal(store_bucket_get(f->s, "staff", STORE_BUCKET_PAIR,
			     "u7", "192.0.2.7", &b, &err),
	    0);
	assert_int_equal(b.failures, (int64_t)defaults.pair_after);
	for (i = defaults.pair_after; i < defaults.lock_after; i++)
		fail_at(f, &defaults, &w, t + 100000 + i);
	assert_int_equal(
	    throttle_admit(f->s, &defaults, &w, t + 200000, &st, &err), 0);
	assert_int_equal(st, THROTTLE_LOCKED);
	assert_int_equal(store_bucket_get(f->s, "staff", STORE_BUCKET_ACCOUNT,
			     "u7", "", &b, &err),
	    0);
	assert_int_equal(b.failures, (int64_t)defaults.lock_after);
}

static int64_t
one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * The buckets' own connection: synchronous = NORMAL there, FULL on the
 * store's; what it writes the store reads; and it is a connection of its
 * own (a write transaction held on the store's makes it wait, then fail
 * closed).
 */
static void
test_side_connection(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	struct throttle_who w = { "staff", "u8", "192.0.2.8" };

	assert_int_equal(store_open_side(f->s, &err), 0);
	assert_non_null(f->s->side);
	assert_int_equal(one_int(f->s->db, "PRAGMA synchronous"), 2);
	assert_int_equal(one_int(f->s->side->db, "PRAGMA synchronous"), 1);
	fail_at(f, &defaults, &w, 1800000000);
	assert_int_equal(one_int(f->s->db,
			     "SELECT failures FROM throttle WHERE account = "
			     "'u8' AND kind = 'pair'"),
	    1);
	store_set_busy_ms(f->s, 20);
	assert_int_equal(
	    sqlite3_exec(f->s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(throttle_failed(f->s, &defaults, &w, 1800000001, &err),
	    -EBUSY);
	assert_int_equal(sqlite3_exec(f->s->db, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	fail_at(f, &defaults, &w, 1800000002);
	assert_int_equal(one_int(f->s->db,
			     "SELECT failures FROM throttle WHERE account = "
			     "'u8' AND kind = 'pair'"),
	    2);
}

/* Counters are rows of the store: a restart resets nothing. */
static void
test_counters_survive_reopen(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	struct throttle_who w = { "customer", "iab12", "203.0.113.2" };
	int64_t t = 1800000000;
	int i;

	for (i = 0; i < 5; i++)
		fail_at(f, &defaults, &w, t);
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(store_open(f->db, &f->s, &err), 0);
	assert_int_equal(state_at(f, &defaults, &w, t, NULL), THROTTLE_WAIT);
}

/* Pools are separate; the listing names the buckets and the lock. */
static void
test_pools_apart_and_listing(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	struct throttle_limits l = defaults;
	struct throttle_who w = { "staff", "ideadbeef", "192.0.2.7" };
	json_t *arr = NULL, *o;
	size_t i;
	int64_t t = 1800000000;
	bool locked = false;

	l.lock_after = 3;
	for (i = 0; i < 3; i++)
		fail_at(f, &l, &w, t);
	assert_int_equal(state_at(f, &l, &w, t, NULL), THROTTLE_LOCKED);
	w.pool = "customer";
	assert_int_equal(state_at(f, &l, &w, t, NULL), THROTTLE_OPEN);
	assert_int_equal(store_throttle_list(f->s, "staff", &arr, &err), 0);
	assert_int_equal(json_array_size(arr), 3);
	json_array_foreach(arr, i, o)
	{
		assert_string_equal(
		    json_string_value(json_object_get(o, "pool")), "staff");
		assert_int_equal(
		    json_integer_value(json_object_get(o, "failures")), 3);
		if (strcmp(json_string_value(json_object_get(o, "kind")),
			"account") == 0) {
			locked = true;
			assert_string_equal(
			    json_string_value(json_object_get(o, "kind")),
			    "account");
			assert_string_equal(
			    json_string_value(json_object_get(o, "account")),
			    "unknown:deadbeef");
		}
	}
	assert_true(locked);
	json_decref(arr);
}

static void
test_account_keys(void **state)
{
	char a[THROTTLE_ACCOUNT_MAX];
	uint8_t mac[32];

	(void)state;
	throttle_account_user(a, 200001);
	assert_string_equal(a, "u200001");
	memset(mac, 0xab, sizeof(mac));
	mac[0] = 0x01;
	throttle_account_ident(a, mac, sizeof(mac));
	assert_int_equal(strlen(a), 65);
	assert_memory_equal(a, "i01abab", 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delay_arithmetic),
		cmocka_unit_test(test_account_keys),
		cmocka_unit_test_setup_teardown(test_pair_backoff_is_per_host,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_account_backoff_over_hosts,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_host_backoff_across_accounts, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_clock_set_back_keeps_the_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_charge_leaves_the_host_for_the_verdict, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_hundredth_failure_locks_and_reset_clears, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_success_resets_own_buckets_only, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_admit_charges_when_open_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_side_connection, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_counters_survive_reopen,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_pools_apart_and_listing,
		    setup, teardown),
	};

	return cmocka_run_group_tests_name("throttle", tests, NULL, NULL);
}
