/* SPDX-License-Identifier: MIT */
/*
 * TOTP secrets and steps in SQLite.  Bound statements only; a secret is
 * read into the caller's struct and never into a message or result.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "client/wipe.h"
#include "userauthd/store/store_int.h"
#include "userauthd/store/store_mfa.h"

static void
copy_text(char *out, size_t outsz, const unsigned char *t)
{
	(void)snprintf(out, outsz, "%s", t ? (const char *)t : "");
}

int
store_mfa_load(struct store *s, int64_t user_id, const char *user,
    struct store_mfa *ret, struct store_err *err)
{
	struct store_mfa m;
	sqlite3_stmt *st = NULL;
	const void *b;
	int r, rc;

	memset(&m, 0, sizeof(m));
	if (user != NULL) {
		r = store_user_id(s, user, &user_id, err);
		if (r < 0)
			return r;
	}
	r = store_prepare_bind(s,
	    "SELECT u.login, p.name, u.email, c.totp_secret, "
	    "coalesce(c.totp_last_step, -1), t.secret, "
	    "(SELECT count(*) FROM mfa_recovery r WHERE r.user_id = u.id) "
	    "FROM users u JOIN pools p ON p.id = u.pool_id "
	    "LEFT JOIN credentials c ON c.user_id = u.id "
	    "LEFT JOIN totp_pending t ON t.user_id = u.id WHERE u.id = ?1",
	    &st, err, "i", user_id);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return rc == SQLITE_DONE
		    ? store_fail(err, -ENOENT, "not_found", "no such user")
		    : store_fail_db(s, err, rc);
	}
	m.user_id = user_id;
	copy_text(m.login, sizeof(m.login), sqlite3_column_text(st, 0));
	copy_text(m.pool, sizeof(m.pool), sqlite3_column_text(st, 1));
	copy_text(m.email, sizeof(m.email), sqlite3_column_text(st, 2));
	b = sqlite3_column_blob(st, 3);
	if (b != NULL && sqlite3_column_bytes(st, 3) == TOTP_SECRET_LEN) {
		memcpy(m.secret, b, TOTP_SECRET_LEN);
		m.enrolled = true;
	}
	m.last_step = sqlite3_column_int64(st, 4);
	b = sqlite3_column_blob(st, 5);
	if (b != NULL && sqlite3_column_bytes(st, 5) == TOTP_SECRET_LEN) {
		memcpy(m.pending_secret, b, TOTP_SECRET_LEN);
		m.pending = true;
	}
	m.recovery_left = (unsigned)sqlite3_column_int64(st, 6);
	sqlite3_finalize(st);
	*ret = m;
	ua_wipe(&m, sizeof(m));
	return 0;
}

void
store_mfa_clear(struct store_mfa *m)
{
	ua_wipe(m, sizeof(*m));
}

/*
 * Run one bound statement: ?1 id and, when it has more than ?1, ?2 the
 * blob (NULL binds NULL) and ?3 an integer.  A statement on ?1 alone gets
 * only ?1: binding ?2 or ?3 there fails (SQLITE_RANGE).
 */
static int
run1(struct store *s, const char *sql, int64_t id, const uint8_t *blob,
    int64_t n, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	r = store_prepare(s, sql, &st, err);
	if (r < 0)
		return r;
	if (sqlite3_bind_parameter_count(st) == 1)
		r = store_rebind(s, st, err, "i", id);
	else
		r = store_rebind(s, st, err, "ibi", id, blob, TOTP_SECRET_LEN,
		    n);
	if (r < 0) {
		sqlite3_finalize(st);
		return r;
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail_db(s, err, rc);
}

/* A transaction of up to three statements; NULL ends the list. */
static int
txn(struct store *s, const char *const sql[3], int64_t id, const uint8_t *blob,
    int64_t n, struct store_err *err)
{
	int i, r;

	r = store_begin(s, err);
	for (i = 0; r == 0 && i < 3 && sql[i] != NULL; i++)
		r = run1(s, sql[i], id, blob, n, err);
	if (r == 0)
		r = store_commit(s, err);
	if (r < 0)
		store_rollback(s);
	return r;
}

/* Inside a transaction: the user's recovery codes become rc's. */
static int
put_recovery(struct store *s, int64_t user_id, const struct recovery_codes *rc,
    int64_t now, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int r, rc_db = SQLITE_DONE;

	r = run1(s, "DELETE FROM mfa_recovery WHERE user_id = ?1", user_id,
	    NULL, 0, err);
	if (r < 0)
		return r;
	r = store_prepare(s,
	    "INSERT INTO mfa_recovery (user_id, code_mac, created) "
	    "VALUES (?1, ?2, ?3)",
	    &st, err);
	if (r < 0)
		return r;
	for (i = 0; i < RECOVERY_COUNT && r == 0 && rc_db == SQLITE_DONE; i++) {
		r = store_rebind(s, st, err, "ibi", user_id, rc->mac[i],
		    KEYS_MAC_LEN, now);
		if (r == 0)
			rc_db = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (r == 0 && rc_db != SQLITE_DONE)
		r = store_fail_db(s, err, rc_db);
	return r;
}

int
store_mfa_set_pending(struct store *s, int64_t user_id,
    const uint8_t secret[TOTP_SECRET_LEN], int64_t now,
    const struct recovery_codes *rc, struct store_err *err)
{
	int r;

	r = store_begin(s, err);
	if (r < 0)
		return r;
	r = run1(s,
	    "INSERT INTO totp_pending (user_id, secret, created) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (user_id) DO UPDATE SET "
	    "secret = excluded.secret, created = excluded.created",
	    user_id, secret, now, err);
	if (r == 0 && rc != NULL)
		r = put_recovery(s, user_id, rc, now, err);
	if (r == 0)
		r = store_commit(s, err);
	if (r < 0)
		store_rollback(s);
	return r;
}

int
store_mfa_activate(struct store *s, int64_t user_id,
    const uint8_t secret[TOTP_SECRET_LEN], int64_t step, struct store_err *err)
{
	static const char *const sql[3] = {
		"INSERT INTO credentials (user_id, totp_secret, totp_last_step)"
		" VALUES (?1, ?2, ?3) ON CONFLICT (user_id) DO UPDATE SET "
		"totp_secret = excluded.totp_secret, "
		"totp_last_step = excluded.totp_last_step",
		"DELETE FROM totp_pending WHERE user_id = ?1",
		NULL,
	};

	return txn(s, sql, user_id, secret, step, err);
}

int
store_mfa_activate_new(struct store *s, int64_t user_id,
    const uint8_t secret[TOTP_SECRET_LEN], int64_t step,
    const struct recovery_codes *rc, int64_t now, struct store_err *err)
{
	int r;

	r = store_begin(s, err);
	if (r < 0)
		return r;
	r = run1(s,
	    "INSERT INTO credentials (user_id, totp_secret, totp_last_step) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (user_id) DO UPDATE SET "
	    "totp_secret = excluded.totp_secret, "
	    "totp_last_step = excluded.totp_last_step "
	    "WHERE credentials.totp_secret IS NULL",
	    user_id, secret, step, err);
	if (r == 0 && sqlite3_changes(s->db) != 1)
		r = -EEXIST;
	if (r == 0)
		r = run1(s, "DELETE FROM totp_pending WHERE user_id = ?1",
		    user_id, NULL, 0, err);
	if (r == 0 && rc != NULL)
		r = put_recovery(s, user_id, rc, now, err);
	if (r == 0)
		r = store_commit(s, err);
	if (r < 0)
		store_rollback(s);
	return r;
}

int
store_mfa_accept_step(struct store *s, int64_t user_id, int64_t step,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc, changed;

	r = store_prepare_bind(s,
	    "UPDATE credentials SET totp_last_step = ?2 WHERE user_id = ?1 "
	    "AND totp_secret IS NOT NULL AND "
	    "coalesce(totp_last_step, -1) < ?2",
	    &st, err, "ii", user_id, step);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail_db(s, err, rc);
	changed = sqlite3_changes(s->db);
	return changed == 1 ? 0 : -EALREADY;
}

int
store_mfa_reset(struct store *s, int64_t user_id, struct store_err *err)
{
	static const char *const sql[3] = {
		"UPDATE credentials SET totp_secret = NULL, "
		"totp_last_step = NULL WHERE user_id = ?1",
		"DELETE FROM totp_pending WHERE user_id = ?1",
		"DELETE FROM mfa_recovery WHERE user_id = ?1",
	};

	return txn(s, sql, user_id, NULL, 0, err);
}

int
store_mfa_recovery_replace(struct store *s, int64_t user_id,
    const struct recovery_codes *rc, int64_t now, struct store_err *err)
{
	int r;

	r = store_begin(s, err);
	if (r == 0)
		r = put_recovery(s, user_id, rc, now, err);
	if (r == 0)
		r = store_commit(s, err);
	if (r < 0)
		store_rollback(s);
	return r;
}

int
store_mfa_recovery_use(struct store *s, int64_t user_id,
    const uint8_t mac[KEYS_MAC_LEN], bool *ret_ok, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t found = 0;
	const void *b;
	int r, rc;

	*ret_ok = false;
	r = store_prepare_bind(s,
	    "SELECT id, code_mac FROM mfa_recovery WHERE user_id = ?1", &st,
	    err, "i", user_id);
	if (r < 0)
		return r;
	/* every row compared, the match remembered: no early exit */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		b = sqlite3_column_blob(st, 1);
		if (b != NULL && sqlite3_column_bytes(st, 1) == KEYS_MAC_LEN &&
		    CRYPTO_memcmp(b, mac, KEYS_MAC_LEN) == 0)
			found = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail_db(s, err, rc);
	if (found == 0)
		return 0;
	r = run1(s, "DELETE FROM mfa_recovery WHERE id = ?1", found, NULL, 0,
	    err);
	if (r == 0)
		*ret_ok = sqlite3_changes(s->db) == 1;
	return r;
}
