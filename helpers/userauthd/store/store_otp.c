/* SPDX-License-Identifier: MIT */
/*
 * The SQL of one-time codes and of queuing a mail: otp_issued,
 * otp_codes, otp_decoy and the mail_queue insert.  Reads and writes rows
 * only; otp.c judges them.  Every parameter bind is checked
 * (store_prepare_bind).
 */
#include <string.h>

#include "client/wipe.h"
#include "userauthd/store/store_int.h"
#include "userauthd/store/store_otp.h"

int
store_otp_issued(struct store *s, const uint8_t key[KEYS_MAC_LEN], time_t since,
    time_t now, int64_t *ret_count, int64_t *ret_last, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	r = store_prepare_bind(s,
	    "SELECT count(*), coalesce(max(CASE WHEN at <= ?3 THEN at END), 0) "
	    "FROM otp_issued WHERE ident_mac = ?1 AND at >= ?2",
	    &st, err, "bii", key, KEYS_MAC_LEN, (int64_t)since, (int64_t)now);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		r = store_fail_db(s, err, rc);
	else {
		*ret_count = sqlite3_column_int64(st, 0);
		if (ret_last != NULL)
			*ret_last = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return r;
}

int
store_otp_record_issue(struct store *s, const uint8_t key[KEYS_MAC_LEN],
    time_t now, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	r = store_prepare_bind(s, "DELETE FROM otp_issued WHERE at < ?1", &st,
	    err, "i", (int64_t)now - 86400);
	if (r == 0)
		r = store_run(s, st, err);
	if (r == 0)
		r = store_prepare_bind(s,
		    "INSERT INTO otp_issued (ident_mac, at) VALUES (?1, ?2)",
		    &st, err, "bi", key, KEYS_MAC_LEN, (int64_t)now);
	if (r == 0)
		r = store_run(s, st, err);
	return r;
}

int
store_otp_insert(struct store *s, const struct store_otp_code *c,
    int64_t *ret_id, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	r = store_prepare_bind(s,
	    "UPDATE otp_codes SET used = 1 WHERE user_id = ?1 AND used = 0 "
	    "AND purpose = ?2",
	    &st, err, "it", c->user_id, c->purpose);
	if (r == 0)
		r = store_run(s, st, err);
	if (r == 0)
		r = store_prepare_bind(s,
		    "INSERT INTO otp_codes (user_id, purpose, code_mac, "
		    "created,"
		    " expires, tries_left) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		    &st, err, "itbiii", c->user_id, c->purpose, c->mac,
		    KEYS_MAC_LEN, (int64_t)c->created, (int64_t)c->expires,
		    (int64_t)c->tries);
	if (r == 0)
		r = store_run(s, st, err);
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(s->db);
	return r;
}

int
store_otp_row(struct store *s, bool decoy, int64_t id,
    struct store_otp_row *ret, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	const void *mac;
	int r, rc;

	*ret = (struct store_otp_row){ .found = false };
	/* the same statement for both, so a fake's wrong code costs a
	 * real one's */
	r = store_prepare_bind(s,
	    decoy ? "SELECT code_mac, expires, tries_left, used FROM otp_decoy "
		    "WHERE id = ?1"
		  : "SELECT code_mac, expires, tries_left, used FROM otp_codes "
		    "WHERE id = ?1",
	    &st, err, "i", id);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ret->found = true;
		mac = sqlite3_column_blob(st, 0);
		ret->has_mac =
		    mac != NULL && sqlite3_column_bytes(st, 0) == KEYS_MAC_LEN;
		if (ret->has_mac)
			memcpy(ret->mac, mac, KEYS_MAC_LEN);
		ret->expires = sqlite3_column_int64(st, 1);
		ret->tries_left = sqlite3_column_int64(st, 2);
		ret->used = sqlite3_column_int64(st, 3) != 0;
	} else if (rc != SQLITE_DONE)
		r = store_fail_db(s, err, rc);
	sqlite3_finalize(st);
	return r;
}

int
store_otp_spend(struct store *s, int64_t id, bool used, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	r = store_prepare_bind(s,
	    used ? "UPDATE otp_codes SET used = 1 WHERE id = ?1"
		 : "UPDATE otp_codes SET tries_left = tries_left - 1 WHERE id "
		   "= ?1",
	    &st, err, "i", id);
	return r < 0 ? r : store_run(s, st, err);
}

int
store_otp_decoy_spend(struct store *s, bool refill, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	/* the row never runs out: refilled a billion tries at a time */
	r = store_prepare_bind(s,
	    refill ? "UPDATE otp_decoy SET tries_left = 1000000000, used = 0 "
		     "WHERE id = 1"
		   : "UPDATE otp_decoy SET tries_left = tries_left - 1 WHERE "
		     "id = 1",
	    &st, err, "");
	return r < 0 ? r : store_run(s, st, err);
}

int
store_otp_find_invite(struct store *s, int64_t user_id, time_t now,
    int64_t *ret_id, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	*ret_id = 0;
	r = store_prepare_bind(s,
	    "SELECT id FROM otp_codes WHERE user_id = ?1 AND "
	    "purpose = 'invite' AND used = 0 AND tries_left > 0 AND "
	    "expires > ?2 ORDER BY id DESC LIMIT 1",
	    &st, err, "ii", user_id, (int64_t)now);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ret_id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		r = store_fail_db(s, err, rc);
	sqlite3_finalize(st);
	return r;
}

int
store_mail_queue(struct store *s, const struct store_mail *m, int64_t *ret_id,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	r = store_prepare_bind(s,
	    "INSERT INTO mail_queue (otp_id, pool, recipient, message_id, body,"
	    " state, next_attempt, created, expires) "
	    "VALUES (nullif(?1, 0), ?2, ?3, ?4, ?5, 'queued', ?6, ?7, ?8)",
	    &st, err, "ittttiii", m->otp_id, m->pool, m->recipient,
	    m->message_id, m->body, (int64_t)m->now * 1000, (int64_t)m->now,
	    (int64_t)m->now + m->lifetime);
	if (r == 0)
		r = store_run(s, st, err);
	if (r == 0 && ret_id != NULL)
		*ret_id = sqlite3_last_insert_rowid(s->db);
	return r;
}
