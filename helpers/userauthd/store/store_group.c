/* SPDX-License-Identifier: MIT */
/*
 * The store's groups and memberships, and the one-transaction snapshot the
 * NSS cache is built from.  A group and its members always share a pool.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/valid.h"
#include "userauthd/store/store_int.h"

int
store_group_add(struct store *s, const struct ua_conf *c, const char *pool,
    const char *name, json_t **ret, struct store_err *err)
{
	const struct ua_pool_conf *pc;
	sqlite3_stmt *st = NULL;
	const char *why = NULL;
	int64_t pid, id = 0;
	uint32_t gid = 0;
	int r, rc;

	if (ua_valid_name(name, &why) < 0)
		return store_fail(err, -EINVAL, "invalid", "group name: %s",
		    why);
	pc = ua_conf_pool(c, pool);
	if (pc == NULL)
		return store_fail(err, -ENOENT, "not_found", "no pool '%s'",
		    pool);
	r = store_begin(s, err);
	if (r < 0)
		return r;
	r = store_pool_id(s, pool, &pid, err);
	if (r == 0)
		r = store_name_free(s, name, err);
	if (r < 0)
		goto out;
	r = store_alloc_id(s, pid, "next_gid", pc->gid_min, pc->gid_max, "gid",
	    &gid, err);
	if (r < 0)
		goto out;
	r = store_prepare_bind(s,
	    "INSERT INTO groups (pool_id, name, gid) VALUES (?1, ?2, ?3)", &st,
	    err, "iti", pid, name, (int64_t)gid);
	if (r < 0)
		goto out;
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		r = store_fail_db(s, err, rc);
		goto out;
	}
	id = sqlite3_last_insert_rowid(s->db);
	sqlite3_finalize(st);
	st = NULL;
	r = store_commit(s, err);
out:
	sqlite3_finalize(st);
	if (r < 0) {
		store_rollback(s);
		return r;
	}
	return store_group_json(s, id, ret, err);
}

int
store_group_del(struct store *s, const char *group, json_t **ret,
    struct store_err *err)
{
	int64_t id;
	int r;

	r = store_group_id(s, group, &id, NULL, err);
	if (r == 0)
		r = store_mutate_row(s, "DELETE FROM groups WHERE id = ?1", id,
		    NULL, err);
	if (r < 0)
		return r;
	*ret = json_pack("{s:s}", "name", group);
	return *ret ? 0 : store_oom(err);
}

static int
group_row(struct store *s, sqlite3_stmt *st, json_t **ret,
    struct store_err *err)
{
	return store_group_json(s, sqlite3_column_int64(st, 0), ret, err);
}

int
store_group_list(struct store *s, const char *pool, json_t **ret,
    struct store_err *err)
{
	return store_list(s, pool,
	    "SELECT id FROM groups WHERE ?1 = 0 OR pool_id = ?1 ORDER BY name",
	    group_row, ret, err);
}

int
store_group_member(struct store *s, const char *group, const char *user,
    bool add, json_t **ret, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t gid = 0, gpool = 0, uid = 0, upool = 0;
	int r, rc;

	r = store_group_id(s, group, &gid, &gpool, err);
	if (r == 0)
		r = store_user_id(s, user, &uid, err);
	if (r < 0)
		return r;
	r = store_begin(s, err);
	if (r < 0)
		return r;
	r = store_prepare_bind(s, "SELECT pool_id FROM users WHERE id = ?1",
	    &st, err, "i", uid);
	if (r < 0)
		goto out;
	if (sqlite3_step(st) == SQLITE_ROW)
		upool = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (upool != gpool) {
		r = store_fail(err, -EINVAL, "invalid",
		    "user '%s' and group '%s' are in different pools", user,
		    group);
		goto out;
	}
	r = store_prepare_bind(s,
	    add ? "INSERT INTO members (group_id, user_id) VALUES (?1, ?2)"
		: "DELETE FROM members WHERE group_id = ?1 AND user_id = ?2",
	    &st, err, "ii", gid, uid);
	if (r < 0)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT) {
		r = store_fail(err, -EEXIST, "exists",
		    "'%s' is already a member of '%s'", user, group);
		goto out;
	}
	if (rc != SQLITE_DONE) {
		r = store_fail_db(s, err, rc);
		goto out;
	}
	if (!add && sqlite3_changes(s->db) == 0) {
		r = store_fail(err, -ENOENT, "not_found",
		    "'%s' is not a member of '%s'", user, group);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	r = store_commit(s, err);
out:
	sqlite3_finalize(st);
	if (r < 0) {
		store_rollback(s);
		return r;
	}
	return store_group_json(s, gid, ret, err);
}

/* ---- NSS snapshot
 * ------------------------------------------------------------ */

static char *
dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return strdup(t != NULL ? (const char *)t : "");
}

static int
snapshot_users(struct store *s, struct store_nss *n, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int r, rc;

	r = store_prepare(s,
	    "SELECT id, login, email, display_name, home, shell, uid, gid "
	    "FROM users ORDER BY id",
	    &st, err);
	if (r < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_nss_user *u;

		if (n->nusers == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			void *p = reallocarray(n->users, ncap, sizeof(*u));

			if (p == NULL)
				goto oom;
			n->users = p;
			cap = ncap;
		}
		u = &n->users[n->nusers];
		memset(u, 0, sizeof(*u));
		n->nusers++;
		u->id = sqlite3_column_int64(st, 0);
		u->login = dup_col(st, 1);
		u->email = dup_col(st, 2);
		u->gecos = dup_col(st, 3);
		u->home = dup_col(st, 4);
		u->shell = dup_col(st, 5);
		u->uid = (uint32_t)sqlite3_column_int64(st, 6);
		u->gid = (uint32_t)sqlite3_column_int64(st, 7);
		if (!u->login || !u->email || !u->gecos || !u->home ||
		    !u->shell)
			goto oom;
	}
	if (rc != SQLITE_DONE)
		r = store_fail_db(s, err, rc);
	sqlite3_finalize(st);
	return r;
oom:
	sqlite3_finalize(st);
	return store_oom(err);
}

/* Index of the user row id in the snapshot (users are sorted by id). */
static int
user_index(const struct store_nss *n, int64_t id, uint32_t *ret)
{
	size_t lo = 0, hi = n->nusers;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (n->users[mid].id == id) {
			*ret = (uint32_t)mid;
			return 0;
		}
		if (n->users[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -ENOENT;
}

static int
snapshot_groups(struct store *s, struct store_nss *n, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int64_t last = -1;
	uint32_t idx;
	int r, rc;

	r = store_prepare(s,
	    "SELECT g.id, g.name, g.gid, m.user_id FROM groups g "
	    "LEFT JOIN members m ON m.group_id = g.id ORDER BY g.id",
	    &st, err);
	if (r < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_nss_group *g;

		if (sqlite3_column_int64(st, 0) != last) {
			if (n->ngroups == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				void *p =
				    reallocarray(n->groups, ncap, sizeof(*g));

				if (p == NULL)
					goto oom;
				n->groups = p;
				cap = ncap;
			}
			g = &n->groups[n->ngroups++];
			memset(g, 0, sizeof(*g));
			last = sqlite3_column_int64(st, 0);
			g->name = dup_col(st, 1);
			g->gid = (uint32_t)sqlite3_column_int64(st, 2);
			if (g->name == NULL)
				goto oom;
		}
		if (n->ngroups == 0)
			continue; /* the first row always opens a group */
		g = &n->groups[n->ngroups - 1];
		if (sqlite3_column_type(st, 3) == SQLITE_NULL ||
		    user_index(n, sqlite3_column_int64(st, 3), &idx) < 0)
			continue;
		/* Grow one at a time: lists are short; amortise if not. */
		if ((g->nmembers & (g->nmembers - 1)) == 0) {
			size_t ncap = g->nmembers ? g->nmembers * 2 : 1;
			void *p =
			    reallocarray(g->members, ncap, sizeof(*g->members));

			if (p == NULL)
				goto oom;
			g->members = p;
		}
		g->members[g->nmembers++] = idx;
	}
	if (rc != SQLITE_DONE)
		r = store_fail_db(s, err, rc);
	sqlite3_finalize(st);
	return r;
oom:
	sqlite3_finalize(st);
	return store_oom(err);
}

/* Every pool row's counters: the id marks the cache carries. */
static int
snapshot_pools(struct store *s, struct store_nss *n, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	struct store_nss_pool *p;
	int64_t u, g;
	int r, rc;

	r = store_prepare(s,
	    "SELECT name, next_uid, next_gid FROM pools "
	    "ORDER BY name",
	    &st, err);
	if (r < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		p = reallocarray(n->pools, n->npools + 1, sizeof(*p));
		if (p == NULL)
			goto oom;
		n->pools = p;
		p = &n->pools[n->npools];
		u = sqlite3_column_int64(st, 1);
		g = sqlite3_column_int64(st, 2);
		p->uid_next = u < 0  ? 0
		    : u > UINT32_MAX ? UINT32_MAX
				     : (uint32_t)u;
		p->gid_next = g < 0  ? 0
		    : g > UINT32_MAX ? UINT32_MAX
				     : (uint32_t)g;
		p->name = dup_col(st, 0);
		if (p->name == NULL)
			goto oom;
		n->npools++;
	}
	if (rc != SQLITE_DONE)
		r = store_fail_db(s, err, rc);
	sqlite3_finalize(st);
	return r;
oom:
	sqlite3_finalize(st);
	return store_oom(err);
}

int
store_nss_snapshot(struct store *s, struct store_nss *ret,
    struct store_err *err)
{
	struct store_nss n = { 0 };
	int r;

	r = store_exec(s, "BEGIN", err);
	if (r < 0)
		return r;
	r = snapshot_users(s, &n, err);
	if (r == 0)
		r = snapshot_groups(s, &n, err);
	if (r == 0)
		r = snapshot_pools(s, &n, err);
	/* the read transaction ends, short of memory too */
	store_rollback(s);
	if (r < 0) {
		store_nss_free(&n);
		return r;
	}
	*ret = n;
	return 0;
}

void
store_nss_free(struct store_nss *n)
{
	size_t i;

	for (i = 0; i < n->nusers; i++) {
		free(n->users[i].login);
		free(n->users[i].email);
		free(n->users[i].gecos);
		free(n->users[i].home);
		free(n->users[i].shell);
	}
	for (i = 0; i < n->ngroups; i++) {
		free(n->groups[i].name);
		free(n->groups[i].members);
	}
	for (i = 0; i < n->npools; i++)
		free(n->pools[i].name);
	free(n->users);
	free(n->groups);
	free(n->pools);
	memset(n, 0, sizeof(*n));
}
