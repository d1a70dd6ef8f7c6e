/* SPDX-License-Identifier: MIT */
/*
 * One-time codes in the store.  Owns generation, issuance limits, the MAC
 * at rest, single use, the try budget, queuing the mail, and expiry on
 * both clocks.  It must never store or log a code in clear except inside
 * the queued mail body, which the mailer wipes when it is done.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "client/valid.h"
#include "client/wipe.h"
#include "userauthd/mailmsg.h"
#include "userauthd/otp.h"
#include "userauthd/store_int.h"

/* Largest multiple of 10^8 below 2^32: values above it are redrawn. */
#define OTP_LIMIT 4200000000u

struct otp_clock
otp_clock_now(void)
{
	struct timespec w, t;

	(void)clock_gettime(CLOCK_REALTIME, &w);
	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (struct otp_clock){ .wall = w.tv_sec,
		.mono_ms = (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000 };
}

struct otp_clock
otp_clock_after(const struct otp_clock *now, unsigned seconds)
{
	return (struct otp_clock){ .wall = now->wall + (time_t)seconds,
		.mono_ms = now->mono_ms + (int64_t)seconds * 1000 };
}

bool
otp_clock_passed(const struct otp_clock *deadline,
    const struct otp_clock *now)
{
	return now->wall >= deadline->wall ||
	    now->mono_ms >= deadline->mono_ms;
}

int
otp_generate(char out[OTP_DIGITS + 1])
{
	uint32_t v;
	int i;

	for (i = 0; i < 64; i++) {
		if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
			return -EIO;
		if (v < OTP_LIMIT)
			break;
	}
	if (i == 64)
		return -EIO;
	(void)snprintf(out, OTP_DIGITS + 1, "%08u", v % 100000000u);
	ua_wipe(&v, sizeof(v));
	return 0;
}

/* Issues since `since`, and the last one at or before now (0: none). */
static int
count_issued(struct store *s, const uint8_t ident[KEYS_MAC_LEN], time_t since,
    time_t now, int64_t *ret_count, int64_t *ret_last, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	r = store_prepare(s,
	    "SELECT count(*), coalesce(max(CASE WHEN at <= ?3 THEN at END), 0) "
	    "FROM otp_issued WHERE ident_mac = ?1 AND at >= ?2",
	    &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_blob(st, 1, ident, KEYS_MAC_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)since);
	sqlite3_bind_int64(st, 3, (int64_t)now);
	if (sqlite3_step(st) != SQLITE_ROW)
		r = store_fail_db(s, err, sqlite3_errcode(s->db));
	else {
		*ret_count = sqlite3_column_int64(st, 0);
		if (ret_last != NULL)
			*ret_last = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return r;
}

static bool
limited_key(struct store *s, const uint8_t key[KEYS_MAC_LEN], unsigned per_day,
    unsigned per_hour, unsigned cooldown, time_t now, int *r,
    struct store_err *err)
{
	int64_t day = 0, hour = 0, last = 0;

	*r = count_issued(s, key, now - 86400, now, &day, &last, err);
	if (*r == 0)
		*r = count_issued(s, key, now - 3600, now, &hour, NULL, err);
	if (*r < 0)
		return true;
	/*
	 * A wall clock set back leaves issues "in the future": they still
	 * count in the hour and the day (budgets err on the safe side), but
	 * the cooldown, a spacing rule, looks at the last issue at or before
	 * now only (else no code for as long as the jump).
	 */
	return day >= per_day || hour >= per_hour ||
	    (last > 0 && now - last < (int64_t)cooldown);
}

/* The identifier's budget, and the remote host's where one is given. */
static bool
limited(struct store *s, const struct otp_limits *lim,
    const uint8_t ident[KEYS_MAC_LEN], time_t now, int *r,
    struct store_err *err)
{
	if (limited_key(s, ident, lim->per_day, lim->per_hour, lim->cooldown,
		now, r, err))
		return true;
	return lim->host != NULL && limited_key(s, lim->host,
	    lim->host_per_day, lim->host_per_hour, 0, now, r, err);
}

/* One bound statement with up to three integer/blob/text parameters. */
static int
run(struct store *s, sqlite3_stmt *st, struct store_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail_db(s, err, rc);
}

static int
record_issue(struct store *s, const uint8_t ident[KEYS_MAC_LEN], time_t now,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	r = store_prepare(s, "DELETE FROM otp_issued WHERE at < ?1", &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, (int64_t)now - 86400);
	r = run(s, st, err);
	if (r == 0)
		r = store_prepare(s,
		    "INSERT INTO otp_issued (ident_mac, at) VALUES (?1, ?2)",
		    &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_blob(st, 1, ident, KEYS_MAC_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)now);
	return run(s, st, err);
}

static int
insert_code(struct store *s, const struct keys *k,
    const struct otp_limits *lim, const char *purpose, int64_t user_id,
    const char *code, time_t now, int64_t *ret_id, struct store_err *err)
{
	uint8_t mac[KEYS_MAC_LEN];
	sqlite3_stmt *st = NULL;
	int r;

	/* A new code kills every earlier one of this user and purpose. */
	r = store_prepare(s,
	    "UPDATE otp_codes SET used = 1 WHERE user_id = ?1 AND used = 0 "
	    "AND purpose = ?2",
	    &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, purpose, -1, SQLITE_STATIC);
	r = run(s, st, err);
	if (r == 0 && keys_mac(k, "otp", code, OTP_DIGITS, mac) < 0)
		r = store_fail(err, -EIO, "internal", "cannot compute a MAC");
	if (r == 0)
		r = store_prepare(s,
		    "INSERT INTO otp_codes (user_id, purpose, code_mac, created,"
		    " expires, tries_left) VALUES (?1, ?6, ?2, ?3, ?4, ?5)",
		    &st, err);
	if (r == 0) {
		sqlite3_bind_int64(st, 1, user_id);
		sqlite3_bind_blob(st, 2, mac, sizeof(mac), SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, (int64_t)now);
		sqlite3_bind_int64(st, 4, (int64_t)now + lim->lifetime);
		sqlite3_bind_int64(st, 5, lim->tries);
		sqlite3_bind_text(st, 6, purpose, -1, SQLITE_STATIC);
		r = run(s, st, err);
		*ret_id = sqlite3_last_insert_rowid(s->db);
	}
	ua_wipe(mac, sizeof(mac));
	return r;
}

/* One composed message into the queue (otp_id 0: none). */
static int
insert_mail(struct store *s, const struct ua_pool_conf *pc, int64_t otp_id,
    const char *email, const char *body, const char *msgid, time_t now,
    unsigned lifetime, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	r = store_prepare(s,
	    "INSERT INTO mail_queue (otp_id, pool, recipient, message_id, body,"
	    " state, next_attempt, created, expires) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?7, ?8)",
	    &st, err);
	if (r == 0) {
		if (otp_id > 0)
			sqlite3_bind_int64(st, 1, otp_id);
		else
			sqlite3_bind_null(st, 1);
		sqlite3_bind_text(st, 2, pc->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, email, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, msgid, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, body, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, (int64_t)now * 1000);
		sqlite3_bind_int64(st, 7, (int64_t)now);
		sqlite3_bind_int64(st, 8, (int64_t)now + lifetime);
		r = run(s, st, err);
	}
	return r;
}

static int
queue_mail(struct store *s, const struct ua_pool_conf *pc,
    const struct otp_limits *lim, int64_t otp_id, const char *email,
    const char *code, time_t now, bool invite, struct store_err *err)
{
	char *body = NULL, *msgid = NULL;
	int r;

	r = code == NULL ? mailmsg_compose_test(pc, email, now, &body, &msgid) :
	    (invite ? mailmsg_compose_invite : mailmsg_compose)(pc, email,
	    code, lim->lifetime, now, &body, &msgid);
	if (r < 0)
		return store_fail(err, r, "internal",
		    "cannot compose the mail for pool '%s'", pc->name);
	r = insert_mail(s, pc, otp_id, email, body, msgid, now, lim->lifetime,
	    err);
	ua_erase_free(body);
	free(msgid);
	return r;
}

int
otp_queue_notice(struct store *s, const struct ua_pool_conf *pc,
    const char *email, const char *text, time_t now, struct store_err *err)
{
	char *body = NULL, *msgid = NULL;
	int r;

	r = mailmsg_compose_notice(pc, email, text, now, &body, &msgid);
	if (r < 0)
		return store_fail(err, r, "internal",
		    "cannot compose the notice for pool '%s'", pc->name);
	/* a notice may wait a day for the relay */
	r = insert_mail(s, pc, 0, email, body, msgid, now, 86400, err);
	ua_erase_free(body);
	free(msgid);
	return r;
}

int
otp_issue(struct store *s, const struct keys *k,
    const struct ua_pool_conf *pc, const struct otp_limits *lim,
    int64_t user_id, const char *email,
    const uint8_t ident[KEYS_MAC_LEN], time_t now, int64_t *ret_otp_id,
    bool *ret_limited, struct store_err *err)
{
	char code[OTP_DIGITS + 1] = "";
	int64_t id = 0;
	bool lim_hit;
	int r;

	r = store_begin(s, err);
	if (r < 0)
		return r;
	lim_hit = limited(s, lim, ident, now, &r, err);
	if (r < 0)
		goto out;
	if (!lim_hit)
		r = record_issue(s, ident, now, err);
	if (r == 0 && !lim_hit && lim->host != NULL)
		r = record_issue(s, lim->host, now, err);
	if (r == 0 && !lim_hit && user_id > 0) {
		r = otp_generate(code);
		if (r < 0)
			r = store_fail(err, r, "internal", "no randomness");
		if (r == 0)
			r = insert_code(s, k, lim, "login", user_id, code, now,
			    &id, err);
		if (r == 0)
			r = queue_mail(s, pc, lim, id, email, code, now, false,
			    err);
	}
	if (r == 0)
		r = store_commit(s, err);
out:
	ua_wipe(code, sizeof(code));
	if (r < 0) {
		store_rollback(s);
		return r;
	}
	*ret_otp_id = id;
	*ret_limited = lim_hit;
	return 0;
}

/*
 * Read a code row (otp_codes, or the decoy row) and judge mac against it:
 * *live (unexpired, tries left, unused) and *match (constant time).  The
 * same statements for both, so a fake's wrong code costs a real one's.
 */
static int
read_code_row(struct store *s, bool decoy, int64_t id,
    const uint8_t mac[KEYS_MAC_LEN], time_t now, int64_t *tries, bool *live,
    bool *match, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	const void *stored;
	int r;

	*tries = 0;
	*live = *match = false;
	r = store_prepare(s, decoy ?
	    "SELECT code_mac, expires, tries_left, used FROM otp_decoy "
	    "WHERE id = ?1" :
	    "SELECT code_mac, expires, tries_left, used FROM otp_codes "
	    "WHERE id = ?1",
	    &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		stored = sqlite3_column_blob(st, 0);
		*tries = sqlite3_column_int64(st, 2);
		*live = sqlite3_column_int64(st, 1) > (int64_t)now &&
		    *tries > 0 && sqlite3_column_int64(st, 3) == 0;
		*match = stored != NULL &&
		    sqlite3_column_bytes(st, 0) == KEYS_MAC_LEN &&
		    CRYPTO_memcmp(stored, mac, KEYS_MAC_LEN) == 0;
	}
	sqlite3_finalize(st);
	return 0;
}

int
otp_verify(struct store *s, const struct keys *k, int64_t otp_id,
    const char *code, time_t now, bool *ret_ok, unsigned *ret_tries_left,
    struct store_err *err)
{
	uint8_t mac[KEYS_MAC_LEN];
	sqlite3_stmt *st = NULL;
	int64_t tries = 0;
	bool match = false, live = false;
	int r;

	if (keys_mac(k, "otp", code, strlen(code), mac) < 0)
		return store_fail(err, -EIO, "internal", "cannot compute a MAC");
	r = store_begin(s, err);
	if (r < 0)
		goto out;
	r = read_code_row(s, false, otp_id, mac, now, &tries, &live, &match,
	    err);
	if (r < 0)
		goto out;
	if (otp_id > 0 && live) {
		if (match)
			r = store_prepare(s,
			    "UPDATE otp_codes SET used = 1 WHERE id = ?1", &st,
			    err);
		else {
			tries--;
			r = store_prepare(s,
			    "UPDATE otp_codes SET tries_left = tries_left - 1 "
			    "WHERE id = ?1",
			    &st, err);
		}
		if (r == 0) {
			sqlite3_bind_int64(st, 1, otp_id);
			r = run(s, st, err);
			st = NULL;
		}
	}
	if (r == 0)
		r = store_commit(s, err);
out:
	sqlite3_finalize(st);
	ua_wipe(mac, sizeof(mac));
	if (r < 0) {
		store_rollback(s);
		return r;
	}
	*ret_ok = live && match;
	*ret_tries_left = live && !match ? (unsigned)(tries > 0 ? tries : 0) : 0;
	return 0;
}

bool
otp_answer_is_code(const char *answer)
{
	return ua_valid_otp(answer, NULL) == 0 ||
	    strnlen(answer, OTP_DIGITS + 1) == OTP_DIGITS;
}

int
otp_tries_left(struct store *s, int64_t otp_id, time_t now,
    unsigned *ret_tries_left, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t tries = 0;
	int r, rc;

	r = store_prepare(s,
	    "SELECT expires, tries_left, used FROM otp_codes WHERE id = ?1",
	    &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, otp_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) > (int64_t)now &&
	    sqlite3_column_int64(st, 2) == 0)
		tries = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail_db(s, err, rc);
	*ret_tries_left = tries > 0 ? (unsigned)tries : 0;
	return 0;
}

int
otp_issue_invite(struct store *s, const struct keys *k,
    const struct ua_pool_conf *pc, int64_t user_id, const char *email,
    time_t now, struct store_err *err)
{
	struct otp_limits lim = { .lifetime = pc->invite_lifetime,
		.tries = pc->otp_tries };
	char code[OTP_DIGITS + 1] = "";
	int64_t id = 0;
	int r;

	r = store_begin(s, err);
	if (r < 0)
		return r;
	r = otp_generate(code);
	if (r < 0)
		r = store_fail(err, r, "internal", "no randomness");
	if (r == 0)
		r = insert_code(s, k, &lim, "invite", user_id, code, now, &id,
		    err);
	if (r == 0)
		r = queue_mail(s, pc, &lim, id, email, code, now, true, err);
	if (r == 0)
		r = store_commit(s, err);
	ua_wipe(code, sizeof(code));
	if (r < 0)
		store_rollback(s);
	return r;
}

int
otp_find_invite(struct store *s, int64_t user_id, time_t now,
    int64_t *ret_id, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	*ret_id = 0;
	r = store_prepare(s,
	    "SELECT id FROM otp_codes WHERE user_id = ?1 AND "
	    "purpose = 'invite' AND used = 0 AND tries_left > 0 AND "
	    "expires > ?2 ORDER BY id DESC LIMIT 1",
	    &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, (int64_t)now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ret_id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
						       store_fail_db(s, err, rc);
}

int
otp_queue_test_mail(struct store *s, const struct ua_pool_conf *pc,
    const char *email, time_t now, int64_t *ret_id, struct store_err *err)
{
	/* a test mail may wait out the relay's troubles for ten minutes */
	const struct otp_limits lim = { .lifetime = 600 };
	int r;

	r = queue_mail(s, pc, &lim, 0, email, NULL, now, false, err);
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(s->db);
	return r;
}

int
otp_verify_decoy(struct store *s, const struct keys *k, const char *code,
    time_t now, struct store_err *err)
{
	uint8_t mac[KEYS_MAC_LEN];
	sqlite3_stmt *st = NULL;
	int64_t tries = 0;
	bool live = false, match = false;
	int r;

	/* what otp_verify does for a live row and a wrong code, step by step */
	if (keys_mac(k, "otp", code, strlen(code), mac) < 0)
		return store_fail(err, -EIO, "internal", "cannot compute a MAC");
	r = store_begin(s, err);
	if (r < 0)
		goto out;
	r = read_code_row(s, true, 1, mac, now, &tries, &live, &match, err);
	if (r < 0)
		goto out;
	/* the row never runs out: refilled a billion tries at a time */
	(void)match;	/* the decoy never matches: a zero MAC */
	r = store_prepare(s, tries > 1 && live ?
	    "UPDATE otp_decoy SET tries_left = tries_left - 1 WHERE id = 1" :
	    "UPDATE otp_decoy SET tries_left = 1000000000, used = 0 "
	    "WHERE id = 1", &st, err);
	if (r == 0) {
		r = run(s, st, err);
		st = NULL;
	}
	if (r == 0)
		r = store_commit(s, err);
out:
	sqlite3_finalize(st);
	ua_wipe(mac, sizeof(mac));
	if (r < 0)
		store_rollback(s);
	return r;
}
