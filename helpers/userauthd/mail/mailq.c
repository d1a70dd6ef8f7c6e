/* SPDX-License-Identifier: MIT */
/*
 * The mail queue: the in-memory schedule on the monotonic clock (rows due,
 * backoff with jitter, deadlines from the code's expiry) and the rows of
 * mail_queue it runs over (read, recorded, listed).  It must never take a
 * wall-clock time as the moment of a next attempt, never call a row
 * sendable once either clock says its code has expired, and never log a
 * body.  Only mailq_now reads the clocks, and nothing locks: the mailer
 * passes the clocks and holds its locks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/mask.h"
#include "server/log.h"
#include "userauthd/mail/mailer.h"
#include "userauthd/mail/mailmsg.h"
#include "userauthd/mail/mailq.h"
#include "userauthd/store/sqlbusy.h"

/* ---- the schedule ------------------------------------------------------- */

struct mailq_clock
mailq_now(void)
{
	struct timespec w, t;

	(void)clock_gettime(CLOCK_REALTIME, &w);
	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (struct mailq_clock){
		.wall = (int64_t)w.tv_sec * 1000 + w.tv_nsec / 1000000,
		.mono = (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000,
	};
}

int64_t
mailq_backoff_ms(int64_t n, uint32_t max_ms, uint32_t rnd)
{
	uint64_t d = 1000ULL << (n > 1 ? (n - 1 > 20 ? 20 : n - 1) : 0);

	if (d > max_ms)
		d = max_ms;
	d = d * (800 + rnd % 401) / 1000;
	return (int64_t)(d > max_ms ? max_ms : d);
}

/* The index of the first entry with an id >= id (entries sorted by id). */
static size_t
lower(const struct mailq *q, int64_t id)
{
	size_t lo = 0, hi = q->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (q->e[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct mailq_entry *
mailq_find(struct mailq *q, int64_t id)
{
	size_t i = lower(q, id);

	return i < q->n && q->e[i].id == id ? &q->e[i] : NULL;
}

static int
grow(struct mailq *q)
{
	struct mailq_entry *e;
	size_t cap;

	if (q->n < q->cap)
		return 0;
	if (q->cap >= MAILQ_MAX)
		return -ENOSPC;
	cap = q->cap ? q->cap * 2 : 64;
	if (cap > MAILQ_MAX)
		cap = MAILQ_MAX;
	e = reallocarray(q->e, cap, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	q->e = e;
	q->cap = cap;
	return 0;
}

int
mailq_see(struct mailq *q, int64_t id, int64_t created, int64_t expires,
    int64_t margin_ms, struct mailq_clock now)
{
	size_t i = lower(q, id);
	struct mailq_entry *e;
	int64_t left, life;
	int r;

	if (i < q->n && q->e[i].id == id) {
		q->e[i].seen = true;
		return 0;
	}
	r = grow(q);
	if (r < 0)
		return r;
	left = expires * 1000 - now.wall;
	life = (expires - created) * 1000;
	if (left > life)
		left = life;
	/* Mostly a new id above all others: nothing to move. */
	memmove(&q->e[i + 1], &q->e[i], (q->n - i) * sizeof(*q->e));
	q->n++;
	e = &q->e[i];
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->due = now.mono;
	e->last = now.mono + left - margin_ms;
	e->expires = expires * 1000;
	e->seen = true;
	return 1;
}

void
mailq_mark(struct mailq *q)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		q->e[i].seen = false;
}

void
mailq_sweep(struct mailq *q)
{
	size_t i, n = 0;

	for (i = 0; i < q->n; i++)
		if (q->e[i].seen || q->e[i].busy)
			q->e[n++] = q->e[i];
	q->n = n;
}

struct mailq_entry *
mailq_due(struct mailq *q, struct mailq_clock now)
{
	struct mailq_entry *best = NULL, *e;
	size_t i;

	for (i = 0; i < q->n; i++) {
		e = &q->e[i];
		if (e->busy || e->due > now.mono)
			continue;
		if (best == NULL || e->due < best->due ||
		    (e->due == best->due && e->id < best->id))
			best = e;
	}
	return best;
}

bool
mailq_expired(const struct mailq_entry *e, int64_t margin_ms,
    struct mailq_clock now)
{
	return now.wall >= e->expires - margin_ms || now.mono >= e->last;
}

void
mailq_retry(struct mailq_entry *e, int64_t n, uint32_t max_ms, uint32_t rnd,
    struct mailq_clock now)
{
	e->due = now.mono + mailq_backoff_ms(n, max_ms, rnd);
	if (e->due > e->last)
		e->due = e->last;
	e->busy = false;
}

void
mailq_drop(struct mailq *q, int64_t id)
{
	size_t i = lower(q, id);

	if (i < q->n && q->e[i].id == id) {
		memmove(&q->e[i], &q->e[i + 1], (q->n - i - 1) * sizeof(*q->e));
		q->n--;
	}
}

void
mailq_flush(struct mailq *q, struct mailq_clock now)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		if (q->e[i].due > now.mono)
			q->e[i].due = now.mono;
}

int64_t
mailq_wait_ms(const struct mailq *q, int64_t max_ms, struct mailq_clock now)
{
	int64_t d = max_ms;
	size_t i;

	for (i = 0; i < q->n; i++)
		if (!q->e[i].busy && q->e[i].due - now.mono < d)
			d = q->e[i].due - now.mono;
	return d < 0 ? 0 : d;
}

int64_t
mailq_clock_moved(struct mailq *q, struct mailq_clock now)
{
	int64_t off = now.wall - now.mono, moved;

	moved = q->offset_set ? off - q->offset : 0;
	q->offset = off;
	q->offset_set = true;
	return moved;
}

bool
mailq_quiet_fail(struct mailq_quiet *qt, struct mailq_clock now,
    unsigned *ret_held)
{
	qt->faults++;
	if (qt->failing && now.mono - qt->said < MAILQ_QUIET_MS) {
		qt->held++;
		return false;
	}
	*ret_held = qt->held;
	qt->failing = true;
	qt->said = now.mono;
	qt->held = 0;
	return true;
}

bool
mailq_quiet_ok(struct mailq_quiet *qt, unsigned *ret_faults)
{
	bool ended = qt->failing;

	if (ended)
		*ret_faults = qt->faults;
	*qt = (struct mailq_quiet){ 0 };
	return ended;
}

void
mailq_free(struct mailq *q)
{
	free(q->e);
	q->e = NULL;
	q->n = q->cap = 0;
}

/* ---- the rows ----------------------------------------------------------- */

int
mailq_db_open(const char *path, sqlite3 **ret)
{
	sqlite3 *db = NULL;
	int rc;

	rc = sqlite3_open_v2(path, &db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW |
		SQLITE_OPEN_FULLMUTEX,
	    NULL);
	if (rc == SQLITE_OK) {
		sqlbusy_set(db, 5000);
		rc = sqlite3_exec(db,
		    "PRAGMA journal_mode = WAL;"
		    "PRAGMA synchronous = FULL;"
		    "PRAGMA secure_delete = ON;"
		    "PRAGMA trusted_schema = OFF;"
		    "SELECT count(*) FROM mail_queue;",
		    NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		ua_log(LOG_ERR, "mailer: database '%s': %s", path,
		    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		(void)sqlite3_close_v2(db);
		return -EIO;
	}
	*ret = db;
	return 0;
}

const char *
mailq_db_checkpoint(sqlite3 *db, int wait_ms)
{
	int rc;

	sqlbusy_set(db, wait_ms);
	rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    NULL, NULL);
	sqlbusy_set(db, 5000);
	return rc == SQLITE_OK ? NULL : sqlite3_errstr(rc);
}

void
mailq_db_release(sqlite3 *db)
{
	(void)sqlite3_db_release_memory(db);
}

void
mailq_db_close(sqlite3 *db)
{
	(void)sqlite3_close_v2(db);
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? (const char *)t : "";
}

static int
add_row(struct mailq_row **rows, size_t *n, size_t *cap, sqlite3_stmt *st)
{
	struct mailq_row *t;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		t = reallocarray(*rows, *cap, sizeof(**rows));
		if (t == NULL)
			return -ENOMEM;
		*rows = t;
	}
	(*rows)[*n].id = sqlite3_column_int64(st, 0);
	(*rows)[*n].created = sqlite3_column_int64(st, 1);
	(*rows)[(*n)++].expires = sqlite3_column_int64(st, 2);
	return 0;
}

int
mailq_db_queued(sqlite3 *db, struct mailq_row **ret, size_t *ret_n,
    char *reterr_why, size_t whysz)
{
	struct mailq_row *rows = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st = NULL;
	int rc, r = 0;

	rc = sqlite3_prepare_v2(db,
	    "SELECT id, created, expires FROM "
	    "mail_queue WHERE state = 'queued' ORDER BY id LIMIT ?1",
	    -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(st, 1, MAILQ_MAX);
	while (r == 0 && rc == SQLITE_OK &&
	    (rc = sqlite3_step(st)) == SQLITE_ROW) {
		r = add_row(&rows, &n, &cap, st);
		rc = SQLITE_OK;
	}
	if (r == 0 && rc != SQLITE_DONE) {
		(void)snprintf(reterr_why, whysz, "%s", sqlite3_errmsg(db));
		r = -EIO;
	}
	sqlite3_finalize(st);
	if (r < 0) {
		free(rows);
		return r;
	}
	*ret = rows;
	*ret_n = n;
	return 0;
}

/* x's message, pool, recipient and attempts from the row at st. */
static bool
fill(struct mailsend_xfer *x, sqlite3_stmt *st)
{
	const void *body;

	(void)snprintf(x->pool, sizeof(x->pool), "%s", col(st, 0));
	if (ua_mask_email(col(st, 1), x->masked, sizeof(x->masked)) < 0)
		(void)snprintf(x->masked, sizeof(x->masked), "?");
	/* Bytes, not characters: length() would count UTF-8. */
	body = sqlite3_column_text(st, 2);
	x->len = (size_t)sqlite3_column_bytes(st, 2);
	x->attempts = sqlite3_column_int64(st, 3);
	if (body != NULL && x->len > 0 && x->len <= MAILMSG_MAX &&
	    (x->msg = malloc(x->len + 1)) != NULL) {
		memcpy(x->msg, body, x->len);
		x->msg[x->len] = '\0';
	}
	return x->msg != NULL && strlen(x->msg) == x->len &&
	    mailsend_envelope(x, col(st, 1)) == 0;
}

int
mailq_db_load(sqlite3 *db, int64_t id, struct mailsend_xfer **ret,
    bool *ret_bad)
{
	struct mailsend_xfer *x;
	sqlite3_stmt *st = NULL;
	int rc, r = 0;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return -ENOMEM;
	x->id = id;
	rc = sqlite3_prepare_v2(db,
	    "SELECT pool, recipient, body, attempts "
	    "FROM mail_queue WHERE id = ?1 AND state = 'queued'",
	    -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 1, id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*ret_bad = !fill(x, st);
		r = 1;
	} else if (rc != SQLITE_DONE) {
		ua_log(LOG_ERR, "mailer: reading row %lld: %s", (long long)id,
		    sqlite3_errmsg(db));
		r = -EIO;
	}
	sqlite3_finalize(st);
	if (r == 1)
		*ret = x;
	else
		mailsend_xfer_free(x);
	return r;
}

/*
 * Bind a record statement's ?1 id, ?2 the time and, when it names them,
 * ?3 the next attempt and ?4 the error ("" for none): the sent and
 * expired ones stop at ?2, and a bind past a statement's last parameter
 * fails (SQLITE_RANGE).
 */
static int
bind_record(sqlite3_stmt *st, int64_t id, int64_t now_wall, int64_t next_wall,
    const char *why)
{
	const char *text = why ? why : "";
	int n = sqlite3_bind_parameter_count(st);
	int rc;

	rc = sqlite3_bind_int64(st, 1, id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 2, now_wall);
	if (rc == SQLITE_OK && n >= 3)
		rc = sqlite3_bind_int64(st, 3, next_wall);
	if (rc == SQLITE_OK && n >= 4)
		rc = sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
	return rc;
}

int
mailq_db_record(sqlite3 *db, const struct mailsend_xfer *x, enum mailq_fate f,
    const char *why, int64_t now_wall, int64_t next_wall)
{
	static const char *const sql[] = {
		[MAILQ_SENT] =
		    "UPDATE mail_queue SET state = 'sent', "
		    "body = NULL, done = ?2 / 1000, attempts = attempts + 1, "
		    "last_error = NULL WHERE id = ?1 AND state = 'queued'",
		[MAILQ_RETRY] = "UPDATE mail_queue SET next_attempt = ?3, "
				"attempts = attempts + 1, last_error = ?4 "
				"WHERE id = ?1 AND state = 'queued'",
		[MAILQ_FAILED] =
		    "UPDATE mail_queue SET state = 'failed', "
		    "body = NULL, done = ?2 / 1000, attempts = attempts + 1, "
		    "last_error = ?4 WHERE id = ?1 AND state = 'queued'",
		[MAILQ_EXPIRED] = "UPDATE mail_queue SET state = 'expired', "
				  "body = NULL, done = ?2 / 1000 "
				  "WHERE id = ?1 AND state = 'queued'",
	};
	static const char *const word[] = { "sent", "retry", "failed",
		"expired" };
	char qpool[64], qwhy[300];
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, sql[f], -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = bind_record(st, x->id, now_wall, next_wall, why);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		ua_log(LOG_ERR,
		    "mailer: recording row %lld: %s (its outcome: %s%s%s)",
		    (long long)x->id, sqlite3_errmsg(db), word[f],
		    why && *why ? ", " : "",
		    why && *why ? ua_log_quote(why, qwhy, sizeof(qwhy)) : "");
		sqlite3_finalize(st);
		return -EIO;
	}
	sqlite3_finalize(st);
	ua_log(f == MAILQ_SENT      ? LOG_INFO
		: f == MAILQ_FAILED ? LOG_WARNING
				    : LOG_NOTICE,
	    "event=mail id=%lld pool=%s to=%s result=%s attempts=%lld%s%s",
	    (long long)x->id, ua_log_quote(x->pool, qpool, sizeof(qpool)),
	    x->masked, word[f], (long long)x->attempts + (f != MAILQ_EXPIRED),
	    why && *why ? " error=" : "",
	    why && *why ? ua_log_quote(why, qwhy, sizeof(qwhy)) : "");
	return 0;
}

static int
db_fail(sqlite3 *db, int rc, struct store_err *err)
{
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return store_fail(err, -EBUSY, "busy", "the database is busy");
	return store_fail(err, -EIO, "internal", "database error: %s",
	    sqlite3_errmsg(db));
}

static json_t *
list_row(sqlite3_stmt *st, int64_t now, bool full)
{
	char masked[UA_MASK_EMAIL_MAX];

	if (ua_mask_email(col(st, 2), masked, sizeof(masked)) < 0)
		(void)snprintf(masked, sizeof(masked), "?");
	return json_pack("{s:I s:s s:s s:s s:I s:o s:I s:I}", "id",
	    (json_int_t)sqlite3_column_int64(st, 0), "pool", col(st, 1),
	    "recipient", full ? col(st, 2) : masked, "state", col(st, 3),
	    "attempts", (json_int_t)sqlite3_column_int64(st, 4), "last_error",
	    sqlite3_column_type(st, 5) == SQLITE_NULL ? json_null()
						      : json_string(col(st, 5)),
	    "age", (json_int_t)(now - sqlite3_column_int64(st, 6)),
	    "expires_in", (json_int_t)(sqlite3_column_int64(st, 7) - now));
}

int
mailq_db_list(sqlite3 *db, int64_t now, bool full, json_t **ret,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	json_t *a, *o;
	int rc, r = 0;

	if ((a = json_array()) == NULL)
		return store_oom(err);
	rc = sqlite3_prepare_v2(db,
	    "SELECT id, pool, recipient, state, attempts, last_error, "
	    "created, expires FROM mail_queue WHERE state = 'queued' OR "
	    "done >= ?1 ORDER BY id LIMIT ?2",
	    -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 1, now - MAILER_LIST_DONE_SECONDS);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(st, 2, MAILER_LIST_MAX);
	if (rc == SQLITE_OK) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			o = list_row(st, now, full);
			if (o == NULL || json_array_append_new(a, o) < 0) {
				r = store_oom(err);
				break;
			}
		}
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_fail(db, rc, err);
	sqlite3_finalize(st);
	if (r < 0) {
		json_decref(a);
		return r;
	}
	*ret = a;
	return 0;
}

int
mailq_db_flush(sqlite3 *db, int64_t now_wall, int64_t *ret_n,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, r = 0;

	rc = sqlite3_prepare_v2(db,
	    "UPDATE mail_queue SET next_attempt "
	    "= min(next_attempt, ?1) WHERE state = 'queued'",
	    -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 1, now_wall);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		*ret_n = sqlite3_changes(db);
	else
		r = db_fail(db, rc, err);
	sqlite3_finalize(st);
	return r;
}
