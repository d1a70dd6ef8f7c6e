/* SPDX-License-Identifier: MIT */
/*
 * Bulk import of users (user.import.*): every row is checked with the
 * same validators as user.add, against the other rows, the database and
 * the local accounts, before anything is written; then all rows go in
 * one IMMEDIATE transaction with uids allocated in one pass.  No password
 * is set (rows never carry one), so no hash is spent.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/valid.h"
#include "userauthd/store/store_int.h"

#define REJECTED_MAX 1000 /* listed in a reply; all are counted */

/* Local accounts, read once from /etc/passwd and /etc/group. */
struct local_db {
	char **names;
	size_t nnames;
	uint32_t *ids; /* uids of passwd and gids of group */
	size_t nids;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
local_read(struct local_db *l, const char *path)
{
	char line[4096];
	FILE *f;

	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *c1 = strchr(line, ':'), *c2, *end;
		unsigned long v;
		void *p;

		if (c1 == NULL || c1 == line)
			continue;
		p = realloc(l->names, (l->nnames + 1) * sizeof(*l->names));
		if (p == NULL)
			goto oom;
		l->names = p;
		l->names[l->nnames] = strndup(line, (size_t)(c1 - line));
		if (l->names[l->nnames] == NULL)
			goto oom;
		l->nnames++;
		c2 = strchr(c1 + 1, ':');
		if (c2 == NULL || c2[1] < '0' || c2[1] > '9')
			continue;
		errno = 0;
		v = strtoul(c2 + 1, &end, 10);
		if (errno != 0 || *end != ':' || v > UINT32_MAX)
			continue;
		p = realloc(l->ids, (l->nids + 1) * sizeof(*l->ids));
		if (p == NULL)
			goto oom;
		l->ids = p;
		l->ids[l->nids++] = (uint32_t)v;
	}
	(void)fclose(f);
	return 0;
oom:
	(void)fclose(f);
	return -ENOMEM;
}

static void
local_free(struct local_db *l)
{
	size_t i;

	for (i = 0; i < l->nnames; i++)
		free(l->names[i]);
	free(l->names);
	free(l->ids);
}

static int
local_load(struct local_db *l)
{
	int r = local_read(l, "/etc/passwd");

	if (r == 0)
		r = local_read(l, "/etc/group");
	if (r < 0)
		return r;
	if (l->nnames > 0)
		qsort(l->names, l->nnames, sizeof(*l->names), cmp_str);
	if (l->nids > 0)
		qsort(l->ids, l->nids, sizeof(*l->ids), cmp_u32);
	return 0;
}

static bool
local_name(const struct local_db *l, const char *name)
{
	return strcmp(name, "root") == 0 ||
	    (l->nnames > 0 &&
		bsearch(&name, l->names, l->nnames, sizeof(*l->names),
		    cmp_str) != NULL);
}

static bool
local_id(const struct local_db *l, uint32_t id)
{
	return l->nids > 0 &&
	    bsearch(&id, l->ids, l->nids, sizeof(*l->ids), cmp_u32) != NULL;
}

/* The database's groups: name -> row id and pool. */
struct dbgroup {
	char *name;
	int64_t id, pool;
};

static int
cmp_dbgroup(const void *a, const void *b)
{
	return strcmp(((const struct dbgroup *)a)->name,
	    ((const struct dbgroup *)b)->name);
}

static int
groups_load(struct store *s, struct dbgroup **ret, size_t *ret_n,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	struct dbgroup *g = NULL;
	size_t n = 0;
	int r, rc;

	r = store_prepare(s, "SELECT name, id, pool_id FROM groups", &st, err);
	if (r < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct dbgroup *p = realloc(g, (n + 1) * sizeof(*g));

		if (p == NULL) {
			r = store_oom(err);
			break;
		}
		g = p;
		g[n].name = strdup((const char *)sqlite3_column_text(st, 0));
		g[n].id = sqlite3_column_int64(st, 1);
		g[n].pool = sqlite3_column_int64(st, 2);
		if (g[n].name == NULL) {
			r = store_oom(err);
			break;
		}
		n++;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_fail_db(s, err, rc);
	sqlite3_finalize(st);
	if (r == 0 && n > 0) /* qsort and bsearch want an array */
		qsort(g, n, sizeof(*g), cmp_dbgroup);
	*ret = g;
	*ret_n = n;
	return r;
}

/* Per-row working state. */
struct rowstate {
	char email[UA_MAX_EMAIL + 1];
	char home[UA_MAX_PATHFIELD + 1];
	const char *why; /* NULL: good so far */
	char whybuf[200];
	int64_t *gids; /* group row ids */
};

static void reject(struct rowstate *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reject(struct rowstate *w, const char *fmt, ...)
{
	va_list ap;

	if (w->why != NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(w->whybuf, sizeof(w->whybuf), fmt, ap);
	va_end(ap);
	w->why = w->whybuf;
}

static void
check_fields(const struct ua_pool_conf *pc, const struct store_import_row *u,
    struct rowstate *w)
{
	const char *why = NULL;

	if (u->login == NULL || ua_valid_name(u->login, &why) < 0)
		return reject(w, "login name: %s", why ? why : "missing");
	if (u->email == NULL ||
	    ua_email_normalize(u->email, w->email, sizeof(w->email), &why) < 0)
		return reject(w, "email: %s", why ? why : "missing");
	if (u->display_name != NULL &&
	    ua_valid_gecos(u->display_name, &why) < 0)
		return reject(w, "display name: %s", why);
	if (u->home != NULL && ua_valid_path_field(u->home, &why) < 0)
		return reject(w, "home: %s", why);
	if (u->shell != NULL && ua_valid_path_field(u->shell, &why) < 0)
		return reject(w, "shell: %s", why);
	if (u->home != NULL)
		(void)snprintf(w->home, sizeof(w->home), "%s", u->home);
	else if (ua_conf_home(pc, u->login, w->home, sizeof(w->home)) < 0 ||
	    ua_valid_path_field(w->home, NULL) < 0)
		return reject(w,
		    "the pool's home template gives no valid "
		    "path for '%s'",
		    u->login);
}

struct dupkey {
	const char *key;
	size_t row;
};

static int
cmp_dupkey(const void *a, const void *b)
{
	const struct dupkey *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c != 0 ? c : x->row < y->row ? -1 : x->row > y->row;
}

/* Flag every row whose key (login or email) an earlier row already has. */
static int
check_dups(const struct store_import_row *rows, struct rowstate *w, size_t n,
    bool email)
{
	struct dupkey *k = calloc(n ? n : 1, sizeof(*k));
	size_t i, m = 0;

	if (k == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (w[i].why == NULL)
			k[m++] =
			    (struct dupkey){ email ? w[i].email : rows[i].login,
				    i };
	qsort(k, m, sizeof(*k), cmp_dupkey);
	for (i = 1; i < m; i++)
		if (strcmp(k[i].key, k[i - 1].key) == 0) {
			size_t first = i - 1;

			while (first > 0 &&
			    strcmp(k[first - 1].key, k[i].key) == 0)
				first--;
			reject(&w[k[i].row],
			    "duplicate %s '%s' (first on "
			    "line %lu)",
			    email ? "email" : "login", k[i].key,
			    rows[k[first].row].line);
		}
	free(k);
	return 0;
}

static int
check_db(struct store *s, const struct store_import_row *u, struct rowstate *w,
    sqlite3_stmt *qname, sqlite3_stmt *qemail, const struct local_db *l,
    const struct dbgroup *g, size_t ng, int64_t pool, struct store_err *err)
{
	size_t i;
	int r, rc;

	if (local_name(l, u->login)) {
		reject(w, "'%s' is a local account or group on this host",
		    u->login);
		return 0;
	}
	r = store_rebind(s, qname, err, "t", u->login);
	if (r < 0)
		return r;
	rc = sqlite3_step(qname);
	if (rc == SQLITE_ROW) {
		reject(w, "the name '%s' is already taken by a user or group",
		    u->login);
		return 0;
	}
	if (rc != SQLITE_DONE)
		return store_fail_db(s, err, rc);
	r = store_rebind(s, qemail, err, "t", w->email);
	if (r < 0)
		return r;
	rc = sqlite3_step(qemail);
	if (rc == SQLITE_ROW) {
		reject(w, "the email '%s' already belongs to a user", w->email);
		return 0;
	}
	if (rc != SQLITE_DONE)
		return store_fail_db(s, err, rc);
	for (i = 0; i < u->ngroups; i++) {
		struct dbgroup key = { .name = u->groups[i] };
		const struct dbgroup *f = ng == 0
		    ? NULL
		    : bsearch(&key, g, ng, sizeof(*g), cmp_dbgroup);

		if (f == NULL) {
			reject(w, "no group '%.64s'", u->groups[i]);
			return 0;
		}
		if (f->pool != pool) {
			reject(w, "group '%s' belongs to another pool",
			    u->groups[i]);
			return 0;
		}
		w->gids[i] = f->id;
	}
	return 0;
}

/* The pool's next uid (at least uid_min), or (put) its new value. */
static int
next_uid(struct store *s, int64_t pool, bool put, int64_t *next,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	r = put
	    ? store_prepare_bind(s,
		  "UPDATE pools SET next_uid = ?2 WHERE id = ?1", &st, err,
		  "ii", pool, *next)
	    : store_prepare_bind(s, "SELECT next_uid FROM pools WHERE id = ?1",
		  &st, err, "i", pool);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == (put ? SQLITE_DONE : SQLITE_ROW)) {
		if (!put)
			*next = sqlite3_column_int64(st, 0);
	} else
		r = store_fail_db(s, err, rc);
	sqlite3_finalize(st);
	return r;
}

/* Step a rebound statement that returns no rows (it stays prepared). */
static int
step_done(struct store *s, sqlite3_stmt *st, struct store_err *err)
{
	int rc = sqlite3_step(st);

	return rc == SQLITE_DONE ? 0 : store_fail_db(s, err, rc);
}

/* One good row u as user uid, with its memberships. */
static int
insert_one(struct store *s, sqlite3_stmt *ins, sqlite3_stmt *mem, int64_t pool,
    const struct ua_pool_conf *pc, const struct store_import_row *u,
    const struct rowstate *w, int64_t uid, int64_t now, struct store_err *err)
{
	int64_t id;
	size_t j;
	int r;

	r = store_rebind(s, ins, err, "itttitti", pool, u->login, w->email,
	    u->display_name ? u->display_name : "", uid, w->home,
	    u->shell ? u->shell : pc->shell, now);
	if (r == 0)
		r = step_done(s, ins, err);
	if (r < 0)
		return r;
	id = sqlite3_last_insert_rowid(s->db);
	for (j = 0; j < u->ngroups && r == 0; j++) {
		r = store_rebind(s, mem, err, "ii", w->gids[j], id);
		if (r == 0)
			r = step_done(s, mem, err);
	}
	return r;
}

static int
insert_all(struct store *s, int64_t pool, const struct ua_pool_conf *pc,
    const struct store_import_row *rows, struct rowstate *w, size_t n,
    const struct local_db *l, size_t *ret_imported, struct store_err *err)
{
	sqlite3_stmt *ins = NULL, *mem = NULL;
	int64_t next = 0, now = (int64_t)time(NULL);
	size_t i, done = 0;
	int r;

	r = next_uid(s, pool, false, &next, err);
	if (r < 0)
		return r;
	if (next < pc->uid_min)
		next = pc->uid_min;
	r = store_prepare(s,
	    "INSERT INTO users (pool_id, login, email, display_name, uid, gid,"
	    " home, shell, state, created) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, 'enabled', ?8)",
	    &ins, err);
	if (r == 0)
		r = store_prepare(s,
		    "INSERT OR IGNORE INTO members "
		    "(group_id, user_id) VALUES (?1, ?2)",
		    &mem, err);
	for (i = 0; i < n && r == 0; i++) {
		if (w[i].why != NULL)
			continue;
		/* As alloc_id: skip local uids and gids (uid = private gid). */
		while (next <= pc->uid_max && local_id(l, (uint32_t)next))
			next++;
		if (next > pc->uid_max)
			r = store_fail(err, -ENOSPC, "exhausted",
			    "the pool's uid range %u-%u is used up (at line "
			    "%lu)",
			    pc->uid_min, pc->uid_max, rows[i].line);
		else
			r = insert_one(s, ins, mem, pool, pc, &rows[i], &w[i],
			    next++, now, err);
		if (r == 0)
			done++;
	}
	if (r == 0)
		r = next_uid(s, pool, true, &next, err);
	if (r == 0)
		*ret_imported = done;
	sqlite3_finalize(ins);
	sqlite3_finalize(mem);
	return r;
}

/* The statements that look a row's login and email up. */
static int
prepare_lookups(struct store *s, sqlite3_stmt **qname, sqlite3_stmt **qemail,
    struct store_err *err)
{
	int r;

	r = store_prepare(s,
	    "SELECT 1 FROM users WHERE login = ?1 "
	    "UNION ALL SELECT 1 FROM groups WHERE name = ?1",
	    qname, err);
	if (r == 0)
		r = store_prepare(s, "SELECT 1 FROM users WHERE email = ?1",
		    qemail, err);
	return r;
}

/* nbad of n rows rejected, and no --skip-bad: the error names the first. */
static int
refuse_all(const json_t *rej, size_t nbad, size_t n, struct store_err *err)
{
	const json_t *f = json_array_get(rej, 0);

	return store_fail(err, -EINVAL, "invalid",
	    "%zu of %zu rows rejected, nothing imported (line %lld: %s)", nbad,
	    n, (long long)json_integer_value(json_object_get(f, "line")),
	    json_string_value(json_object_get(f, "reason")));
}

/*
 * Each row's own fields, and duplicates within the file: w[i].why says
 * what is wrong; a good row with groups gets room for their ids.
 */
static int
check_rows(const struct ua_pool_conf *pc, const struct store_import_row *rows,
    struct rowstate *w, size_t n, struct store_err *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		check_fields(pc, &rows[i], &w[i]);
		if (w[i].why == NULL && rows[i].ngroups > 0) {
			w[i].gids = calloc(rows[i].ngroups, sizeof(int64_t));
			if (w[i].gids == NULL)
				return store_oom(err);
		}
	}
	if (check_dups(rows, w, n, false) < 0 ||
	    check_dups(rows, w, n, true) < 0)
		return store_oom(err);
	return 0;
}

/* A rejected row into rej (the first REJECTED_MAX of them). */
static int
reject_row(json_t *rej, const struct store_import_row *u,
    const struct rowstate *w, struct store_err *err)
{
	if (json_array_size(rej) >= REJECTED_MAX)
		return 0;
	if (json_array_append_new(rej,
		json_pack("{s:I s:s s:s}", "line", (json_int_t)u->line, "login",
		    u->login ? u->login : "", "reason", w->why)) < 0)
		return store_oom(err);
	return 0;
}

int
store_user_import(struct store *s, const struct ua_conf *c, const char *pool,
    const struct store_import_row *rows, size_t n, bool commit, bool skip_bad,
    json_t **ret, struct store_err *err)
{
	const struct ua_pool_conf *pc = ua_conf_pool(c, pool);
	struct local_db l = { 0 };
	struct dbgroup *g = NULL;
	struct rowstate *w = NULL;
	sqlite3_stmt *qname = NULL, *qemail = NULL;
	json_t *rej = NULL, *o = NULL;
	size_t i, ng = 0, nbad = 0, imported = 0;
	int64_t poolid = 0;
	bool in_tx = false;
	int r;

	if (pc == NULL)
		return store_fail(err, -ENOENT, "not_found", "no pool '%s'",
		    pool);
	w = calloc(n ? n : 1, sizeof(*w));
	rej = json_array();
	if (w == NULL || rej == NULL || local_load(&l) < 0) {
		r = store_oom(err);
		goto out;
	}
	/*
	 * A check alone (each chunk) still reads in one transaction: outside
	 * one, every query would take and drop SQLite's read lock (two
	 * fcntl calls) on its own, four per row.  It is rolled back below.
	 */
	r = commit ? store_begin(s, err) : store_exec(s, "BEGIN", err);
	if (r < 0)
		goto out;
	in_tx = true;
	r = store_pool_id(s, pool, &poolid, err);
	if (r == 0)
		r = groups_load(s, &g, &ng, err);
	if (r == 0)
		r = prepare_lookups(s, &qname, &qemail, err);
	if (r < 0)
		goto out;
	r = check_rows(pc, rows, w, n, err);
	if (r < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (w[i].why == NULL) {
			r = check_db(s, &rows[i], &w[i], qname, qemail, &l, g,
			    ng, poolid, err);
			if (r < 0)
				goto out;
		}
		if (w[i].why != NULL) {
			nbad++;
			r = reject_row(rej, &rows[i], &w[i], err);
			if (r < 0)
				goto out;
		}
	}
	if (commit && nbad > 0 && !skip_bad) {
		r = refuse_all(rej, nbad, n, err);
		goto out;
	}
	if (commit) {
		r = insert_all(s, poolid, pc, rows, w, n, &l, &imported, err);
		if (r == 0)
			r = store_commit(s, err);
		in_tx = false;
		if (r < 0)
			goto out;
	}
	o = json_pack("{s:I s:I s:I s:O}", "rows", (json_int_t)n,
	    "rejected_count", (json_int_t)nbad, "imported",
	    (json_int_t)imported, "rejected", rej);
	if (o == NULL)
		r = store_oom(err);
	*ret = o;
out:
	sqlite3_finalize(qname);
	sqlite3_finalize(qemail);
	if (in_tx || r < 0)
		store_rollback(s);
	for (i = 0; w != NULL && i < n; i++)
		free(w[i].gids);
	free(w);
	for (i = 0; i < ng; i++)
		free(g[i].name);
	free(g);
	local_free(&l);
	json_decref(rej);
	return r;
}
