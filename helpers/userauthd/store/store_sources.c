/* SPDX-License-Identifier: MIT */
/*
 * The sources each user signed in from (login_notice_days): one row per
 * (user, network), its last time.  A user keeps at most
 * STORE_MAX_SOURCES rows, the oldest going first.
 */
#include <errno.h>

#include "userauthd/store/store_int.h"
#include "userauthd/store/store_sources.h"

#define STORE_MAX_SOURCES 32

static int
step_done(struct store *s, sqlite3_stmt *st, struct store_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail_db(s, err, rc);
}

int
store_login_source(struct store *s, int64_t user_id, const char *net,
    int64_t now, int64_t window, bool *ret_new, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t last = -1, known = 0;
	int r, rc;

	*ret_new = false;
	r = store_begin(s, err);
	if (r < 0)
		return r;
	r = store_prepare(s,
	    "SELECT (SELECT last_seen FROM login_sources "
	    "WHERE user_id = ?1 AND net = ?2), (SELECT count(*) FROM "
	    "login_sources WHERE user_id = ?1)",
	    &st, err);
	if (r == 0) {
		rc = sqlite3_bind_int64(st, 1, user_id);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_text(st, 2, net, -1, SQLITE_STATIC);
		if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (sqlite3_column_type(st, 0) != SQLITE_NULL)
				last = sqlite3_column_int64(st, 0);
			known = sqlite3_column_int64(st, 1);
			rc = SQLITE_OK;
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_OK)
			r = store_fail_db(s, err, rc);
	}
	if (r == 0)
		r = store_prepare(s,
		    "INSERT INTO login_sources (user_id, net, "
		    "last_seen) VALUES (?1, ?2, ?3) ON CONFLICT (user_id, net) "
		    "DO UPDATE SET last_seen = ?3",
		    &st, err);
	if (r == 0) {
		rc = sqlite3_bind_int64(st, 1, user_id);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_text(st, 2, net, -1, SQLITE_STATIC);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(st, 3, now);
		r = rc == SQLITE_OK
		    ? step_done(s, st, err)
		    : (sqlite3_finalize(st), store_fail_db(s, err, rc));
	}
	if (r == 0)
		r = store_prepare(s,
		    "DELETE FROM login_sources WHERE user_id = "
		    "?1 AND net NOT IN (SELECT net FROM login_sources WHERE "
		    "user_id = ?1 ORDER BY last_seen DESC LIMIT ?2)",
		    &st, err);
	if (r == 0) {
		rc = sqlite3_bind_int64(st, 1, user_id);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int(st, 2, STORE_MAX_SOURCES);
		r = rc == SQLITE_OK
		    ? step_done(s, st, err)
		    : (sqlite3_finalize(st), store_fail_db(s, err, rc));
	}
	if (r == 0)
		r = store_commit(s, err);
	if (r < 0) {
		store_rollback(s);
		return r;
	}
	/* the first sign-in of all is no news; a known but stale one is */
	*ret_new = known > 0 && (last < 0 || now - last > window);
	return 0;
}
