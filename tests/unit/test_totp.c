/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for TOTP (helpers/userauthd/totp.c, store_mfa.c,
 * common/server/qr.c): RFC 6238 vectors, the +-1 window, replay and older-step
 * refusal, the otpauth URI, config rules and the stored step.  Times are
 * explicit: the daemon has no clock override.
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

#include "server/conf.h"
#include "userauthd/hostname.h"
#include "server/qr.h"
#include "userauthd/recovery.h"
#include "userauthd/store/store.h"
#include "userauthd/store/store_mfa.h"
#include "userauthd/totp.h"

static const uint8_t rfc_key[20] = "12345678901234567890";
static const struct totp_params sha1_8 = { 8, 30, UA_TOTP_SHA1 };
static const struct totp_params sha1_6 = { 6, 30, UA_TOTP_SHA1 };

/* RFC 6238 appendix B, SHA-1 column. */
static void
test_rfc6238_sha1_vectors(void **state)
{
	static const struct {
		time_t t;
		const char *code;
	} v[] = {
		{ 59, "94287082" },
		{ 1111111109, "07081804" },
		{ 1111111111, "14050471" },
		{ 1234567890, "89005924" },
		{ 2000000000, "69279037" },
		{ 20000000000, "65353130" },
	};
	char out[16];
	int64_t step;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(
		    totp_code(rfc_key, 20, &sha1_8, v[i].t, out, sizeof(out)),
		    0);
		assert_string_equal(out, v[i].code);
		assert_int_equal(totp_verify(rfc_key, 20, &sha1_8, v[i].t,
				     v[i].code, -1, &step),
		    0);
		assert_int_equal(step, (int64_t)(v[i].t / 30));
	}
	/* 6 digits are the last 6 of the 8. */
	assert_int_equal(totp_code(rfc_key, 20, &sha1_6, 59, out, sizeof(out)),
	    0);
	assert_string_equal(out, "287082");
}

static void
test_window(void **state)
{
	const time_t now = 1234567890;
	char c[16];
	int64_t step = 0;
	int d;

	(void)state;
	for (d = -2; d <= 2; d++) {
		assert_int_equal(
		    totp_code(rfc_key, 20, &sha1_6, now + d * 30, c, sizeof(c)),
		    0);
		if (d >= -1 && d <= 1) {
			assert_int_equal(totp_verify(rfc_key, 20, &sha1_6, now,
					     c, -1, &step),
			    0);
			assert_int_equal(step, now / 30 + d);
		} else
			assert_int_equal(totp_verify(rfc_key, 20, &sha1_6, now,
					     c, -1, &step),
			    -EACCES);
	}
}

static void
test_replay_and_older_step_refused(void **state)
{
	const time_t now = 1700000000;
	char cur[16], prev[16];
	int64_t step = 0, step2 = 0;

	(void)state;
	assert_int_equal(totp_code(rfc_key, 20, &sha1_6, now, cur, sizeof(cur)),
	    0);
	assert_int_equal(
	    totp_code(rfc_key, 20, &sha1_6, now - 30, prev, sizeof(prev)), 0);
	assert_int_equal(totp_verify(rfc_key, 20, &sha1_6, now, cur, -1, &step),
	    0);
	/* The same code again: refused. */
	assert_int_equal(
	    totp_verify(rfc_key, 20, &sha1_6, now + 5, cur, step, &step2),
	    -EACCES);
	/* T-1 after T was accepted: refused although inside the window. */
	assert_int_equal(
	    totp_verify(rfc_key, 20, &sha1_6, now, prev, step, &step2),
	    -EACCES);
	/* The next step is fine. */
	assert_int_equal(
	    totp_code(rfc_key, 20, &sha1_6, now + 30, cur, sizeof(cur)), 0);
	assert_int_equal(
	    totp_verify(rfc_key, 20, &sha1_6, now + 30, cur, step, &step2), 0);
	assert_int_equal(step2, step + 1);
}

static void
test_malformed_codes(void **state)
{
	int64_t step;

	(void)state;
	assert_int_equal(
	    totp_verify(rfc_key, 20, &sha1_6, 59, "28708", -1, &step), -EINVAL);
	assert_int_equal(
	    totp_verify(rfc_key, 20, &sha1_6, 59, "2870822", -1, &step),
	    -EINVAL);
	assert_int_equal(
	    totp_verify(rfc_key, 20, &sha1_6, 59, "28708a", -1, &step),
	    -EINVAL);
	assert_int_equal(totp_verify(rfc_key, 20, &sha1_6, 59, "", -1, &step),
	    -EINVAL);
}

static void
test_other_algorithms(void **state)
{
	static const uint8_t k32[32] = "12345678901234567890123456789012";
	struct totp_params p = { 8, 30, UA_TOTP_SHA256 };
	char out[16];

	(void)state;
	/* RFC 6238 appendix B, SHA-256 (its 32-byte key). */
	assert_int_equal(totp_code(k32, 32, &p, 59, out, sizeof(out)), 0);
	assert_string_equal(out, "46119246");
}

static void
test_secret_base32_uri(void **state)
{
	uint8_t a[TOTP_SECRET_LEN], b[TOTP_SECRET_LEN];
	char b32[TOTP_BASE32_MAX], *uri;
	struct totp_params p = { 8, 60, UA_TOTP_SHA512 };

	(void)state;
	assert_int_equal(totp_base32(rfc_key, 20, b32, sizeof(b32)), 0);
	assert_string_equal(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	assert_int_equal(totp_base32(rfc_key, 20, b32, 32), -ENOSPC);
	assert_int_equal(totp_new_secret(a), 0);
	assert_int_equal(totp_new_secret(b), 0);
	assert_memory_not_equal(a, b, TOTP_SECRET_LEN);
	uri = totp_uri("staff pool", "ann@example.com", "ABC", &p);
	assert_non_null(uri);
	assert_string_equal(uri,
	    "otpauth://totp/staff%20pool:ann@example.com"
	    "?secret=ABC&issuer=staff%20pool&algorithm="
	    "SHA512&digits=8&period=60");
	free(uri);
}

/* The host name: the kernel's, printable, never empty. */
static void
test_hostname(void **state)
{
	char want[256] = "";
	const char *h = hostname_get();
	size_t i;

	(void)state;
	assert_true(h[0] != '\0');
	for (i = 0; h[i] != '\0'; i++)
		assert_true(h[i] > ' ' && h[i] <= '~');
	if (gethostname(want, sizeof(want) - 1) == 0 && want[0] != '\0')
		assert_string_equal(h, want);
}

/* The shape of a recovery code answer, and a set's text. */
static void
test_recovery_shape(void **state)
{
	static const struct keys k = { { 1, 2, 3 } };
	struct recovery_codes rc, rc2;
	char norm[RECOVERY_LEN + 1], *text;
	uint8_t mac[KEYS_MAC_LEN];
	size_t i;

	(void)state;
	assert_true(recovery_answer("abcde-fg234", norm));
	assert_string_equal(norm, "abcdefg234");
	assert_true(recovery_answer(" ABCDE FG234 ", norm));
	assert_string_equal(norm, "abcdefg234");
	assert_false(recovery_answer("123456", norm)); /* a TOTP */
	assert_false(recovery_answer("12345678", norm));
	assert_false(recovery_answer("unjudged", norm));
	assert_false(recovery_answer("abcde-fg23", norm));   /* short */
	assert_false(recovery_answer("abcde-fg2345", norm)); /* long */
	assert_false(recovery_answer("abcde-fg180", norm));  /* 1, 0, 8 */
	assert_false(recovery_answer("", norm));
	assert_int_equal(recovery_new(&k, 7, &rc), 0);
	assert_int_equal(recovery_new(&k, 7, &rc2), 0);
	for (i = 0; i < RECOVERY_COUNT; i++) {
		assert_int_equal(strlen(rc.shown[i]), RECOVERY_LEN + 1);
		assert_int_equal(rc.shown[i][5], '-');
		assert_true(recovery_answer(rc.shown[i], norm));
		assert_int_equal(recovery_mac(&k, 7, norm, mac), 0);
		assert_memory_equal(mac, rc.mac[i], KEYS_MAC_LEN);
		/* bound to the user */
		assert_int_equal(recovery_mac(&k, 8, norm, mac), 0);
		assert_memory_not_equal(mac, rc.mac[i], KEYS_MAC_LEN);
	}
	assert_string_not_equal(rc.shown[0], rc2.shown[0]);
	text = recovery_text(&rc);
	assert_non_null(text);
	for (i = 0; i < RECOVERY_COUNT; i++)
		assert_non_null(strstr(text, rc.shown[i]));
	assert_non_null(strstr(text, "Recovery codes"));
	free(text);
	recovery_forget_shown(&rc);
	assert_int_equal(rc.shown[0][0], '\0');
	recovery_clear(&rc);
	recovery_clear(&rc2);
	assert_int_equal(recovery_new(NULL, 7, &rc), -EIO);
}

static void
test_qr(void **state)
{
	char *q = ua_qr_render("otpauth://totp/staff:ann@example.com?secret="
			       "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=staff");
	char *nl;
	size_t lines = 0;

	(void)state;
	assert_non_null(q);
	/* Quiet zone: the first line is all full blocks. */
	nl = strchr(q, '\n');
	assert_non_null(nl);
	assert_int_equal(strncmp(q, "\u2588\u2588\u2588", 9), 0);
	for (nl = q; (nl = strchr(nl, '\n')) != NULL; nl++)
		lines++;
	assert_true(lines >= 12 && lines <= 40);
	assert_true(strlen(q) < 8192); /* fits a protocol value */
	free(q);
}

static void
test_conf_rules(void **state)
{
	static const char *const good =
	    "[pool staff]\nfirst_factors = password\nmfa = required\n"
	    "totp_digits = 8\ntotp_algorithm = sha256\ntotp_period = 60\n"
	    "mfa_enrol_at_login = yes\ntotp_issuer = Example Ops\n";
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ "[pool staff]\nmfa = required\n",
		    "t.conf:2: [pool staff]: "
		    "mfa = required cannot be combined with email_otp" },
		{ "[defaults]\nmfa = required\n[pool staff]\n", "t.conf:2:" },
		{ "[pool s]\nfirst_factors = password\nmfa = always\n",
		    "t.conf:3: bad value" },
		{ "[pool s]\ntotp_digits = 7\n",
		    "t.conf:2: [pool s]: "
		    "totp_digits must be 6 or 8" },
		{ "[pool s]\ntotp_digits = 9\n", "t.conf:2: bad value" },
		{ "[pool s]\ntotp_period = 10\n", "t.conf:2: bad value" },
		{ "[pool s]\ntotp_period = 121\n", "t.conf:2: bad value" },
		{ "[pool s]\ntotp_algorithm = md5\n", "t.conf:2: bad value" },
		{ "[pool s]\nmfa_enrol_at_login = maybe\n",
		    "t.conf:2: bad value" },
		{ "[pool s]\ntotp_issuer = Example: Ops\n",
		    "t.conf:2: "
		    "[pool s]: totp_issuer may not contain ':'" },
		{ "[defaults]\ntotp_issuer = a:b\n[pool s]\n", "t.conf:2: " },
	};
	struct ua_conf *c = NULL;
	const struct ua_pool_conf *p;
	char msg[256];
	size_t i;

	(void)state;
	/* The default first_factors mail codes: a sender is required. */
	assert_int_equal(ua_conf_parse("t.conf",
			     "[pool x]\nmail_from = x@example.com\n", 35, &c,
			     msg, sizeof(msg)),
	    0);
	p = ua_conf_pool(c, "x");
	assert_int_equal(p->mfa, UA_MFA_OFF);
	assert_int_equal(p->totp_digits, 6);
	assert_int_equal(p->totp_period, 30);
	assert_int_equal(p->totp_algorithm, UA_TOTP_SHA1);
	assert_false(p->mfa_enrol_at_login);
	/* no totp_issuer: the host name, never the pool's name */
	assert_string_equal(totp_issuer(p), hostname_get());
	assert_string_not_equal(totp_issuer(p), "x");
	ua_conf_free(c);
	assert_int_equal(
	    ua_conf_parse("t.conf", good, strlen(good), &c, msg, sizeof(msg)),
	    0);
	p = ua_conf_pool(c, "staff");
	assert_int_equal(p->mfa, UA_MFA_REQUIRED);
	assert_int_equal(p->totp_digits, 8);
	assert_int_equal(p->totp_period, 60);
	assert_int_equal(p->totp_algorithm, UA_TOTP_SHA256);
	assert_true(p->mfa_enrol_at_login);
	assert_string_equal(totp_issuer(p), "Example Ops");
	ua_conf_free(c);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = NULL;
		assert_int_equal(ua_conf_parse("t.conf", bad[i].text,
				     strlen(bad[i].text), &c, msg, sizeof(msg)),
		    -EINVAL);
		assert_null(c);
		if (strncmp(msg, bad[i].msg, strlen(bad[i].msg)) != 0)
			fail_msg("case %zu: got '%s'", i, msg);
	}
}

static void
test_store_steps(void **state)
{
	static const char conf_text[] = "[pool staff]\n"
					"first_factors = password\n"
					"mfa = required\n";
	struct store_user_new u = { .pool = "staff",
		.login = "ann",
		.email = "ann@example.com" };
	struct store_err err = { 0 };
	struct ua_conf *conf = NULL;
	struct store *s = NULL;
	struct store_mfa m;
	char dir[64], db[128], msg[256], cmd[128];
	uint8_t sec[TOTP_SECRET_LEN], sec2[TOTP_SECRET_LEN];
	int64_t id;
	json_t *o;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ua-totp-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/userauth.db", dir);
	assert_int_equal(ua_conf_parse("t.conf", conf_text, strlen(conf_text),
			     &conf, msg, sizeof(msg)),
	    0);
	assert_int_equal(store_open(db, &s, &err), 0);
	assert_int_equal(store_sync_pools(s, conf, &err), 0);
	assert_int_equal(store_user_add(s, conf, &u, &o, &err), 0);
	json_decref(o);
	assert_int_equal(store_user_id(s, "ann", &id, &err), 0);
	assert_int_equal(store_mfa_load(s, 0, "ann@example.com", &m, &err), 0);
	assert_false(m.enrolled);
	assert_false(m.pending);
	assert_string_equal(m.pool, "staff");
	/* No active secret: no step is ever accepted. */
	assert_int_equal(store_mfa_accept_step(s, id, 5, &err), -EALREADY);
	assert_int_equal(totp_new_secret(sec), 0);
	assert_int_equal(store_mfa_set_pending(s, id, sec, 1, NULL, &err), 0);
	assert_int_equal(store_mfa_load(s, id, NULL, &m, &err), 0);
	assert_true(m.pending);
	assert_false(m.enrolled);
	assert_memory_equal(m.pending_secret, sec, TOTP_SECRET_LEN);
	assert_int_equal(store_mfa_activate(s, id, sec, 100, &err), 0);
	assert_int_equal(store_mfa_load(s, id, NULL, &m, &err), 0);
	assert_true(m.enrolled);
	assert_false(m.pending);
	assert_int_equal(m.last_step, 100);
	assert_int_equal(store_mfa_accept_step(s, id, 100, &err), -EALREADY);
	assert_int_equal(store_mfa_accept_step(s, id, 99, &err), -EALREADY);
	assert_int_equal(store_mfa_accept_step(s, id, 101, &err), 0);
	assert_int_equal(store_mfa_accept_step(s, id, 101, &err), -EALREADY);
	assert_int_equal(store_mfa_reset(s, id, &err), 0);
	assert_int_equal(store_mfa_load(s, id, NULL, &m, &err), 0);
	assert_false(m.enrolled);
	assert_int_equal(m.last_step, -1);
	/* Enrolment at login: only where no key is active, never over one. */
	assert_int_equal(store_mfa_activate_new(s, id, sec, 7, NULL, 1, &err),
	    0);
	assert_int_equal(store_mfa_load(s, id, NULL, &m, &err), 0);
	assert_true(m.enrolled);
	assert_memory_equal(m.secret, sec, TOTP_SECRET_LEN);
	assert_int_equal(m.last_step, 7);
	assert_int_equal(totp_new_secret(sec2), 0);
	assert_int_equal(store_mfa_set_pending(s, id, sec2, 1, NULL, &err), 0);
	assert_int_equal(store_mfa_activate_new(s, id, sec2, 9, NULL, 1, &err),
	    -EEXIST);
	assert_int_equal(store_mfa_load(s, id, NULL, &m, &err), 0);
	assert_memory_equal(m.secret, sec, TOTP_SECRET_LEN);
	assert_int_equal(m.last_step, 7);
	assert_true(m.pending); /* untouched too */
	store_mfa_clear(&m);
	store_close(s);
	ua_conf_free(conf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Spend the code shown as text: *ok, and the call's result. */
static int
use(struct store *s, const struct keys *k, int64_t id, const char *text,
    bool *ok)
{
	struct store_err err = { 0 };
	char norm[RECOVERY_LEN + 1];
	uint8_t mac[KEYS_MAC_LEN];

	assert_true(recovery_answer(text, norm));
	assert_int_equal(recovery_mac(k, id, norm, mac), 0);
	return store_mfa_recovery_use(s, id, mac, ok, &err);
}

static unsigned
left(struct store *s, int64_t id)
{
	struct store_err err = { 0 };
	struct store_mfa m;
	unsigned n;

	assert_int_equal(store_mfa_load(s, id, NULL, &m, &err), 0);
	n = m.recovery_left;
	store_mfa_clear(&m);
	return n;
}

/*
 * Recovery codes in the store: stored with an enrolment (at login or
 * pending), each spent once, void when replaced or reset, per user.
 */
static void
test_recovery_store(void **state)
{
	static const char conf_text[] = "[pool staff]\n"
					"first_factors = password\n"
					"mfa = required\n";
	static const struct keys k = { { 9, 8, 7 } };
	struct store_user_new u = { .pool = "staff",
		.login = "ann",
		.email = "ann@example.com" };
	struct store_user_new u2 = { .pool = "staff",
		.login = "bea",
		.email = "bea@example.com" };
	struct store_err err = { 0 };
	struct recovery_codes rc, rc2, rcb;
	struct ua_conf *conf = NULL;
	struct store *s = NULL;
	char dir[64], db[128], msg[256], cmd[128];
	uint8_t sec[TOTP_SECRET_LEN];
	int64_t id, id2;
	bool ok;
	json_t *o;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ua-recovery-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/userauth.db", dir);
	assert_int_equal(ua_conf_parse("t.conf", conf_text, strlen(conf_text),
			     &conf, msg, sizeof(msg)),
	    0);
	assert_int_equal(store_open(db, &s, &err), 0);
	assert_int_equal(store_sync_pools(s, conf, &err), 0);
	assert_int_equal(store_user_add(s, conf, &u, &o, &err), 0);
	json_decref(o);
	assert_int_equal(store_user_add(s, conf, &u2, &o, &err), 0);
	json_decref(o);
	assert_int_equal(store_user_id(s, "ann", &id, &err), 0);
	assert_int_equal(store_user_id(s, "bea", &id2, &err), 0);
	assert_int_equal(left(s, id), 0);
	/* enrolment at login stores the set with the key */
	assert_int_equal(totp_new_secret(sec), 0);
	assert_int_equal(recovery_new(&k, id, &rc), 0);
	assert_int_equal(store_mfa_activate_new(s, id, sec, 7, &rc, 1, &err),
	    0);
	assert_int_equal(left(s, id), RECOVERY_COUNT);
	/* each code once */
	assert_int_equal(use(s, &k, id, rc.shown[3], &ok), 0);
	assert_true(ok);
	assert_int_equal(left(s, id), RECOVERY_COUNT - 1);
	assert_int_equal(use(s, &k, id, rc.shown[3], &ok), 0);
	assert_false(ok);
	assert_int_equal(use(s, &k, id, "aaaaa-aaaaa", &ok), 0);
	assert_false(ok);
	/* another user's code is not ann's, nor ann's bea's */
	assert_int_equal(recovery_new(&k, id2, &rcb), 0);
	assert_int_equal(store_mfa_recovery_replace(s, id2, &rcb, 1, &err), 0);
	assert_int_equal(use(s, &k, id, rcb.shown[0], &ok), 0);
	assert_false(ok);
	assert_int_equal(use(s, &k, id2, rc.shown[0], &ok), 0);
	assert_false(ok);
	/* a new set voids the old */
	assert_int_equal(recovery_new(&k, id, &rc2), 0);
	assert_int_equal(store_mfa_recovery_replace(s, id, &rc2, 2, &err), 0);
	assert_int_equal(left(s, id), RECOVERY_COUNT);
	assert_int_equal(use(s, &k, id, rc.shown[0], &ok), 0);
	assert_false(ok);
	assert_int_equal(use(s, &k, id, rc2.shown[9], &ok), 0);
	assert_true(ok);
	/* a pending enrolment (mfa enroll) brings its own set */
	assert_int_equal(store_mfa_set_pending(s, id, sec, 3, &rc, &err), 0);
	assert_int_equal(left(s, id), RECOVERY_COUNT);
	assert_int_equal(use(s, &k, id, rc2.shown[0], &ok), 0);
	assert_false(ok);
	assert_int_equal(use(s, &k, id, rc.shown[3], &ok), 0);
	assert_true(ok);
	/* reset drops them; bea's stay */
	assert_int_equal(store_mfa_reset(s, id, &err), 0);
	assert_int_equal(left(s, id), 0);
	assert_int_equal(use(s, &k, id, rc.shown[4], &ok), 0);
	assert_false(ok);
	assert_int_equal(left(s, id2), RECOVERY_COUNT);
	recovery_clear(&rc);
	recovery_clear(&rc2);
	recovery_clear(&rcb);
	store_close(s);
	ua_conf_free(conf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_sha1_vectors),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_replay_and_older_step_refused),
		cmocka_unit_test(test_malformed_codes),
		cmocka_unit_test(test_other_algorithms),
		cmocka_unit_test(test_secret_base32_uri),
		cmocka_unit_test(test_qr),
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_recovery_shape),
		cmocka_unit_test(test_recovery_store),
		cmocka_unit_test(test_conf_rules),
		cmocka_unit_test(test_store_steps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
