/* SPDX-License-Identifier: MIT */
/*
 * Failure buckets in the store (store_throttle.h).  Bound statements only;
 * a failed answer costs a real user and a fake the same work.
 *
 * Bucket transactions run on the store's side connection
 * (store_open_side), synchronous=NORMAL (WAL) for its life: durable
 * against a crash of the daemon, not of the machine.  They run on the
 * event loop for every answer, and three fdatasync()s a login held every
 * other client up (the Cognito benchmark saw PING wait 200 ms behind
 * them); a power cut may lose the last counts, which the next failures
 * rebuild.  Everything else in the store stays synchronous=FULL, and its
 * next commit syncs the bucket writes before it with its own (one WAL).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "server/log.h"
#include "userauthd/store/store_int.h"
#include "userauthd/store/store_throttle.h"

static const char *const kind_names[] = { "pair", "account", "host" };

/* The connection bucket statements run on: the side one where opened. */
static struct store *
side_of(struct store *s)
{
	return s->side != NULL ? s->side : s;
}

static int
bind_key(struct store *s, sqlite3_stmt *st, const char *pool,
    enum store_bucket_kind kind, const char *account, const char *rhost,
    struct store_err *err)
{
	int rc;

	rc = sqlite3_bind_text(st, 1, pool, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, kind_names[kind], -1,
		    SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 3,
		    kind == STORE_BUCKET_HOST ? "" : account, -1,
		    SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 4,
		    kind == STORE_BUCKET_ACCOUNT ? "" : rhost, -1,
		    SQLITE_STATIC);
	return rc == SQLITE_OK ? 0 : store_fail_db(s, err, rc);
}

int
store_bucket_get(struct store *s, const char *pool, enum store_bucket_kind kind,
    const char *account, const char *rhost, struct store_bucket *ret,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	s = side_of(s);
	memset(ret, 0, sizeof(*ret));
	r = store_prepare_cached(s,
	    "SELECT failures, last_fail, next_allowed "
	    "FROM throttle WHERE pool = ?1 AND kind = ?2 AND account = ?3 "
	    "AND rhost = ?4",
	    &st, err);
	if (r < 0)
		return r;
	r = bind_key(s, st, pool, kind, account, rhost, err);
	if (r < 0)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ret->failures = sqlite3_column_int64(st, 0);
		ret->last_fail = sqlite3_column_int64(st, 1);
		ret->next_allowed = sqlite3_column_int64(st, 2);
	} else if (rc != SQLITE_DONE)
		r = store_fail_db(s, err, rc);
out:
	store_release_cached(s, st);
	return r;
}

int
store_bucket_put(struct store *s, const char *pool, enum store_bucket_kind kind,
    const char *account, const char *rhost, const struct store_bucket *b,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	s = side_of(s);
	r = store_prepare_cached(s,
	    "INSERT OR REPLACE INTO throttle (pool, "
	    "kind, account, rhost, failures, last_fail, next_allowed) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	    &st, err);
	if (r < 0)
		return r;
	r = bind_key(s, st, pool, kind, account, rhost, err);
	if (r < 0)
		goto out;
	rc = sqlite3_bind_int64(st, 5, b->failures);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 6, b->last_fail);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 7, b->next_allowed);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		r = store_fail_db(s, err, rc);
out:
	store_release_cached(s, st);
	return r;
}

/*
 * DELETE sql (?1 = pool, ?2 = key; a string literal: the statement is kept
 * prepared); *ret_n rows deleted (or NULL).
 */
static int
delete_buckets(struct store *s, const char *sql, const char *pool,
    const char *key, int64_t *ret_n, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	s = side_of(s);
	r = store_prepare_cached(s, sql, &st, err);
	if (r < 0)
		return r;
	rc = sqlite3_bind_text(st, 1, pool, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		r = store_fail_db(s, err, rc);
	else if (ret_n != NULL)
		*ret_n = sqlite3_changes(s->db);
	store_release_cached(s, st);
	return r;
}

int
store_bucket_reset(struct store *s, const char *pool, const char *account,
    int64_t *ret_n, struct store_err *err)
{
	return delete_buckets(s,
	    "DELETE FROM throttle WHERE pool = ?1 AND "
	    "account = ?2 AND kind IN ('pair', 'account')",
	    pool, account, ret_n, err);
}

int
store_bucket_clear_host(struct store *s, const char *pool, const char *rhost,
    int64_t *ret_n, struct store_err *err)
{
	return delete_buckets(s,
	    "DELETE FROM throttle WHERE pool = ?1 AND "
	    "rhost = ?2 AND kind IN ('pair', 'host')",
	    pool, rhost, ret_n, err);
}

int
store_throttle_begin(struct store *s, struct store_err *err)
{
	return store_exec_cached(side_of(s), "BEGIN IMMEDIATE", err);
}

/* Bucket writes are no change the NSS cache must see: no generation bump. */
int
store_throttle_commit(struct store *s, struct store_err *err)
{
	int r;

	s = side_of(s);
	r = store_exec_cached(s, "COMMIT", err);
	if (r < 0)
		store_rollback(s);
	return r;
}

void
store_throttle_rollback(struct store *s)
{
	store_rollback(side_of(s));
}

static int
list_row(struct store *s, sqlite3_stmt *st, json_t **ret, struct store_err *err)
{
	const char *kind = (const char *)sqlite3_column_text(st, 1);
	const char *login = (const char *)sqlite3_column_text(st, 7);
	const char *account = (const char *)sqlite3_column_text(st, 2);
	char shown[96];
	int64_t failures = sqlite3_column_int64(st, 4);
	json_t *o;

	if (account == NULL || account[0] == '\0')
		shown[0] = '\0';
	else if (login != NULL)
		(void)snprintf(shown, sizeof(shown), "%s", login);
	else if (account[0] == 'i')
		(void)snprintf(shown, sizeof(shown), "unknown:%.16s",
		    account + 1);
	else if (account[0] == 'p')
		(void)snprintf(shown, sizeof(shown), "peer-uid:%.16s",
		    account + 1);
	else
		(void)snprintf(shown, sizeof(shown), "uid:%.16s", account + 1);
	o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "pool",
	    (const char *)sqlite3_column_text(st, 0), "kind",
	    kind != NULL ? kind : "", "account", shown, "rhost",
	    (const char *)sqlite3_column_text(st, 3), "failures",
	    (json_int_t)failures, "last_fail",
	    (json_int_t)sqlite3_column_int64(st, 5), "next_allowed",
	    (json_int_t)sqlite3_column_int64(st, 6));
	if (o == NULL)
		return store_oom(err);
	(void)s;
	*ret = o;
	return 0;
}

int
store_throttle_list(struct store *s, const char *pool, json_t **ret,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array(), *o = NULL;
	int r, rc;

	s = side_of(s);
	if (arr == NULL)
		return store_oom(err);
	r = store_prepare(s,
	    "SELECT t.pool, t.kind, t.account, t.rhost, "
	    "t.failures, t.last_fail, t.next_allowed, u.login "
	    "FROM throttle t LEFT JOIN users u ON t.account = 'u' || u.uid "
	    "WHERE ?1 IS NULL OR t.pool = ?1 "
	    "ORDER BY t.pool, t.kind, t.account, t.rhost",
	    &st, err);
	if (r < 0)
		goto out;
	rc = sqlite3_bind_text(st, 1, pool, -1, SQLITE_STATIC);
	if (rc != SQLITE_OK) {
		r = store_fail_db(s, err, rc);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r = list_row(s, st, &o, err);
		if (r < 0)
			goto out;
		if (json_array_append_new(arr, o) < 0) {
			r = store_oom(err);
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		r = store_fail_db(s, err, rc);
		goto out;
	}
	*ret = arr;
	arr = NULL;
out:
	sqlite3_finalize(st);
	json_decref(arr);
	return r;
}
