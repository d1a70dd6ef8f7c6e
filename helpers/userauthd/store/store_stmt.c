/* SPDX-License-Identifier: MIT */
/*
 * Statements kept prepared for the calls every answer makes (the
 * throttle's buckets and its transaction): preparing them anew cost a
 * sixth of the daemon's time in the login benchmark.  Keyed by the SQL
 * string's address, so only string literals may be passed; a full cache
 * prepares as usual (the statement is then finalized on release).
 */
#include "userauthd/store/store_int.h"

int
store_prepare_cached(struct store *s, const char *sql, sqlite3_stmt **ret,
    struct store_err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < s->ncached; i++)
		if (s->cached[i].sql == sql) {
			*ret = s->cached[i].st;
			return 0;
		}
	rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, ret,
	    NULL);
	if (rc != SQLITE_OK)
		return store_fail_db(s, err, rc);
	if (s->ncached < STORE_CACHED_MAX) {
		s->cached[s->ncached].sql = sql;
		s->cached[s->ncached++].st = *ret;
	}
	return 0;
}

void
store_release_cached(struct store *s, sqlite3_stmt *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < s->ncached; i++)
		if (s->cached[i].st == st) {
			(void)sqlite3_reset(st);
			(void)sqlite3_clear_bindings(st);
			return;
		}
	sqlite3_finalize(st);
}

int
store_exec_cached(struct store *s, const char *sql, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	r = store_prepare_cached(s, sql, &st, err);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = store_fail_db(s, err, rc);
	store_release_cached(s, st);
	return r;
}

void
store_cached_free(struct store *s)
{
	size_t i;

	for (i = 0; i < s->ncached; i++)
		sqlite3_finalize(s->cached[i].st);
	s->ncached = 0;
}
