/* SPDX-License-Identifier: MIT */
/*
 * Allocation failures inside the daemon's libraries, at every point in
 * turn.  SQLite's allocator is replaced (SQLITE_CONFIG_MALLOC) with one
 * that fails every allocation from the Nth of a call on; for N = 0, 1, 2
 * ... until the call needs fewer: no transaction is left open on the
 * connection (it would hold the write lock: every later write of the
 * daemon busy, or in it and lost), a write reported done is there, one
 * reported failed is not, and the next call works.  OpenSSL's allocator
 * likewise (CRYPTO_set_mem_functions): a share of a keyed MAC's
 * allocations fail, and once they stop the MACs come right again.  And
 * jansson's parser (ua_json_parse), its mallocs failing from the Nth on
 * (malloc wrapped at link time): -ENOMEM, never a crash.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

#include "server/conf.h"
#include "server/json_frame.h"
#include "userauthd/keys.h"
#include "userauthd/store/store_int.h"
#include "userauthd/throttle.h"

/* ---- failing allocators -------------------------------------------------- */

static sqlite3_mem_methods real_mem;
static long fail_from = -1; /* allocations of a call before they fail */
static long allocs;         /* so far in this call */
static long failed;         /* failures handed out in this call */

static int
take(void)
{
	if (fail_from < 0 || allocs++ < fail_from)
		return 1;
	failed++;
	return 0;
}

static void *
x_malloc(int n)
{
	return take() ? real_mem.xMalloc(n) : NULL;
}

static void *
x_realloc(void *p, int n)
{
	return take() ? real_mem.xRealloc(p, n) : NULL;
}

/* SQLite's allocations fail from the nth of the call on (-1: none). */
static void
fail_sqlite_from(long n)
{
	fail_from = n;
	allocs = failed = 0;
}

/* OpenSSL's: a fixed share, from a fixed seed (0: none). */
static unsigned ossl_share; /* in 1/100 */
static uint32_t ossl_seed = 2463534242u;
static long ossl_failed;

static int
ossl_take(void)
{
	if (ossl_share == 0)
		return 1;
	ossl_seed ^= ossl_seed << 13;
	ossl_seed ^= ossl_seed >> 17;
	ossl_seed ^= ossl_seed << 5;
	if (ossl_seed % 100 >= ossl_share)
		return 1;
	ossl_failed++;
	return 0;
}

static void *
ossl_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return ossl_take() ? malloc(n) : NULL;
}

static void *
ossl_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return ossl_take() ? realloc(p, n) : NULL;
}

static void
ossl_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

/* malloc as this program's own objects call it (-Wl,--wrap=malloc) */
void *__real_malloc(size_t n);
void *__wrap_malloc(size_t n);
static long libc_fail_from = -1, libc_allocs, libc_failed;

void *
__wrap_malloc(size_t n)
{
	if (libc_fail_from >= 0 && libc_allocs++ >= libc_fail_from) {
		libc_failed++;
		return NULL;
	}
	return __real_malloc(n);
}

/* ---- the store ----------------------------------------------------------- */

static const char conf_text[] = "[defaults]\n"
				"shell = /bin/sh\n"
				"[pool customer]\n"
				"first_factors = password\n"
				"uid_min = 200000\n"
				"uid_max = 200999\n"
				"gid_min = 300000\n"
				"gid_max = 300999\n";

struct fx {
	char dir[64];
	char db[128];
	struct ua_conf *conf;
	struct store *s;
};

static int
setup(void **state)
{
	struct store_err err = { 0 };
	struct fx *f = calloc(1, sizeof(*f));
	char msg[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ua-nomem-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/userauth.db", f->dir);
	assert_int_equal(ua_conf_parse("test.conf", conf_text,
			     strlen(conf_text), &f->conf, msg, sizeof(msg)),
	    0);
	assert_int_equal(store_open(f->db, &f->s, &err), 0);
	assert_int_equal(store_open_side(f->s, &err), 0);
	assert_int_equal(store_sync_pools(f->s, f->conf, &err), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	fail_sqlite_from(-1);
	store_close(f->s);
	ua_conf_free(f->conf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* No transaction open on either connection, and the write lock is free. */
static void
assert_settled(const struct fx *f, long n)
{
	sqlite3 *other;

	if (!sqlite3_get_autocommit(f->s->db) ||
	    !sqlite3_get_autocommit(f->s->side->db) ||
	    sqlite3_txn_state(f->s->db, NULL) != SQLITE_TXN_NONE ||
	    sqlite3_txn_state(f->s->side->db, NULL) != SQLITE_TXN_NONE)
		fail_msg("a transaction left open after failing from "
			 "allocation %ld (main %d, side %d)",
		    n, sqlite3_txn_state(f->s->db, NULL),
		    sqlite3_txn_state(f->s->side->db, NULL));
	assert_int_equal(sqlite3_open(f->db, &other), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(other, "BEGIN IMMEDIATE; ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(other);
}

static int64_t
count(const struct fx *f, const char *sql)
{
	sqlite3_stmt *st;
	int64_t n;

	assert_int_equal(sqlite3_prepare_v2(f->s->db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/*
 * A user add failing at each allocation in turn: never a transaction
 * left open; added when it says so, not when it says it failed (an
 * error at COMMIT may go either way: it says the outcome is unknown).
 */
static void
test_user_add_fails_at_every_allocation(void **state)
{
	struct fx *f = *state;
	long n, added = 0;
	char login[32], sql[96];

	for (n = 0;; n++) {
		struct store_err err = { 0 };
		struct store_user_new u = { .pool = "customer",
			.login = login,
			.email = "x@example.com" };
		json_t *o = NULL;
		int r;

		snprintf(login, sizeof(login), "u%ld", n);
		fail_sqlite_from(n);
		r = store_user_add(f->s, f->conf, &u, &o, &err);
		fail_sqlite_from(-1);
		json_decref(o);
		assert_settled(f, n);
		snprintf(sql, sizeof(sql),
		    "SELECT count(*) FROM users WHERE login = '%s'", login);
		if (r == 0)
			assert_int_equal(count(f, sql), 1);
		else if (strstr(err.msg, "unknown") == NULL)
			assert_int_equal(count(f, sql), 0);
		added += r == 0;
		if (r == 0 && failed == 0)
			break;
		assert_true(n < 100000);
	}
	/* the sweep reached the end: every point was tried */
	print_message("a user add: %ld allocation points\n", n);
	assert_true(n > 10);
	assert_true(added >= 1);
}

/* A throttle gate (the side connection) failing at each point. */
static void
test_throttle_gate_fails_at_every_allocation(void **state)
{
	struct fx *f = *state;
	const struct throttle_limits l = { .pair_after = 100,
		.account_after = 1000,
		.host_after = 100000,
		.max_delay = 900,
		.host_window = 3600 };
	const struct throttle_who who = { "customer", "u:200000", "192.0.2.1" };
	long n;

	for (n = 0;; n++) {
		struct store_err err = { 0 };
		enum throttle_state st;
		int r;

		fail_sqlite_from(n);
		r = throttle_admit(f->s, &l, &who, 1000000 + n, &st, &err);
		fail_sqlite_from(-1);
		assert_settled(f, n);
		if (r == 0 && failed == 0)
			break;
		assert_true(n < 100000);
	}
	print_message("a throttle gate: %ld allocation points\n", n);
	assert_true(n > 5);
}

/* The NSS snapshot (a read transaction) failing at each point. */
static void
test_snapshot_fails_at_every_allocation(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	struct store_user_new u = { .pool = "customer",
		.login = "bea",
		.email = "bea@example.com" };
	json_t *o = NULL;
	long n;

	assert_int_equal(store_user_add(f->s, f->conf, &u, &o, &err), 0);
	json_decref(o);
	for (n = 0;; n++) {
		struct store_nss snap = { 0 };
		int r;

		fail_sqlite_from(n);
		r = store_nss_snapshot(f->s, &snap, &err);
		fail_sqlite_from(-1);
		if (r == 0)
			store_nss_free(&snap);
		assert_settled(f, n);
		/* and the next one works */
		assert_int_equal(store_nss_snapshot(f->s, &snap, &err), 0);
		store_nss_free(&snap);
		if (r == 0 && failed == 0)
			break;
		assert_true(n < 100000);
	}
	print_message("an NSS snapshot: %ld allocation points\n", n);
	assert_true(n > 5);
}

/*
 * A fifth of OpenSSL's allocations fail over 200 keyed MACs: some fail;
 * once the allocations stop failing, the MAC comes right (and is the
 * same as before).  OpenSSL 3.0, left to build its algorithms at the
 * first fetch, kept "unsupported" for the life of the process after a
 * fetch that ran short (keys_crypto_init, called first, builds them).
 */
static void
test_keyed_mac_comes_back_after_a_shortage(void **state)
{
	/* HMAC-SHA-256(32 bytes of 0x5a, "ident\0bea"), as keys_mac makes it */
	static const uint8_t want[KEYS_MAC_LEN] = { 0xad, 0x43, 0xa8, 0x43,
		0x02, 0xbd, 0xf0, 0x53, 0x4f, 0x46, 0xd2, 0xe5, 0xe6, 0xef,
		0x17, 0xee, 0xb9, 0xae, 0x04, 0x47, 0xe7, 0x74, 0x43, 0x96,
		0xfa, 0xe4, 0x07, 0xca, 0x8a, 0x99, 0xed, 0x99 };
	struct keys k;
	uint8_t out[KEYS_MAC_LEN];
	int i, bad = 0;

	(void)state;
	memset(k.key, 0x5a, sizeof(k.key));
	ossl_share = 20;
	for (i = 0; i < 200; i++)
		bad += keys_mac(&k, "ident", "bea", 3, out) < 0;
	ossl_share = 0;
	assert_true(ossl_failed > 0);
	assert_true(bad > 0);
	for (i = 0; i < 5; i++) {
		memset(out, 0, sizeof(out));
		assert_int_equal(keys_mac(&k, "ident", "bea", 3, out), 0);
		assert_memory_equal(out, want, sizeof(out));
	}
}

/*
 * An admin request parsed with jansson's allocations failing from the
 * Nth on: out of memory, or parsed, never a crash (jansson 2.14 asserts
 * or reads past its token buffer when a token's save fails unguarded);
 * and the next parse works.
 */
static void
test_parse_fails_at_every_allocation(void **state)
{
	static const char req[] =
	    "{\"v\":1,\"op\":\"user.add\",\"pool\":\"customer\","
	    "\"login\":\"u7\",\"email\":\"a-rather-long-address@example.com\","
	    "\"display_name\":\"A display name longer than sixteen\","
	    "\"n\":12345678901234567,\"groups\":[\"staff\",\"wheel\"]}";
	json_t *o;
	long n;
	int r;

	(void)state;
	json_set_alloc_funcs(ua_json_malloc, ua_json_free);
	for (n = 0;; n++) {
		o = NULL;
		libc_fail_from = n;
		libc_allocs = libc_failed = 0;
		r = ua_json_parse(req, strlen(req), &o);
		libc_fail_from = -1;
		if (r == 0)
			json_decref(o);
		else
			assert_int_equal(r, -ENOMEM);
		o = NULL;
		assert_int_equal(ua_json_parse(req, strlen(req), &o), 0);
		assert_string_equal(
		    json_string_value(json_object_get(o, "display_name")),
		    "A display name longer than sixteen");
		json_decref(o);
		if (r == 0 && libc_failed == 0)
			break;
		assert_true(n < 100000);
	}
	print_message("an admin request's parse: %ld allocation points\n", n);
	assert_true(n > 5);
	json_set_alloc_funcs(malloc, free);
}

/*
 * The same for a Cognito answer, an array inside an object, through
 * ua_json_loadb (cognito_api.c, cognito_sync.c): out of memory or parsed,
 * never a crash, and the next parse works.
 */
static void
test_cognito_answer_parse_fails_at_every_allocation(void **state)
{
	static const char ans[] =
	    "{\"Users\":[{\"Username\":\"a-user-with-a-long-name\","
	    "\"Attributes\":[{\"Name\":\"email\",\"Value\":"
	    "\"someone@example.com\"}]}],\"PaginationToken\":\"tok-0123456\"}";
	json_t *o;
	long n;
	int r;

	(void)state;
	json_set_alloc_funcs(ua_json_malloc, ua_json_free);
	for (n = 0;; n++) {
		o = NULL;
		libc_fail_from = n;
		libc_allocs = libc_failed = 0;
		r = ua_json_loadb(ans, strlen(ans), JSON_REJECT_DUPLICATES, &o);
		libc_fail_from = -1;
		if (r == 0)
			json_decref(o);
		else {
			assert_int_equal(r, -ENOMEM);
			assert_null(o);
		}
		o = NULL;
		assert_int_equal(
		    ua_json_loadb(ans, strlen(ans), JSON_REJECT_DUPLICATES, &o),
		    0);
		assert_string_equal(
		    json_string_value(json_object_get(o, "PaginationToken")),
		    "tok-0123456");
		json_decref(o);
		if (r == 0 && libc_failed == 0)
			break;
		assert_true(n < 100000);
	}
	assert_true(n > 5);
	assert_int_equal(ua_json_loadb("[1,", 3, 0, &o), -EBADMSG);
}

int
main(void)
{
	static sqlite3_mem_methods mine;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_user_add_fails_at_every_allocation, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_throttle_gate_fails_at_every_allocation, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_snapshot_fails_at_every_allocation, setup, teardown),
		cmocka_unit_test(test_keyed_mac_comes_back_after_a_shortage),
		cmocka_unit_test(test_parse_fails_at_every_allocation),
		cmocka_unit_test(
		    test_cognito_answer_parse_fails_at_every_allocation),
	};

	/* both before the library's first allocation */
	if (CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free) != 1)
		return 99;
	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_mem) != SQLITE_OK)
		return 99;
	mine = real_mem;
	mine.xMalloc = x_malloc;
	mine.xRealloc = x_realloc;
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &mine) != SQLITE_OK)
		return 99;
	if (keys_crypto_init() < 0)
		return 99;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
