/* SPDX-License-Identifier: MIT */
/*
 * store_status.h: users per pool and the mail queue's figures, read with
 * bound SELECTs.  It must never change a row nor return a recipient or a
 * message body.
 */
#include <errno.h>
#include <stdlib.h>

#include "userauthd/store/store_int.h"
#include "userauthd/store/store_status.h"

/* The most sent rows whose latency is sorted (the newest ones). */
#define LATENCY_MAX 100000

int
store_pool_users(struct store *s, const char *pool, int64_t *ret_n,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	r = store_prepare_bind(s,
	    "SELECT count(*) FROM users u JOIN pools p ON p.id = u.pool_id "
	    "WHERE p.name = ?1",
	    &st, err, "t", pool);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ret_n = sqlite3_column_int64(st, 0);
	else
		r = store_fail_db(s, err, rc);
	sqlite3_finalize(st);
	return r;
}

/* Queued rows, the oldest one's age, and the rows done in the window. */
static int
counts(struct store *s, int64_t now, int64_t window, json_t *o,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	r = store_prepare_bind(s,
	    "SELECT "
	    "(SELECT count(*) FROM mail_queue WHERE state = 'queued'), "
	    "(SELECT min(created) FROM mail_queue WHERE state = 'queued'), "
	    "(SELECT count(*) FROM mail_queue WHERE state = 'sent' "
	    "  AND done >= ?1), "
	    "(SELECT count(*) FROM mail_queue WHERE state = 'failed' "
	    "  AND done >= ?1), "
	    "(SELECT count(*) FROM mail_queue WHERE state = 'expired' "
	    "  AND done >= ?1)",
	    &st, err, "i", now - window);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		r = store_fail_db(s, err, rc);
	else if (json_object_set_new(o, "queued",
		     json_integer(sqlite3_column_int64(st, 0))) < 0 ||
	    json_object_set_new(o, "oldest_age",
		sqlite3_column_type(st, 1) == SQLITE_NULL
		    ? json_null()
		    : json_integer(now - sqlite3_column_int64(st, 1))) < 0 ||
	    json_object_set_new(o, "sent",
		json_integer(sqlite3_column_int64(st, 2))) < 0 ||
	    json_object_set_new(o, "failed",
		json_integer(sqlite3_column_int64(st, 3))) < 0 ||
	    json_object_set_new(o, "expired",
		json_integer(sqlite3_column_int64(st, 4))) < 0)
		r = store_oom(err);
	sqlite3_finalize(st);
	return r;
}

/* p50 and p99 of done - created over the rows sent in the window. */
static int
latency(struct store *s, int64_t now, int64_t window, json_t *o,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t *v = NULL, *nv;
	size_t n = 0, cap = 0;
	int r, rc;

	r = store_prepare_bind(s,
	    "SELECT max(done - created, 0) FROM mail_queue "
	    "WHERE state = 'sent' AND done >= ?1 ORDER BY 1 LIMIT ?2",
	    &st, err, "ii", now - window, (int64_t)LATENCY_MAX);
	if (r < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			nv = reallocarray(v, cap, sizeof(*v));
			if (nv == NULL) {
				r = store_oom(err);
				goto out;
			}
			v = nv;
		}
		v[n++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE) {
		r = store_fail_db(s, err, rc);
		goto out;
	}
	/* nearest rank: the ceil(p * n)-th smallest; rows come sorted */
	if (json_object_set_new(o, "latency_p50",
		n == 0 ? json_null()
		       : json_integer(v[(n * 50 + 99) / 100 - 1])) < 0 ||
	    json_object_set_new(o, "latency_p99",
		n == 0 ? json_null()
		       : json_integer(v[(n * 99 + 99) / 100 - 1])) < 0)
		r = store_oom(err);
out:
	sqlite3_finalize(st);
	free(v);
	return r;
}

/* The newest row's error (the relay's answer or curl's word). */
static int
last_error(struct store *s, json_t *o, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	json_t *msg = json_null(), *at = json_null();
	int r, rc;

	r = store_prepare(s,
	    "SELECT last_error, coalesce(done, "
	    "next_attempt / 1000) FROM mail_queue WHERE last_error IS NOT "
	    "NULL AND last_error != '' ORDER BY id DESC LIMIT 1",
	    &st, err);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		msg = json_string((const char *)sqlite3_column_text(st, 0));
		at = json_integer(sqlite3_column_int64(st, 1));
	} else if (rc != SQLITE_DONE)
		r = store_fail_db(s, err, rc);
	sqlite3_finalize(st);
	if (r == 0 &&
	    (json_object_set_new(o, "last_error", msg) < 0 ||
		json_object_set_new(o, "last_error_at", at) < 0))
		return store_oom(err);
	if (r < 0) {
		json_decref(msg);
		json_decref(at);
	}
	return r;
}

int
store_mail_status(struct store *s, int64_t now, int64_t window, json_t **ret,
    struct store_err *err)
{
	json_t *o = json_object();
	int r;

	if (o == NULL)
		return store_oom(err);
	r = counts(s, now, window, o, err);
	if (r == 0)
		r = latency(s, now, window, o, err);
	if (r == 0)
		r = last_error(s, o, err);
	if (r < 0) {
		json_decref(o);
		return r;
	}
	*ret = o;
	return 0;
}
