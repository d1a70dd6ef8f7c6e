/* SPDX-License-Identifier: MIT */
/* Unit tests for one-time codes (helpers/userauthd/otp.c). */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "server/conf.h"
#include "userauthd/keys.h"
#include "userauthd/otp.h"
#include "userauthd/store/store.h"

static const char conf_text[] = "[pool customer]\n"
				"mail_from = signin@example.com\n"
				"uid_min = 200000\n"
				"uid_max = 200099\n"
				"gid_min = 300000\n"
				"gid_max = 300099\n";

struct fx {
	char dir[64];
	char db[128];
	struct ua_conf *conf;
	struct store *s;
	struct keys k;
	struct otp_limits lim;
	int64_t alice;
};

static int
setup(void **state)
{
	struct store_err err = { 0 };
	struct store_user_new u = { .pool = "customer",
		.login = "alice",
		.email = "alice@example.com" };
	char msg[256];
	json_t *o;
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ua-otp-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/userauth.db", f->dir);
	assert_int_equal(ua_conf_parse("t.conf", conf_text, strlen(conf_text),
			     &f->conf, msg, sizeof(msg)),
	    0);
	assert_int_equal(store_open(f->db, &f->s, &err), 0);
	assert_int_equal(store_sync_pools(f->s, f->conf, &err), 0);
	assert_int_equal(store_user_add(f->s, f->conf, &u, &o, &err), 0);
	json_decref(o);
	assert_int_equal(store_user_id(f->s, "alice", &f->alice, &err), 0);
	assert_int_equal(keys_load(f->dir, &f->k), 0);
	f->lim = (struct otp_limits){ .lifetime = 180,
		.tries = 3,
		.per_hour = 5,
		.per_day = 10,
		.cooldown = 0 };
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	store_close(f->s);
	ua_conf_free(f->conf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
ident(const struct fx *f, const char *who, uint8_t out[KEYS_MAC_LEN])
{
	assert_int_equal(keys_mac(&f->k, "ident", who, strlen(who), out), 0);
}

/* Issue for alice at time now; fetch the plaintext code from the queued mail.
 */
static int64_t
issue(struct fx *f, time_t now, char code[OTP_DIGITS + 1])
{
	struct store_err err = { 0 };
	uint8_t id[KEYS_MAC_LEN];
	sqlite3_stmt *st;
	sqlite3 *db;
	int64_t otp = 0;
	bool limited = true;
	const char *body, *p;

	ident(f, "alice", id);
	assert_int_equal(
	    otp_issue(f->s, &f->k, ua_conf_pool(f->conf, "customer"), &f->lim,
		f->alice, "alice@example.com", id, now, &otp, &limited, &err),
	    0);
	assert_false(limited);
	assert_true(otp > 0);
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
			     "SELECT body FROM mail_queue WHERE otp_id = ?1",
			     -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(st, 1, otp);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	body = (const char *)sqlite3_column_text(st, 0);
	p = strstr(body, "\r\n\r\n");
	assert_non_null(p);
	for (; *p; p++)
		if (isdigit((unsigned char)p[0]) &&
		    strspn(p, "0123456789") == OTP_DIGITS)
			break;
	assert_true(*p != '\0');
	memcpy(code, p, OTP_DIGITS);
	code[OTP_DIGITS] = '\0';
	sqlite3_finalize(st);
	sqlite3_close(db);
	return otp;
}

static bool
verify(struct fx *f, int64_t otp, const char *code, time_t now, unsigned *left)
{
	struct store_err err = { 0 };
	unsigned l = 99;
	bool ok = false;

	assert_int_equal(otp_verify(f->s, &f->k, otp, code, now, &ok, &l, &err),
	    0);
	if (left != NULL)
		*left = l;
	return ok;
}

/* A code dies by either clock; a wall clock stepped back revives none. */
static void
test_deadline_on_both_clocks(void **state)
{
	const struct otp_clock at = { .wall = 1000, .mono_ms = 5000 };
	struct otp_clock d = otp_clock_after(&at, 180), now;

	(void)state;
	assert_int_equal(d.wall, 1180);
	assert_int_equal(d.mono_ms, 185000);
	now = (struct otp_clock){ 1179, 184999 };
	assert_false(otp_clock_passed(&d, &now));
	now = (struct otp_clock){ 1180, 100000 }; /* wall jumped ahead */
	assert_true(otp_clock_passed(&d, &now));
	now = (struct otp_clock){ 1181, 185001 };
	assert_true(otp_clock_passed(&d, &now));
	/* 180 s have gone by, but the wall clock was set back an hour. */
	now = (struct otp_clock){ 1180 - 3600, 185000 };
	assert_true(otp_clock_passed(&d, &now));
	/* A deadline never set is passed. */
	d = (struct otp_clock){ 0, 0 };
	now = otp_clock_now();
	assert_true(otp_clock_passed(&d, &now));
	assert_true(now.wall > 0 && now.mono_ms >= 0);
}

static void
test_generate_is_eight_digits_and_unbiased(void **state)
{
	enum { N = 200000 };
	static unsigned counts[OTP_DIGITS][10];
	char code[OTP_DIGITS + 1];
	double chi, e = N / 10.0;
	int i, d;

	(void)state;
	for (i = 0; i < N; i++) {
		assert_int_equal(otp_generate(code), 0);
		assert_int_equal(strlen(code), OTP_DIGITS);
		for (d = 0; d < OTP_DIGITS; d++) {
			assert_true(isdigit((unsigned char)code[d]));
			counts[d][code[d] - '0']++;
		}
	}
	for (d = 0; d < OTP_DIGITS; d++) {
		chi = 0;
		for (i = 0; i < 10; i++)
			chi += (counts[d][i] - e) * (counts[d][i] - e) / e;
		/* 9 degrees of freedom: 40 is p < 1e-5. */
		assert_true(chi < 40.0);
	}
}

static void
test_right_code_once(void **state)
{
	struct fx *f = *state;
	char code[OTP_DIGITS + 1];
	int64_t otp = issue(f, 1000, code);

	assert_true(verify(f, otp, code, 1001, NULL));
	/* Single use. */
	assert_false(verify(f, otp, code, 1002, NULL));
}

static void
test_three_wrong_kill_the_code(void **state)
{
	struct fx *f = *state;
	char code[OTP_DIGITS + 1], wrong[OTP_DIGITS + 1];
	int64_t otp = issue(f, 1000, code);
	unsigned left;

	memcpy(wrong, code, sizeof(wrong));
	wrong[0] = wrong[0] == '9' ? '0' : (char)(wrong[0] + 1);
	assert_false(verify(f, otp, wrong, 1001, &left));
	assert_int_equal(left, 2);
	assert_false(verify(f, otp, wrong, 1001, &left));
	assert_int_equal(left, 1);
	assert_false(verify(f, otp, wrong, 1001, &left));
	assert_int_equal(left, 0);
	assert_false(verify(f, otp, code, 1001, &left));
}

static unsigned
tries_left(struct fx *f, int64_t otp, time_t now)
{
	struct store_err err = { 0 };
	unsigned l = 99;

	assert_int_equal(otp_tries_left(f->s, otp, now, &l, &err), 0);
	return l;
}

/* Which answers are judged as codes: any of 8 bytes, nothing else. */
static void
test_answer_is_code_by_length(void **state)
{
	(void)state;
	assert_true(otp_answer_is_code("01234567"));
	assert_true(otp_answer_is_code("1234567a"));
	assert_true(otp_answer_is_code("\b\n\r\177INCO")); /* sshd's junk */
	assert_false(otp_answer_is_code(""));
	assert_false(otp_answer_is_code("12ab"));
	assert_false(otp_answer_is_code("1234567"));
	assert_false(otp_answer_is_code("123456789"));
	assert_false(otp_answer_is_code("\b\n\r\177"));
}

/* What a code has left, read without spending any. */
static void
test_tries_left_spends_nothing(void **state)
{
	struct fx *f = *state;
	char code[OTP_DIGITS + 1], wrong[OTP_DIGITS + 1];
	int64_t otp = issue(f, 1000, code);

	assert_int_equal(tries_left(f, otp, 1001), 3);
	assert_int_equal(tries_left(f, otp, 1001), 3);
	memcpy(wrong, code, sizeof(wrong));
	wrong[0] = wrong[0] == '9' ? '0' : (char)(wrong[0] + 1);
	assert_false(verify(f, otp, wrong, 1001, NULL));
	assert_int_equal(tries_left(f, otp, 1001), 2);
	assert_int_equal(tries_left(f, otp, 1000 + 180), 0); /* expired */
	assert_int_equal(tries_left(f, 0, 1001), 0);         /* no row */
	assert_int_equal(tries_left(f, otp + 100, 1001), 0);
	otp = issue(f, 2000, code);
	assert_true(verify(f, otp, code, 2001, NULL));
	assert_int_equal(tries_left(f, otp, 2002), 0); /* used */
}

static void
test_expiry(void **state)
{
	struct fx *f = *state;
	char code[OTP_DIGITS + 1];
	int64_t otp = issue(f, 1000, code);

	assert_false(verify(f, otp, code, 1000 + 181, NULL));
	otp = issue(f, 2000, code);
	assert_true(verify(f, otp, code, 2000 + 179, NULL));
}

static void
test_new_code_kills_old(void **state)
{
	struct fx *f = *state;
	char c1[OTP_DIGITS + 1], c2[OTP_DIGITS + 1];
	int64_t o1 = issue(f, 1000, c1);
	int64_t o2 = issue(f, 1001, c2);

	assert_false(verify(f, o1, c1, 1002, NULL));
	assert_true(verify(f, o2, c2, 1002, NULL));
}

static void
test_code_bound_to_its_row(void **state)
{
	struct fx *f = *state;
	char code[OTP_DIGITS + 1];

	(void)issue(f, 1000, code);
	/* No row (a fake, or another session's): never accepted. */
	assert_false(verify(f, 0, code, 1001, NULL));
}

static void
test_only_mac_at_rest(void **state)
{
	struct fx *f = *state;
	char code[OTP_DIGITS + 1];
	sqlite3_stmt *st;
	sqlite3 *db;

	(void)issue(f, 1000, code);
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db,
		"SELECT count(*) FROM otp_codes WHERE "
		"instr(code_mac, ?1) > 0 OR length(code_mac) != 32",
		-1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void
test_limits_apply_to_fakes_alike(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	const struct ua_pool_conf *pc = ua_conf_pool(f->conf, "customer");
	uint8_t real[KEYS_MAC_LEN], fake[KEYS_MAC_LEN];
	int64_t otp;
	bool lr, lf;
	int i;

	ident(f, "alice", real);
	ident(f, "nobody@example.com", fake);
	for (i = 0; i < 6; i++) {
		assert_int_equal(otp_issue(f->s, &f->k, pc, &f->lim, f->alice,
				     "alice@example.com", real, 5000 + i, &otp,
				     &lr, &err),
		    0);
		assert_int_equal(otp_issue(f->s, &f->k, pc, &f->lim, 0,
				     "nobody@example.com", fake, 5000 + i, &otp,
				     &lf, &err),
		    0);
		assert_int_equal(otp, 0);
		assert_int_equal(lr, i >= 5);
		assert_int_equal(lf, lr);
	}
	/* An hour later the hourly budget is back, the daily one counts on. */
	assert_int_equal(otp_issue(f->s, &f->k, pc, &f->lim, f->alice,
			     "alice@example.com", real, 5000 + 3601, &otp, &lr,
			     &err),
	    0);
	assert_false(lr);
	assert_true(otp > 0);
}

static void
test_cooldown(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	const struct ua_pool_conf *pc = ua_conf_pool(f->conf, "customer");
	uint8_t id[KEYS_MAC_LEN];
	int64_t otp;
	bool lim;

	f->lim.cooldown = 30;
	ident(f, "alice", id);
	assert_int_equal(otp_issue(f->s, &f->k, pc, &f->lim, f->alice,
			     "alice@example.com", id, 100, &otp, &lim, &err),
	    0);
	assert_false(lim);
	assert_int_equal(otp_issue(f->s, &f->k, pc, &f->lim, f->alice,
			     "alice@example.com", id, 129, &otp, &lim, &err),
	    0);
	assert_true(lim);
	assert_int_equal(otp, 0);
	assert_int_equal(otp_issue(f->s, &f->k, pc, &f->lim, f->alice,
			     "alice@example.com", id, 131, &otp, &lim, &err),
	    0);
	assert_false(lim);
	/* the wall clock set back 100 s: the codes "to come" leave the
	 * cooldown alone (else none for 100 s) ... */
	assert_int_equal(otp_issue(f->s, &f->k, pc, &f->lim, f->alice,
			     "alice@example.com", id, 131 - 100, &otp, &lim,
			     &err),
	    0);
	assert_false(lim);
	/* ... and the cooldown holds from the new time */
	assert_int_equal(otp_issue(f->s, &f->k, pc, &f->lim, f->alice,
			     "alice@example.com", id, 131 - 100 + 10, &otp,
			     &lim, &err),
	    0);
	assert_true(lim);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deadline_on_both_clocks),
		cmocka_unit_test(test_answer_is_code_by_length),
		cmocka_unit_test(test_generate_is_eight_digits_and_unbiased),
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
		T(test_right_code_once),
		T(test_three_wrong_kill_the_code),
		T(test_tries_left_spends_nothing),
		T(test_expiry),
		T(test_new_code_kills_old),
		T(test_code_bound_to_its_row),
		T(test_only_mac_at_rest),
		T(test_limits_apply_to_fakes_alike),
		T(test_cooldown),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
