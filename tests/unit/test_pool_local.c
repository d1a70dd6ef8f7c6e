/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the local pool backend through the seam
 * (helpers/userauthd/pool/backend.h, pool/local*.c): what the
 * conversation gets back from each call, pending password checks that
 * finish through the worker queue and ->complete, the NSS listing, and
 * the steps after the first factor (new passwords, TOTP, enrolment at
 * login), looking into the login's state (pool/local_int.h) where a test
 * must stand in for time or for another process.
 */
#include <crypt.h>
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "server/conf.h"
#include "userauthd/admin/admin.h"
#include "userauthd/password.h"
#include "userauthd/pool/local.h"
#include "userauthd/pool/local_int.h"
#include "userauthd/pool/pwjob.h"
#include "userauthd/store/store.h"
#include "userauthd/store/store_mfa.h"
#include "userauthd/totp.h"

static const char conf_text[] = "[defaults]\n"
				"shell = /bin/sh\n"
				"mail_from = codes@example.com\n"
				"[pool customer]\n"
				"uid_min = 200000\n"
				"uid_max = 200099\n"
				"gid_min = 300000\n"
				"gid_max = 300099\n"
				"[pool staff]\n"
				"uid_min = 220000\n"
				"uid_max = 220099\n"
				"gid_min = 320000\n"
				"gid_max = 320099\n"
				"first_factors = password\n"
				"mfa = required\n"
				"mfa_enrol_at_login = yes\n"
				"[pool opt]\n"
				"uid_min = 230000\n"
				"uid_max = 230099\n"
				"gid_min = 330000\n"
				"gid_max = 330099\n"
				"first_factors = password\n"
				"mfa = optional\n";

struct fx {
	char dir[64];
	char db[128];
	struct ua_conf *conf;
	struct store *s;
	struct keys k;
	struct workq *wq;
	char *dummy;
	struct pool_backend *be;
	struct pool_login *bl;
	unsigned mails;     /* mail_queued calls */
	char audits[8][96]; /* "event result reason" */
	unsigned naudits;
};

static void
mail_queued(void *arg)
{
	((struct fx *)arg)->mails++;
}

static void
audit(void *arg, const char *event, const char *result, const char *reason)
{
	struct fx *f = arg;

	if (f->naudits < 8)
		snprintf(f->audits[f->naudits++], sizeof(f->audits[0]),
		    "%s %s %s", event, result, reason ? reason : "-");
}

static int
setup(void **state)
{
	struct store_err err = { 0 };
	struct fx *f = calloc(1, sizeof(*f));
	struct pool_local_env env;
	struct pool_conv conv;
	char msg[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ua-pool-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/userauth.db", f->dir);
	assert_int_equal(ua_conf_parse("test.conf", conf_text,
			     strlen(conf_text), &f->conf, msg, sizeof(msg)),
	    0);
	assert_int_equal(store_open(f->db, &f->s, &err), 0);
	assert_int_equal(store_sync_pools(f->s, f->conf, &err), 0);
	assert_int_equal(keys_load(f->dir, &f->k), 0);
	assert_int_equal(workq_start(1, &f->wq), 0);
	assert_int_equal(password_hash("dummy", &f->dummy), 0);
	env = (struct pool_local_env){ .store = f->s,
		.keys = &f->k,
		.wq = f->wq,
		.dummy_hash = f->dummy,
		.mail_queued = mail_queued,
		.mail_arg = f };
	assert_int_equal(pool_local_new(&env, &f->be), 0);
	conv = (struct pool_conv){ .owner = 7, .audit = audit, .arg = f };
	assert_int_equal(f->be->ops->login_new(f->be, &conv, &f->bl), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[256];

	f->be->ops->login_free(f->bl);
	pool_backend_free(f->be);
	workq_stop(f->wq);
	free(f->dummy);
	store_close(f->s);
	ua_conf_free(f->conf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* A user of pool with password pw (NULL: none). */
static void
add_user_to(struct fx *f, const char *pool, const char *login,
    const char *email, const char *pw)
{
	struct store_user_new u = { .pool = pool,
		.login = login,
		.email = email };
	struct store_err err = { 0 };
	json_t *res = NULL;
	char *hash = NULL;

	assert_int_equal(store_user_add(f->s, f->conf, &u, &res, &err), 0);
	json_decref(res);
	if (pw == NULL)
		return;
	assert_int_equal(password_hash(pw, &hash), 0);
	assert_int_equal(store_user_set_password(f->s, login, hash, &res, &err),
	    0);
	json_decref(res);
	free(hash);
}

/* A customer user with password pw (NULL: none). */
static void
add_user(struct fx *f, const char *login, const char *email, const char *pw)
{
	add_user_to(f, "customer", login, email, pw);
}

static void
request_in(struct fx *f, const char *pool, const char *ident,
    enum policy_challenge pref, struct pool_request *rq)
{
	static uint8_t mac[KEYS_MAC_LEN];

	*rq = (struct pool_request){ .pc = ua_conf_pool(f->conf, pool),
		.pool = pool,
		.ident = ident,
		.ident_mac = mac,
		.service = "login",
		.rhost = "",
		.preferred = pref };
}

static void
request(struct fx *f, const char *ident, enum policy_challenge pref,
    struct pool_request *rq)
{
	request_in(f, "customer", ident, pref, rq);
}

/* The one job the worker queue gives back. */
static struct pool_job *
collect(struct fx *f)
{
	struct pollfd p = { .fd = workq_fd(f->wq), .events = POLLIN };
	struct workq_job *j;

	for (;;) {
		j = workq_collect(f->wq);
		if (j != NULL)
			break;
		assert_int_equal(poll(&p, 1, 10000), 1);
	}
	assert_int_equal(j->owner, 7);
	return (struct pool_job *)j;
}

/* account and initiate for login in pool: its first challenge. */
static void
start(struct fx *f, const char *pool, const char *login, struct pool_reply *rp)
{
	struct pool_request rq;

	request_in(f, pool, login, POLICY_NONE, &rq);
	memset(rp, 0, sizeof(*rp));
	assert_int_equal(f->be->ops->account(f->bl, &rq, rp), 0);
	assert_int_equal(rp->status, POOL_OK);
	memset(rp, 0, sizeof(*rp));
	assert_int_equal(f->be->ops->initiate(f->bl, &rq, rp), 0);
}

/* An answer to c that a worker finishes (a password, a new one). */
static void
answer_pending(struct fx *f, const struct ua_pool_conf *pc,
    enum policy_challenge c, const char *answer, struct pool_reply *rp)
{
	memset(rp, 0, sizeof(*rp));
	assert_int_equal(f->be->ops->respond(f->bl, pc, c, answer, rp), 1);
	memset(rp, 0, sizeof(*rp));
	assert_int_equal(f->be->ops->complete(f->bl, pc, collect(f), rp), 0);
}

/* An answer to c that the backend judges at once. */
static void
answer_now(struct fx *f, const struct ua_pool_conf *pc, enum policy_challenge c,
    const char *answer, struct pool_reply *rp)
{
	memset(rp, 0, sizeof(*rp));
	assert_int_equal(f->be->ops->respond(f->bl, pc, c, answer, rp), 0);
}

static int64_t
user_id(struct fx *f, const char *login)
{
	struct store_err err = { 0 };
	int64_t id = 0;

	assert_int_equal(store_user_id(f->s, login, &id, &err), 0);
	return id;
}

/* A fresh active TOTP secret for login, no step used yet. */
static void
enrol(struct fx *f, const char *login, uint8_t secret[TOTP_SECRET_LEN])
{
	struct store_err err = { 0 };

	assert_int_equal(totp_new_secret(secret), 0);
	assert_int_equal(
	    store_mfa_activate(f->s, user_id(f, login), secret, -1, &err), 0);
}

/* The code of secret now, with pc's parameters. */
static void
totp_now(const struct ua_pool_conf *pc, const uint8_t *secret, char out[16])
{
	struct totp_params p;

	totp_params_of(pc, &p);
	assert_int_equal(
	    totp_code(secret, TOTP_SECRET_LEN, &p, time(NULL), out, 16), 0);
}

static void
test_account_reports_unknown_and_found_users(void **state)
{
	struct fx *f = *state;
	struct pool_reply rp = { 0 };
	struct pool_request rq;

	request(f, "nobody", POLICY_NONE, &rq);
	assert_int_equal(f->be->ops->account(f->bl, &rq, &rp), 0);
	assert_int_equal(rp.status, POOL_FAIL);
	assert_string_equal(rp.reason, "unknown");
	add_user(f, "alice", "alice@example.com", "correct horse");
	memset(&rp, 0, sizeof(rp));
	request(f, "ALICE@example.com", POLICY_NONE, &rq);
	assert_int_equal(f->be->ops->account(f->bl, &rq, &rp), 0);
	assert_int_equal(rp.status, POOL_OK);
	assert_string_equal(rp.user.login, "alice");
	assert_int_equal(rp.user.uid, 200000);
	assert_true(rp.user.enabled);
	assert_true(rp.user.has_password);
}

/* PASSWORD: respond pends on a worker; complete gives the verdict. */
static void
test_password_check_pends_until_complete(void **state)
{
	struct fx *f = *state;
	struct pool_reply rp = { 0 };
	struct pool_request rq;
	const struct ua_pool_conf *pc = ua_conf_pool(f->conf, "customer");

	add_user(f, "alice", "alice@example.com", "correct horse");
	request(f, "alice", POLICY_PASSWORD, &rq);
	assert_int_equal(f->be->ops->account(f->bl, &rq, &rp), 0);
	memset(&rp, 0, sizeof(rp));
	assert_int_equal(f->be->ops->initiate(f->bl, &rq, &rp), 0);
	assert_int_equal(rp.status, POOL_CHALLENGE);
	assert_int_equal(rp.challenge, POLICY_PASSWORD);
	memset(&rp, 0, sizeof(rp));
	assert_int_equal(f->be->ops->respond(f->bl, pc, POLICY_PASSWORD,
			     "correct horse", &rp),
	    1);
	assert_int_equal(f->be->ops->complete(f->bl, pc, collect(f), &rp), 0);
	assert_int_equal(rp.verdict.factor, POOL_FACTOR_PASSWORD);
	assert_true(rp.verdict.ok);
	assert_int_equal(rp.status, POOL_OK);
	assert_string_equal(rp.user.login, "alice");
	assert_int_equal(f->mails, 0);
}

/*
 * A check libcrypt cannot make (here: a stored hash it cannot read; in
 * production, out of memory) is no verdict: UNAVAILABLE, not a wrong
 * password that would count against the user.
 */
static void
test_failed_check_is_no_verdict(void **state)
{
	struct fx *f = *state;
	struct pool_reply rp = { 0 };
	struct pool_request rq;
	struct store_err err = { 0 };
	const struct ua_pool_conf *pc = ua_conf_pool(f->conf, "customer");
	json_t *res = NULL;

	add_user(f, "alice", "alice@example.com", NULL);
	assert_int_equal(store_user_set_password(f->s, "alice",
			     "$y$jZZ$not-a-salt$not-a-hash", &res, &err),
	    0);
	json_decref(res);
	request(f, "alice", POLICY_PASSWORD, &rq);
	assert_int_equal(f->be->ops->account(f->bl, &rq, &rp), 0);
	assert_int_equal(f->be->ops->respond(f->bl, pc, POLICY_PASSWORD,
			     "correct horse", &rp),
	    1);
	memset(&rp, 0, sizeof(rp));
	assert_int_equal(f->be->ops->complete(f->bl, pc, collect(f), &rp), 0);
	assert_int_equal(rp.status, POOL_UNAVAILABLE);
	assert_string_equal(rp.reason, "hash_failed");
	assert_int_equal(rp.verdict.factor, POOL_FACTOR_NONE);
	/* a locked hash ("!"/"*") is a plain no */
	assert_int_equal(password_verify("x", "!$y$j9T$abc"), 0);
	assert_int_equal(password_verify("x", "*"), 0);
}

static void
test_wrong_password_fails_before_mfa(void **state)
{
	struct fx *f = *state;
	struct pool_reply rp = { 0 };
	struct pool_request rq;
	const struct ua_pool_conf *pc = ua_conf_pool(f->conf, "customer");

	add_user(f, "alice", "alice@example.com", "correct horse");
	request(f, "alice", POLICY_PASSWORD, &rq);
	assert_int_equal(f->be->ops->account(f->bl, &rq, &rp), 0);
	assert_int_equal(
	    f->be->ops->respond(f->bl, pc, POLICY_PASSWORD, "wrong horse", &rp),
	    1);
	memset(&rp, 0, sizeof(rp));
	assert_int_equal(f->be->ops->complete(f->bl, pc, collect(f), &rp), 0);
	assert_int_equal(rp.verdict.factor, POOL_FACTOR_PASSWORD);
	assert_false(rp.verdict.ok);
	assert_int_equal(rp.status, POOL_FAIL);
	assert_string_equal(rp.reason, "bad_password");
	/* mfa = off: no TOTP would have followed a right one. */
	assert_false(rp.before_mfa);
}

/* Whether a wrong password's FAIL says a TOTP would have been asked. */
static bool
wrong_password_before_mfa(struct fx *f, const char *pool, const char *login)
{
	const struct ua_pool_conf *pc = ua_conf_pool(f->conf, pool);
	struct pool_reply rp;

	start(f, pool, login, &rp);
	assert_int_equal(rp.challenge, POLICY_PASSWORD);
	answer_pending(f, pc, POLICY_PASSWORD, "wrong horse", &rp);
	assert_int_equal(rp.status, POOL_FAIL);
	assert_string_equal(rp.reason, "bad_password");
	return rp.before_mfa;
}

/*
 * mfa = optional: a wrong password of an enrolled user is followed by the
 * TOTP prompt, as a right one is; a user without a key gets none.
 */
static void
test_wrong_password_before_optional_mfa(void **state)
{
	struct fx *f = *state;
	uint8_t secret[TOTP_SECRET_LEN];

	add_user_to(f, "opt", "olga", "olga@example.com", "correct horse");
	add_user_to(f, "opt", "otto", "otto@example.com", "correct horse");
	enrol(f, "olga", secret);
	assert_true(wrong_password_before_mfa(f, "opt", "olga"));
	assert_false(wrong_password_before_mfa(f, "opt", "otto"));
}

/* mfa = required: everyone's wrong password is followed by the TOTP. */
static void
test_wrong_password_before_required_mfa(void **state)
{
	struct fx *f = *state;

	add_user_to(f, "staff", "sam", "sam@example.com", "correct horse");
	assert_true(wrong_password_before_mfa(f, "staff", "sam"));
}

/* A passwordless user gets EMAIL_OTP: a code is queued for mail. */
static void
test_code_is_issued_and_mailed(void **state)
{
	struct fx *f = *state;
	struct pool_reply rp = { 0 };
	struct pool_request rq;

	add_user(f, "bob", "bob@example.net", NULL);
	request(f, "bob", POLICY_NONE, &rq);
	assert_int_equal(f->be->ops->account(f->bl, &rq, &rp), 0);
	assert_false(rp.user.has_password);
	memset(&rp, 0, sizeof(rp));
	assert_int_equal(f->be->ops->initiate(f->bl, &rq, &rp), 0);
	assert_int_equal(rp.status, POOL_CHALLENGE);
	assert_int_equal(rp.challenge, POLICY_EMAIL_OTP);
	assert_string_equal(rp.destination, "b***@e******.net");
	assert_null(rp.info); /* the conversation says "A code was sent" */
	assert_int_equal(f->mails, 1);
	assert_int_equal(f->naudits, 0);
}

/* The code mailed for this login's code row (its queued mail's body). */
static void
mailed_code(struct fx *f, char code[OTP_DIGITS + 1])
{
	const struct local_login *s = (const struct local_login *)f->bl;
	sqlite3_stmt *st;
	sqlite3 *db;
	const char *p;

	assert_true(s->otp_id > 0);
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
			     "SELECT body FROM mail_queue WHERE otp_id = ?1",
			     -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(st, 1, s->otp_id);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	p = strstr((const char *)sqlite3_column_text(st, 0), "\r\n\r\n");
	assert_non_null(p);
	while (*p != '\0' &&
	    !(isdigit((unsigned char)*p) &&
		strspn(p, "0123456789") == OTP_DIGITS))
		p++;
	assert_true(*p != '\0');
	memcpy(code, p, OTP_DIGITS);
	code[OTP_DIGITS] = '\0';
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* The tries the code row has left in the store. */
static int64_t
row_tries(struct fx *f)
{
	const struct local_login *s = (const struct local_login *)f->bl;
	sqlite3_stmt *st;
	sqlite3 *db;
	int64_t n;

	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
			     "SELECT tries_left FROM otp_codes WHERE id = ?1",
			     -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(st, 1, s->otp_id);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* bob (no password) is asked for a mailed code. */
static void
code_login(struct fx *f, struct pool_reply *rp)
{
	add_user(f, "bob", "bob@example.net", NULL);
	start(f, "customer", "bob", rp);
	assert_int_equal(rp->status, POOL_CHALLENGE);
	assert_int_equal(rp->challenge, POLICY_EMAIL_OTP);
}

/* The right code logs in while it lives. */
static void
test_code_logs_in(void **state)
{
	struct fx *f = *state;
	const struct ua_pool_conf *pc = ua_conf_pool(f->conf, "customer");
	char code[OTP_DIGITS + 1];
	struct pool_reply rp;

	code_login(f, &rp);
	mailed_code(f, code);
	answer_now(f, pc, POLICY_EMAIL_OTP, code, &rp);
	assert_int_equal(rp.status, POOL_OK);
	assert_true(rp.verdict.ok);
}

/*
 * A code older than its lifetime on the monotonic clock is dead, though
 * the wall clock (stepped back) says it lives: the right code fails.
 */
static void
test_code_dies_by_monotonic_age(void **state)
{
	struct fx *f = *state;
	const struct ua_pool_conf *pc = ua_conf_pool(f->conf, "customer");
	struct local_login *s = (struct local_login *)f->bl;
	struct otp_clock now = otp_clock_now();
	char code[OTP_DIGITS + 1];
	struct pool_reply rp;

	code_login(f, &rp);
	mailed_code(f, code);
	/* Its lifetime has gone by on CLOCK_MONOTONIC, not on the wall. */
	assert_true(s->code_expires.wall > now.wall + 60);
	s->code_expires.mono_ms = now.mono_ms - 1;
	answer_now(f, pc, POLICY_EMAIL_OTP, code, &rp);
	assert_int_equal(rp.status, POOL_FAIL);
	assert_int_equal(rp.verdict.factor, POOL_FACTOR_EMAIL_OTP);
	assert_false(rp.verdict.ok);
	assert_string_equal(rp.reason, "bad_code");
	/* Not even looked at: the row keeps its tries. */
	assert_int_equal(row_tries(f), pc->otp_tries);
}

/* ... and so is a code past its deadline on the wall clock. */
static void
test_code_dies_by_wall_clock(void **state)
{
	struct fx *f = *state;
	const struct ua_pool_conf *pc = ua_conf_pool(f->conf, "customer");
	struct local_login *s = (struct local_login *)f->bl;
	char code[OTP_DIGITS + 1];
	struct pool_reply rp;

	code_login(f, &rp);
	mailed_code(f, code);
	s->code_expires.wall = otp_clock_now().wall;
	answer_now(f, pc, POLICY_EMAIL_OTP, code, &rp);
	assert_int_equal(rp.status, POOL_FAIL);
	assert_false(rp.verdict.ok);
}

/*
 * An answer that is no code (not 8 bytes) spends no try: asked again
 * with what is left (the same "Wrong code" retry), no verdict, the row's
 * tries unchanged; then the right code still logs in.
 */
static void
test_no_code_answer_spends_no_try(void **state)
{
	struct fx *f = *state;
	const struct ua_pool_conf *pc = ua_conf_pool(f->conf, "customer");
	static const char *const junk[] = { "12ab", "", "1234567", "123456789",
		" 12345678", "unjudge" };
	char code[OTP_DIGITS + 1], wrong[OTP_DIGITS + 1];
	struct pool_reply rp;
	size_t i;

	code_login(f, &rp);
	mailed_code(f, code);
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		answer_now(f, pc, POLICY_EMAIL_OTP, junk[i], &rp);
		assert_int_equal(rp.status, POOL_CHALLENGE);
		assert_int_equal(rp.challenge, POLICY_EMAIL_OTP);
		assert_non_null(rp.retry);
		assert_int_equal(rp.tries_left, pc->otp_tries);
		assert_int_equal(rp.verdict.factor, POOL_FACTOR_NONE);
		assert_int_equal(row_tries(f), pc->otp_tries);
	}
	memcpy(wrong, code, sizeof(wrong));
	wrong[0] = wrong[0] == '9' ? '0' : (char)(wrong[0] + 1);
	answer_now(f, pc, POLICY_EMAIL_OTP, wrong, &rp);
	assert_int_equal(rp.status, POOL_CHALLENGE);
	assert_int_equal(rp.tries_left, pc->otp_tries - 1);
	assert_int_equal(rp.verdict.factor, POOL_FACTOR_EMAIL_OTP);
	answer_now(f, pc, POLICY_EMAIL_OTP, "12ab", &rp);
	assert_int_equal(rp.tries_left, pc->otp_tries - 1);
	assert_int_equal(row_tries(f), pc->otp_tries - 1);
	answer_now(f, pc, POLICY_EMAIL_OTP, code, &rp);
	assert_int_equal(rp.status, POOL_OK);
	assert_true(rp.verdict.ok);
}

/*
 * Any 8 bytes are judged as a code: what sshd sends for a name it does not
 * know (junk of the typed length) must cost what a real user's code does.
 */
static void
test_eight_bytes_are_judged(void **state)
{
	struct fx *f = *state;
	const struct ua_pool_conf *pc = ua_conf_pool(f->conf, "customer");
	struct pool_reply rp;

	code_login(f, &rp);
	answer_now(f, pc, POLICY_EMAIL_OTP, "\b\n\r\177INCO", &rp);
	assert_int_equal(rp.tries_left, pc->otp_tries - 1);
	assert_int_equal(rp.verdict.factor, POOL_FACTOR_EMAIL_OTP);
	answer_now(f, pc, POLICY_EMAIL_OTP, "1234567a", &rp);
	assert_int_equal(rp.tries_left, pc->otp_tries - 2);
	assert_int_equal(row_tries(f), pc->otp_tries - 2);
}

/* The stand-in for an answer refused unjudged spends a try, as a wrong
 * code does (a throttled answer must look like one). */
static void
test_unjudged_answer_spends_a_try(void **state)
{
	struct fx *f = *state;
	const struct ua_pool_conf *pc = ua_conf_pool(f->conf, "customer");
	struct pool_reply rp;

	code_login(f, &rp);
	answer_now(f, pc, POLICY_EMAIL_OTP, POOL_UNJUDGED_ANSWER, &rp);
	assert_int_equal(rp.status, POOL_CHALLENGE);
	assert_int_equal(rp.tries_left, pc->otp_tries - 1);
	assert_int_equal(rp.verdict.factor, POOL_FACTOR_EMAIL_OTP);
	assert_false(rp.verdict.ok);
	assert_int_equal(row_tries(f), pc->otp_tries - 1);
}

/* A dead code (by the clock) fails a non-code answer too. */
static void
test_no_code_answer_to_a_dead_code_fails(void **state)
{
	struct fx *f = *state;
	const struct ua_pool_conf *pc = ua_conf_pool(f->conf, "customer");
	struct local_login *s = (struct local_login *)f->bl;
	struct pool_reply rp;

	code_login(f, &rp);
	s->code_expires.mono_ms = otp_clock_now().mono_ms - 1;
	answer_now(f, pc, POLICY_EMAIL_OTP, "12ab", &rp);
	assert_int_equal(rp.status, POOL_FAIL);
	assert_string_equal(rp.reason, "bad_code");
	assert_int_equal(rp.verdict.factor, POOL_FACTOR_NONE);
}

/* A fake's code counts against the limits; no code, no mail. */
static void
test_count_code_counts_without_mail(void **state)
{
	struct fx *f = *state;
	const struct ua_pool_conf *pc = ua_conf_pool(f->conf, "customer");
	uint8_t mac[KEYS_MAC_LEN] = { 1, 2, 3 };
	bool limited = true;

	assert_int_equal(f->be->ops->count_code(f->be, NULL, pc, mac, &limited),
	    0);
	assert_false(limited);
	/* Within the resend cooldown: limited, like a real identifier. */
	assert_int_equal(f->be->ops->count_code(f->be, NULL, pc, mac, &limited),
	    0);
	assert_true(limited);
	assert_int_equal(f->mails, 0);
}

static void
test_list_is_the_store_snapshot(void **state)
{
	struct fx *f = *state;
	struct store_nss a = { 0 }, b = { 0 };
	struct store_err err = { 0 };
	size_t i;

	add_user(f, "alice", "alice@example.com", "correct horse");
	add_user(f, "bob", "bob@example.net", NULL);
	assert_int_equal(f->be->ops->list(f->be, &a, &err), 0);
	assert_int_equal(store_nss_snapshot(f->s, &b, &err), 0);
	assert_int_equal(a.nusers, 2);
	assert_int_equal(a.nusers, b.nusers);
	assert_int_equal(a.ngroups, b.ngroups);
	for (i = 0; i < a.nusers; i++) {
		assert_string_equal(a.users[i].login, b.users[i].login);
		assert_int_equal(a.users[i].uid, b.users[i].uid);
	}
	store_nss_free(&a);
	store_nss_free(&b);
}

/* A code of secret that is wrong now (the right one, first digit moved). */
static void
totp_wrong(const struct ua_pool_conf *pc, const uint8_t *secret, char out[16])
{
	totp_now(pc, secret, out);
	out[0] = out[0] == '9' ? '0' : (char)(out[0] + 1);
}

/* login's stored hash (a copy, or NULL) and whether a change is due. */
static char *
stored_hash(struct fx *f, const char *pool, const char *login,
    bool *ret_must_change)
{
	struct store_auth_user u = { 0 };
	struct store_err err = { 0 };
	char *h;

	assert_int_equal(store_auth_lookup(f->s, pool, login, &u, &err), 0);
	h = u.hash != NULL ? strdup(u.hash) : NULL;
	*ret_must_change = u.must_change;
	store_auth_user_clear(&u);
	return h;
}

static bool
hash_is(const char *hash, const char *pw)
{
	struct crypt_data cd;
	const char *h;

	memset(&cd, 0, sizeof(cd));
	h = crypt_r(pw, hash, &cd);
	return h != NULL && strcmp(h, hash) == 0;
}

/* Flag login for a new password (userauthctl user reset-password). */
static void
require_change(struct fx *f, const char *login)
{
	struct store_err err = { 0 };
	json_t *res = NULL;

	assert_int_equal(store_user_require_change(f->s, login, &res, &err), 0);
	json_decref(res);
}

/*
 * A staff user (enrolled) with a temporary password: the old password,
 * a new one, then the TOTP.  Returns at the TOTP prompt.
 */
static void
temporary_password_to_totp(struct fx *f, uint8_t secret[TOTP_SECRET_LEN],
    char **ret_old_hash)
{
	const struct ua_pool_conf *pc = ua_conf_pool(f->conf, "staff");
	struct pool_reply rp;
	bool must;

	add_user_to(f, "staff", "sam", "sam@example.com", "Temporary-pw-1");
	enrol(f, "sam", secret);
	require_change(f, "sam");
	*ret_old_hash = stored_hash(f, "staff", "sam", &must);
	assert_non_null(*ret_old_hash);
	assert_true(must);
	start(f, "staff", "sam", &rp);
	answer_pending(f, pc, POLICY_PASSWORD, "Temporary-pw-1", &rp);
	assert_int_equal(rp.status, POOL_CHALLENGE);
	assert_int_equal(rp.challenge, POLICY_NEW_PASSWORD);
	answer_pending(f, pc, POLICY_NEW_PASSWORD, "Chosen-new-pw-42", &rp);
	assert_int_equal(rp.status, POOL_CHALLENGE);
	assert_int_equal(rp.challenge, POLICY_TOTP);
}

/* mfa = required: the new password is not stored before a right TOTP. */
static void
test_new_password_waits_for_the_totp(void **state)
{
	struct fx *f = *state;
	const struct ua_pool_conf *pc = ua_conf_pool(f->conf, "staff");
	struct local_login *s = (struct local_login *)f->bl;
	uint8_t secret[TOTP_SECRET_LEN];
	struct pool_reply rp = { 0 };
	char code[16], *old = NULL, *now;
	unsigned i;
	bool must;

	temporary_password_to_totp(f, secret, &old);
	now = stored_hash(f, "staff", "sam", &must);
	assert_string_equal(now, old);
	assert_true(must);
	free(now);
	for (i = 0; i < 10; i++) {
		totp_wrong(pc, secret, code);
		answer_now(f, pc, POLICY_TOTP, code, &rp);
		if (rp.status != POOL_CHALLENGE)
			break;
	}
	assert_int_equal(rp.status, POOL_FAIL);
	assert_false(rp.verdict.ok);
	now = stored_hash(f, "staff", "sam", &must);
	assert_string_equal(now, old);
	assert_true(hash_is(now, "Temporary-pw-1"));
	assert_false(hash_is(now, "Chosen-new-pw-42"));
	assert_true(must);
	/* The held hash is gone with the failure. */
	assert_int_equal(s->newpw_hash[0], '\0');
	free(now);
	free(old);
}

/* ... and it is stored, the flag cleared, once the TOTP is right. */
static void
test_new_password_stored_after_the_right_totp(void **state)
{
	struct fx *f = *state;
	const struct ua_pool_conf *pc = ua_conf_pool(f->conf, "staff");
	uint8_t secret[TOTP_SECRET_LEN];
	struct pool_reply rp = { 0 };
	char code[16], *old = NULL, *now;
	bool must;

	temporary_password_to_totp(f, secret, &old);
	totp_now(pc, secret, code);
	answer_now(f, pc, POLICY_TOTP, code, &rp);
	assert_int_equal(rp.status, POOL_OK);
	now = stored_hash(f, "staff", "sam", &must);
	assert_string_not_equal(now, old);
	assert_true(hash_is(now, "Chosen-new-pw-42"));
	assert_false(must);
	assert_string_equal(f->audits[f->naudits - 1],
	    "password changed new_password_required");
	free(now);
	free(old);
}

/* Without MFA the new password is stored at once, as the login ends. */
static void
test_new_password_without_mfa_is_stored(void **state)
{
	struct fx *f = *state;
	const struct ua_pool_conf *pc = ua_conf_pool(f->conf, "customer");
	struct pool_reply rp;
	char *now;
	bool must;

	add_user(f, "alice", "alice@example.com", "Temporary-pw-1");
	require_change(f, "alice");
	start(f, "customer", "alice", &rp);
	assert_int_equal(rp.challenge, POLICY_PASSWORD);
	answer_pending(f, pc, POLICY_PASSWORD, "Temporary-pw-1", &rp);
	assert_int_equal(rp.challenge, POLICY_NEW_PASSWORD);
	answer_pending(f, pc, POLICY_NEW_PASSWORD, "Chosen-new-pw-42", &rp);
	assert_int_equal(rp.status, POOL_OK);
	now = stored_hash(f, "customer", "alice", &must);
	assert_true(hash_is(now, "Chosen-new-pw-42"));
	assert_false(must);
	free(now);
}

/*
 * Enrolment at login never replaces a key: one set between MFA_SETUP and
 * its answer (an administrator's) stays, and the login fails.
 */
static void
test_setup_never_replaces_an_active_secret(void **state)
{
	struct fx *f = *state;
	const struct ua_pool_conf *pc = ua_conf_pool(f->conf, "staff");
	struct local_login *s = (struct local_login *)f->bl;
	struct store_err err = { 0 };
	uint8_t admin[TOTP_SECRET_LEN];
	struct pool_reply rp;
	struct store_mfa m;
	char code[16];

	add_user_to(f, "staff", "sam", "sam@example.com", "correct horse");
	start(f, "staff", "sam", &rp);
	assert_int_equal(rp.challenge, POLICY_PASSWORD);
	answer_pending(f, pc, POLICY_PASSWORD, "correct horse", &rp);
	assert_int_equal(rp.status, POOL_CHALLENGE);
	assert_int_equal(rp.challenge, POLICY_MFA_SETUP);
	assert_non_null(strstr(rp.info, "Key: "));
	enrol(f, "sam", admin);
	/* The right code of the key this login showed. */
	totp_now(pc, s->setup_secret, code);
	answer_now(f, pc, POLICY_MFA_SETUP, code, &rp);
	assert_int_equal(rp.status, POOL_FAIL);
	assert_int_equal(rp.verdict.factor, POOL_FACTOR_TOTP);
	assert_false(rp.verdict.ok);
	assert_string_equal(rp.reason, "mfa_already_enrolled");
	assert_int_equal(
	    store_mfa_load(f->s, user_id(f, "sam"), NULL, &m, &err), 0);
	assert_true(m.enrolled);
	assert_memory_equal(m.secret, admin, TOTP_SECRET_LEN);
	assert_int_equal(m.last_step, -1);
	store_mfa_clear(&m);
}

/* Without a key, the first valid code of MFA_SETUP enrols and logs in. */
static void
test_setup_enrols_a_user_without_a_secret(void **state)
{
	struct fx *f = *state;
	const struct ua_pool_conf *pc = ua_conf_pool(f->conf, "staff");
	struct local_login *s = (struct local_login *)f->bl;
	struct store_err err = { 0 };
	uint8_t shown[TOTP_SECRET_LEN];
	struct pool_reply rp;
	struct store_mfa m;
	char code[16];

	add_user_to(f, "staff", "sam", "sam@example.com", "correct horse");
	start(f, "staff", "sam", &rp);
	answer_pending(f, pc, POLICY_PASSWORD, "correct horse", &rp);
	assert_int_equal(rp.challenge, POLICY_MFA_SETUP);
	memcpy(shown, s->setup_secret, sizeof(shown));
	totp_now(pc, shown, code);
	answer_now(f, pc, POLICY_MFA_SETUP, code, &rp);
	assert_int_equal(rp.status, POOL_OK);
	assert_true(rp.verdict.ok);
	assert_int_equal(
	    store_mfa_load(f->s, user_id(f, "sam"), NULL, &m, &err), 0);
	assert_true(m.enrolled);
	assert_memory_equal(m.secret, shown, TOTP_SECRET_LEN);
	store_mfa_clear(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_account_reports_unknown_and_found_users, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_password_check_pends_until_complete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_check_is_no_verdict,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_wrong_password_fails_before_mfa, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_wrong_password_before_optional_mfa, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_wrong_password_before_required_mfa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_code_is_issued_and_mailed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_code_logs_in, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_code_dies_by_monotonic_age,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_code_dies_by_wall_clock,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_no_code_answer_spends_no_try, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eight_bytes_are_judged,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unjudged_answer_spends_a_try, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_no_code_answer_to_a_dead_code_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_count_code_counts_without_mail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_is_the_store_snapshot,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_setup_never_replaces_an_active_secret, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_setup_enrols_a_user_without_a_secret, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_new_password_waits_for_the_totp, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_new_password_stored_after_the_right_totp, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_new_password_without_mfa_is_stored, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
