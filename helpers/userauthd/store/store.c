/* SPDX-License-Identifier: MIT */
/*
 * The local pool store on SQLite: errors, transactions, the pool rows,
 * lookups and result objects (opening and the schema: store_open.c; id
 * allocation and mutations: store_ops.c, store_group.c).  It must never
 * put a hash or secret into a result or a message, and never build SQL
 * from input (bound statements).
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client/valid.h"
#include "client/wipe.h"
#include "userauthd/store/sqlbusy.h"
#include "userauthd/store/store_int.h"

int store_fail(struct store_err *err, int r, const char *code, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

int
store_fail(struct store_err *err, int r, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		err->code = code;
		va_start(ap, fmt);
		(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return r;
}

/* Map an SQLite failure to our errors; busy is retryable, the rest internal. */
int
store_oom(struct store_err *err)
{
	return store_fail(err, -ENOMEM, "internal", "out of memory");
}

int
store_fail_db(struct store *s, struct store_err *err, int rc)
{
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return store_fail(err, -EBUSY, "busy", "the database is busy");
	if (rc == SQLITE_FULL)
		return store_fail(err, -ENOSPC, "internal",
		    "the database disk is full");
	return store_fail(err, -EIO, "internal", "database error: %s",
	    sqlite3_errmsg(s->db));
}

int
store_exec(struct store *s, const char *sql, struct store_err *err)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : store_fail_db(s, err, rc);
}

int
store_prepare(struct store *s, const char *sql, sqlite3_stmt **ret,
    struct store_err *err)
{
	int rc = sqlite3_prepare_v2(s->db, sql, -1, ret, NULL);

	return rc == SQLITE_OK ? 0 : store_fail_db(s, err, rc);
}

#define BIND_BAD_TYPE (-1) /* not an SQLite result code */

/*
 * Bind one parameter a type letter of types (see store_int.h) names,
 * from ap; the SQLite result code.
 */
static int
bind_one(sqlite3_stmt *st, int i, char type, va_list *ap)
{
	const void *p;
	const char *t;
	int n;

	switch (type) {
	case 'i':
		return sqlite3_bind_int64(st, i, va_arg(*ap, int64_t));
	case 'b':
		p = va_arg(*ap, const void *);
		n = va_arg(*ap, int);
		return sqlite3_bind_blob(st, i, p, n, SQLITE_STATIC);
	case 't':
		t = va_arg(*ap, const char *);
		return t != NULL
		    ? sqlite3_bind_text(st, i, t, -1, SQLITE_STATIC)
		    : sqlite3_bind_null(st, i);
	case 'n':
		return sqlite3_bind_null(st, i);
	default:
		return BIND_BAD_TYPE;
	}
}

/* A bind's failure as the store's error (a bad type letter is a bug). */
static int
bind_fail(struct store *s, struct store_err *err, int rc)
{
	if (rc == BIND_BAD_TYPE)
		return store_fail(err, -EINVAL, "internal",
		    "internal error: a bad bind type letter");
	return store_fail_db(s, err, rc);
}

/* Bind ?1, ?2, ... from ap, one type letter each; the first failure. */
static int
bind_all(sqlite3_stmt *st, const char *types, va_list *ap)
{
	size_t i;
	int rc = SQLITE_OK;

	for (i = 0; types[i] != '\0' && rc == SQLITE_OK; i++)
		rc = bind_one(st, (int)i + 1, types[i], ap);
	return rc;
}

int
store_prepare_bind(struct store *s, const char *sql, sqlite3_stmt **ret,
    struct store_err *err, const char *types, ...)
{
	va_list ap;
	int r, rc;

	r = store_prepare(s, sql, ret, err);
	if (r < 0)
		return r;
	va_start(ap, types);
	rc = bind_all(*ret, types, &ap);
	va_end(ap);
	if (rc == SQLITE_OK)
		return 0;
	r = bind_fail(s, err, rc);
	sqlite3_finalize(*ret);
	*ret = NULL;
	return r;
}

int
store_rebind(struct store *s, sqlite3_stmt *st, struct store_err *err,
    const char *types, ...)
{
	va_list ap;
	int rc;

	/* the last step's result: the caller has checked it */
	(void)sqlite3_reset(st);
	va_start(ap, types);
	rc = bind_all(st, types, &ap);
	va_end(ap);
	return rc == SQLITE_OK ? 0 : bind_fail(s, err, rc);
}

int
store_run(struct store *s, sqlite3_stmt *st, struct store_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW
	    ? 0
	    : store_fail_db(s, err, rc);
}

int
store_begin(struct store *s, struct store_err *err)
{
	return store_exec(s, "BEGIN IMMEDIATE", err);
}

int
store_commit(struct store *s, struct store_err *err)
{
	int r = store_marks_sync(s, err);

	if (r == 0) {
		r = store_exec(s, "COMMIT", err);
		/*
		 * An I/O error at COMMIT (a failed sync of the WAL, say) may
		 * leave the change saved: SQLite cannot tell.  Say so rather
		 * than "failed".
		 */
		if (r == -EIO) {
			size_t n = strlen(err->msg);

			(void)snprintf(err->msg + n, sizeof(err->msg) - n,
			    " at commit: whether the change was saved is "
			    "unknown; look before doing it again");
		}
	}

	/* (unknown: publish again all the same, harmless if nothing changed) */
	if (r == 0 || r == -EIO)
		s->generation++;
	if (r != 0)
		store_rollback(s);
	return r;
}

/* The transaction ends here, memory or not (store_int.h). */
void
store_rollback(struct store *s)
{
	if (sqlite3_get_autocommit(s->db))
		return;
	(void)sqlite3_step(s->rollback);
	(void)sqlite3_reset(s->rollback);
}

void
store_release_memory(struct store *s)
{
	(void)sqlite3_db_release_memory(s->db);
	if (s->side != NULL)
		(void)sqlite3_db_release_memory(s->side->db);
}

uint64_t
store_generation(const struct store *s)
{
	return s->generation;
}

int
store_sync_pools(struct store *s, const struct ua_conf *c,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int r;

	r = store_begin(s, err);
	if (r < 0)
		return r;
	r = store_prepare(s,
	    "INSERT INTO pools (name, next_uid, next_gid) VALUES (?1, ?2, ?3) "
	    "ON CONFLICT (name) DO UPDATE SET "
	    "next_uid = max(next_uid, excluded.next_uid), "
	    "next_gid = max(next_gid, excluded.next_gid)",
	    &st, err);
	if (r < 0)
		goto out;
	for (i = 0; i < c->npools; i++) {
		const struct ua_pool_conf *p = &c->pools[i];

		r = store_rebind(s, st, err, "tii", p->name,
		    (int64_t)p->uid_min, (int64_t)p->gid_min);
		if (r < 0)
			goto out;
		if (sqlite3_step(st) != SQLITE_DONE) {
			r = store_fail_db(s, err, sqlite3_errcode(s->db));
			goto out;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	r = store_commit(s, err);
out:
	sqlite3_finalize(st);
	if (r < 0)
		store_rollback(s);
	return r;
}

/* ---- lookups ------------------------------------------------------------ */

/*
 * One row by a text key: sql binds ?1 = key and selects an id (and
 * optionally a second integer).  No row: -ENOENT "not_found" with
 * "no WHAT 'SHOWN'".
 */
static int
lookup_id(struct store *s, const char *sql, const char *key, const char *what,
    const char *shown, int64_t *ret, int64_t *ret2, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	r = store_prepare_bind(s, sql, &st, err, "t", key);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*ret = sqlite3_column_int64(st, 0);
		if (ret2 != NULL)
			*ret2 = sqlite3_column_int64(st, 1);
	} else if (rc == SQLITE_DONE)
		r = store_fail(err, -ENOENT, "not_found", "no %s '%s'", what,
		    shown);
	else
		r = store_fail_db(s, err, rc);
	sqlite3_finalize(st);
	return r;
}

int
store_pool_id(struct store *s, const char *pool, int64_t *ret,
    struct store_err *err)
{
	return lookup_id(s, "SELECT id FROM pools WHERE name = ?1", pool,
	    "pool", pool, ret, NULL, err);
}

/* A user named by login or by email (case-insensitive). */
int
store_user_id(struct store *s, const char *user, int64_t *ret,
    struct store_err *err)
{
	char email[UA_MAX_EMAIL + 1];

	if (strchr(user, '@') != NULL) {
		if (ua_email_normalize(user, email, sizeof(email), NULL) < 0)
			return store_fail(err, -ENOENT, "not_found",
			    "no such user");
		return lookup_id(s, "SELECT id FROM users WHERE email = ?1",
		    email, "user", user, ret, NULL, err);
	}
	if (ua_valid_name(user, NULL) < 0)
		return store_fail(err, -ENOENT, "not_found", "no such user");
	return lookup_id(s, "SELECT id FROM users WHERE login = ?1", user,
	    "user", user, ret, NULL, err);
}

int
store_group_id(struct store *s, const char *group, int64_t *ret,
    int64_t *ret_pool, struct store_err *err)
{
	if (ua_valid_name(group, NULL) < 0)
		return store_fail(err, -ENOENT, "not_found", "no such group");
	return lookup_id(s, "SELECT id, pool_id FROM groups WHERE name = ?1",
	    group, "group", group, ret, ret_pool, err);
}

/*
 * Is name taken by a local account or group?  Read /etc/passwd and
 * /etc/group directly (never through NSS, which may be us).  A pool user
 * called like a local one would be shadowed by "files" in nsswitch.conf
 * and could still authenticate as that local account.
 */
static bool
local_name_exists(const char *path, const char *name)
{
	char line[4096];
	size_t n = strlen(name);
	bool found = false;
	FILE *f;

	f = fopen(path, "re");
	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			found = true;
			break;
		}
	}
	(void)fclose(f);
	return found;
}

/*
 * Is id the uid (in /etc/passwd) or gid (in /etc/group) of a local
 * account?  Pool ids skip those, so a pool user never owns a local
 * account's files.
 */
bool
store_local_id_taken(const char *path, uint32_t id)
{
	char line[4096], *p, *end;
	bool found = false;
	unsigned long v;
	FILE *f;
	int field;

	f = fopen(path, "re");
	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		/* name:password:ID:... */
		for (p = line, field = 0; field < 2 && p != NULL; field++) {
			p = strchr(p, ':');
			if (p != NULL)
				p++;
		}
		if (p == NULL || *p < '0' || *p > '9')
			continue;
		errno = 0;
		v = strtoul(p, &end, 10);
		found = errno == 0 && *end == ':' && v == id;
	}
	(void)fclose(f);
	return found;
}

int
store_name_free(struct store *s, const char *name, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	if (strcmp(name, "root") == 0 ||
	    local_name_exists("/etc/passwd", name) ||
	    local_name_exists("/etc/group", name))
		return store_fail(err, -EEXIST, "exists",
		    "'%s' is a local account or group on this host", name);
	r = store_prepare_bind(s,
	    "SELECT 1 FROM users WHERE login = ?1 "
	    "UNION ALL SELECT 1 FROM groups WHERE name = ?1",
	    &st, err, "t", name);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		r = store_fail(err, -EEXIST, "exists",
		    "the name '%s' is already taken by a user or group", name);
	else if (rc != SQLITE_DONE)
		r = store_fail_db(s, err, rc);
	sqlite3_finalize(st);
	return r;
}

/* ---- result objects
 * ---------------------------------------------------------- */

static json_t *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return json_string(t != NULL ? (const char *)t : "");
}

static json_t *
col_time(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return json_null();
	return json_integer(sqlite3_column_int64(st, i));
}

/* The names of the groups a user belongs to. */
static int
user_groups(struct store *s, int64_t id, json_t **ret, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	json_t *a = json_array();
	int r, rc;

	if (a == NULL)
		return store_oom(err);
	r = store_prepare_bind(s,
	    "SELECT g.name FROM members m JOIN groups g ON g.id = m.group_id "
	    "WHERE m.user_id = ?1 ORDER BY g.name",
	    &st, err, "i", id);
	if (r < 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(a, col_text(st, 0));
	if (rc != SQLITE_DONE) {
		r = store_fail_db(s, err, rc);
		goto out;
	}
	*ret = a;
	a = NULL;
out:
	sqlite3_finalize(st);
	json_decref(a);
	return r;
}

int
store_user_row(struct store *s, sqlite3_stmt *st, json_t **ret,
    struct store_err *err)
{
	json_t *groups = NULL;
	json_t *o;
	int r;

	r = user_groups(s, sqlite3_column_int64(st, 0), &groups, err);
	if (r < 0)
		return r;
	o = json_pack("{s:o s:o s:o s:o s:I s:I s:o s:o s:o s:o s:o s:b s:o}",
	    "login", col_text(st, 1), "pool", col_text(st, 2), "email",
	    col_text(st, 3), "display_name", col_text(st, 4), "uid",
	    (json_int_t)sqlite3_column_int64(st, 5), "gid",
	    (json_int_t)sqlite3_column_int64(st, 6), "home", col_text(st, 7),
	    "shell", col_text(st, 8), "state", col_text(st, 9), "created",
	    col_time(st, 10), "last_login", col_time(st, 11), "password_set",
	    sqlite3_column_int(st, 12) != 0, "groups", groups);
	if (o == NULL)
		return store_oom(err);
	*ret = o;
	return 0;
}

/*
 * After a committed change: the user's JSON; when reading it back fails
 * (an I/O error), the change stands all the same: a minimal object with
 * what the caller knows, and "readback_error", which the admin layer
 * turns into a warning.  Never an error: the change is saved.
 */
int
store_user_json_saved(struct store *s, int64_t id, const char *login,
    json_t **ret, struct store_err *err)
{
	struct store_err rerr = { 0 };

	if (store_user_json(s, id, ret, &rerr) == 0)
		return 0;
	*ret = json_pack("{s:s s:s}", "login", login != NULL ? login : "",
	    "readback_error", rerr.msg);
	return *ret != NULL ? 0 : store_oom(err);
}

int
store_user_json(struct store *s, int64_t id, json_t **ret,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	r = store_prepare_bind(s, "SELECT " STORE_USER_COLS "WHERE u.id = ?1",
	    &st, err, "i", id);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		r = store_user_row(s, st, ret, err);
	else if (rc == SQLITE_DONE)
		r = store_fail(err, -ENOENT, "not_found", "no such user");
	else
		r = store_fail_db(s, err, rc);
	sqlite3_finalize(st);
	return r;
}

int
store_group_json(struct store *s, int64_t id, json_t **ret,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	json_t *members = NULL, *o = NULL;
	int r, rc;

	r = store_prepare_bind(s,
	    "SELECT g.name, p.name, g.gid FROM groups g "
	    "JOIN pools p ON p.id = g.pool_id WHERE g.id = ?1",
	    &st, err, "i", id);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		r = rc == SQLITE_DONE
		    ? store_fail(err, -ENOENT, "not_found", "no such group")
		    : store_fail_db(s, err, rc);
		goto out;
	}
	members = json_array();
	o = json_pack("{s:o s:o s:I}", "name", col_text(st, 0), "pool",
	    col_text(st, 1), "gid", (json_int_t)sqlite3_column_int64(st, 2));
	sqlite3_finalize(st);
	st = NULL;
	if (o == NULL || members == NULL) {
		r = store_oom(err);
		goto out;
	}
	r = store_prepare_bind(s,
	    "SELECT u.login FROM members m JOIN users u ON u.id = m.user_id "
	    "WHERE m.group_id = ?1 ORDER BY u.login",
	    &st, err, "i", id);
	if (r < 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(members, col_text(st, 0));
	if (rc != SQLITE_DONE) {
		r = store_fail_db(s, err, rc);
		goto out;
	}
	json_object_set_new(o, "members", members);
	members = NULL;
	*ret = o;
	o = NULL;
out:
	sqlite3_finalize(st);
	json_decref(members);
	json_decref(o);
	return r;
}

/* Run one bound UPDATE/DELETE on the row id inside a transaction. */
int
store_mutate_row(struct store *s, const char *sql, int64_t id, const char *text,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	r = store_begin(s, err);
	if (r < 0)
		return r;
	/* no ?2 to bind when there is no text: sql may not have one */
	if (text != NULL)
		r = store_prepare_bind(s, sql, &st, err, "it", id, text);
	else
		r = store_prepare_bind(s, sql, &st, err, "i", id);
	if (r < 0)
		goto out;
	r = store_run(s, st, err);
	st = NULL;
	if (r < 0)
		goto out;
	r = store_commit(s, err);
out:
	sqlite3_finalize(st);
	if (r < 0)
		store_rollback(s);
	return r;
}

/*
 * Run sql (bound: ?1 = the pool's row id, 0 for every pool) and collect
 * row_fn's object for each row into an array.
 */
int
store_list(struct store *s, const char *pool, const char *sql,
    int (
	*row_fn)(struct store *, sqlite3_stmt *, json_t **, struct store_err *),
    json_t **ret, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	json_t *a = NULL, *o;
	int64_t pid = 0;
	int r, rc;

	if (pool != NULL) {
		r = store_pool_id(s, pool, &pid, err);
		if (r < 0)
			return r;
	}
	r = store_prepare_bind(s, sql, &st, err, "i", pid);
	if (r < 0)
		return r;
	a = json_array();
	if (a == NULL) {
		r = store_oom(err);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r = row_fn(s, st, &o, err);
		if (r < 0)
			goto out;
		json_array_append_new(a, o);
	}
	if (rc != SQLITE_DONE) {
		r = store_fail_db(s, err, rc);
		goto out;
	}
	*ret = a;
	a = NULL;
out:
	sqlite3_finalize(st);
	json_decref(a);
	return r;
}

void
store_set_busy_ms(struct store *s, int ms)
{
	sqlbusy_set(s->db, ms);
	if (s->side != NULL)
		sqlbusy_set(s->side->db, ms);
}
