/* SPDX-License-Identifier: MIT */
/*
 * The store's admin operations: pools, users, groups, memberships and
 * password hashes.  Each mutation validates its input, runs in one
 * IMMEDIATE transaction and changes nothing when it fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/valid.h"
#include "userauthd/store/store_int.h"

int
store_pool_list(struct store *s, const struct ua_conf *c, json_t **ret,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	json_t *a = json_array();
	size_t i;
	int r = 0;

	if (a == NULL)
		return store_oom(err);
	r = store_prepare(s,
	    "SELECT (SELECT count(*) FROM users u JOIN pools p "
	    "  ON p.id = u.pool_id WHERE p.name = ?1), "
	    "(SELECT count(*) FROM groups g JOIN pools p "
	    "  ON p.id = g.pool_id WHERE p.name = ?1)",
	    &st, err);
	if (r < 0)
		goto out;
	for (i = 0; i < c->npools; i++) {
		const struct ua_pool_conf *p = &c->pools[i];
		json_t *o;

		r = store_rebind(s, st, err, "t", p->name);
		if (r < 0)
			goto out;
		if (sqlite3_step(st) != SQLITE_ROW) {
			r = store_fail_db(s, err, sqlite3_errcode(s->db));
			goto out;
		}
		o = json_pack("{s:s s:s s:I s:I s:I s:I s:I s:I}", "name",
		    p->name, "backend", "local", "uid_min",
		    (json_int_t)p->uid_min, "uid_max", (json_int_t)p->uid_max,
		    "gid_min", (json_int_t)p->gid_min, "gid_max",
		    (json_int_t)p->gid_max, "users",
		    (json_int_t)sqlite3_column_int64(st, 0), "groups",
		    (json_int_t)sqlite3_column_int64(st, 1));
		if (o == NULL || json_array_append_new(a, o) < 0) {
			r = store_oom(err);
			goto out;
		}
	}
	*ret = a;
	a = NULL;
out:
	sqlite3_finalize(st);
	json_decref(a);
	return r;
}

/* Take the pool's next id from [min, max]; counters only grow. */
int
store_alloc_id(struct store *s, int64_t pool, const char *column, uint32_t min,
    uint32_t max, const char *what, uint32_t *ret, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	char sql[128];
	int64_t next;
	int r, rc;

	(void)snprintf(sql, sizeof(sql), "SELECT %s FROM pools WHERE id = ?1",
	    column);
	r = store_prepare_bind(s, sql, &st, err, "i", pool);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		r = store_fail_db(s, err, rc);
		goto out;
	}
	next = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (next < min)
		next = min;
	/*
	 * Skip ids of local accounts: gids always, uids too for users (a
	 * user's uid is its private gid as well).
	 */
	while (next <= max &&
	    (store_local_id_taken("/etc/group", (uint32_t)next) ||
		(strcmp(column, "next_uid") == 0 &&
		    store_local_id_taken("/etc/passwd", (uint32_t)next))))
		next++;
	if (next > max) {
		r = store_fail(err, -ENOSPC, "exhausted",
		    "the pool's %s range %u-%u is used up", what, min, max);
		goto out;
	}
	(void)snprintf(sql, sizeof(sql),
	    "UPDATE pools SET %s = ?2 WHERE id = ?1", column);
	r = store_prepare_bind(s, sql, &st, err, "ii", pool, next + 1);
	if (r < 0)
		goto out;
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		r = store_fail_db(s, err, rc);
		goto out;
	}
	*ret = (uint32_t)next;
out:
	sqlite3_finalize(st);
	return r;
}

static int
check_user_fields(const struct store_user_new *u, char *email, size_t emailsz,
    struct store_err *err)
{
	const char *why = NULL;

	if (u->pool == NULL || ua_valid_pool(u->pool, &why) < 0)
		return store_fail(err, -EINVAL, "invalid", "pool: %s",
		    why ? why : "missing");
	if (u->login == NULL || ua_valid_name(u->login, &why) < 0)
		return store_fail(err, -EINVAL, "invalid", "login name: %s",
		    why ? why : "missing");
	if (u->email == NULL ||
	    ua_email_normalize(u->email, email, emailsz, &why) < 0)
		return store_fail(err, -EINVAL, "invalid", "email: %s",
		    why ? why : "missing");
	if (u->display_name != NULL &&
	    ua_valid_gecos(u->display_name, &why) < 0)
		return store_fail(err, -EINVAL, "invalid", "display name: %s",
		    why);
	if (u->home != NULL && ua_valid_path_field(u->home, &why) < 0)
		return store_fail(err, -EINVAL, "invalid", "home: %s", why);
	if (u->shell != NULL && ua_valid_path_field(u->shell, &why) < 0)
		return store_fail(err, -EINVAL, "invalid", "shell: %s", why);
	return 0;
}

static int
email_free(struct store *s, const char *email, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	r = store_prepare_bind(s, "SELECT 1 FROM users WHERE email = ?1", &st,
	    err, "t", email);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		r = store_fail(err, -EEXIST, "exists",
		    "the email '%s' already belongs to a user", email);
	else if (rc != SQLITE_DONE)
		r = store_fail_db(s, err, rc);
	sqlite3_finalize(st);
	return r;
}

static int
add_member(struct store *s, int64_t group, int64_t user, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	r = store_prepare_bind(s,
	    "INSERT OR IGNORE INTO members (group_id, user_id) VALUES (?1, ?2)",
	    &st, err, "ii", group, user);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		r = store_fail_db(s, err, rc);
	sqlite3_finalize(st);
	return r;
}

static int
insert_user(struct store *s, int64_t pool, const struct store_user_new *u,
    const char *email, uint32_t uid, const char *home, const char *shell,
    int64_t *ret, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	r = store_prepare_bind(s,
	    "INSERT INTO users (pool_id, login, email, display_name, uid, gid,"
	    " home, shell, state, created) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9)",
	    &st, err, "itttittti", pool, u->login, email,
	    u->display_name ? u->display_name : "", (int64_t)uid, home, shell,
	    u->disabled ? "disabled" : "enabled", (int64_t)time(NULL));
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		r = store_fail_db(s, err, rc);
	else
		*ret = sqlite3_last_insert_rowid(s->db);
	sqlite3_finalize(st);
	return r;
}

int
store_user_add(struct store *s, const struct ua_conf *c,
    const struct store_user_new *u, json_t **ret, struct store_err *err)
{
	char email[UA_MAX_EMAIL + 1], home[UA_MAX_PATHFIELD + 1];
	const struct ua_pool_conf *pc;
	int64_t pool = 0, id = 0, gid_row = 0, gpool = 0;
	uint32_t uid = 0;
	size_t i;
	int r;

	r = check_user_fields(u, email, sizeof(email), err);
	if (r < 0)
		return r;
	pc = ua_conf_pool(c, u->pool);
	if (pc == NULL)
		return store_fail(err, -ENOENT, "not_found", "no pool '%s'",
		    u->pool);
	if (u->home != NULL)
		(void)snprintf(home, sizeof(home), "%s", u->home);
	else if (ua_conf_home(pc, u->login, home, sizeof(home)) < 0 ||
	    ua_valid_path_field(home, NULL) < 0)
		return store_fail(err, -EINVAL, "invalid",
		    "the pool's home template gives no valid path for '%s'",
		    u->login);
	r = store_begin(s, err);
	if (r < 0)
		return r;
	r = store_pool_id(s, u->pool, &pool, err);
	if (r == 0)
		r = store_name_free(s, u->login, err);
	if (r == 0)
		r = email_free(s, email, err);
	if (r == 0)
		r = store_alloc_id(s, pool, "next_uid", pc->uid_min,
		    pc->uid_max, "uid", &uid, err);
	if (r == 0)
		r = insert_user(s, pool, u, email, uid, home,
		    u->shell ? u->shell : pc->shell, &id, err);
	for (i = 0; r == 0 && u->groups != NULL && u->groups[i] != NULL; i++) {
		r = store_group_id(s, u->groups[i], &gid_row, &gpool, err);
		if (r == 0 && gpool != pool)
			r = store_fail(err, -EINVAL, "invalid",
			    "group '%s' belongs to another pool", u->groups[i]);
		if (r == 0)
			r = add_member(s, gid_row, id, err);
	}
	if (r == 0)
		r = store_commit(s, err);
	if (r < 0) {
		store_rollback(s);
		return r;
	}
	return store_user_json_saved(s, id, u->login, ret, err);
}

int
store_user_show(struct store *s, const char *user, json_t **ret,
    struct store_err *err)
{
	int64_t id;
	int r;

	r = store_user_id(s, user, &id, err);
	if (r < 0)
		return r;
	return store_user_json(s, id, ret, err);
}

int
store_user_list(struct store *s, const char *pool, json_t **ret,
    struct store_err *err)
{
	return store_list(s, pool,
	    "SELECT " STORE_USER_COLS
	    "WHERE ?1 = 0 OR u.pool_id = ?1 ORDER BY u.login",
	    store_user_row, ret, err);
}

int
store_user_set_enabled(struct store *s, const char *user, bool enabled,
    json_t **ret, struct store_err *err)
{
	int64_t id;
	int r;

	r = store_user_id(s, user, &id, err);
	if (r == 0)
		r = store_mutate_row(s,
		    "UPDATE users SET state = ?2 WHERE id = ?1", id,
		    enabled ? "enabled" : "disabled", err);
	if (r < 0)
		return r;
	return store_user_json_saved(s, id, user, ret, err);
}

int
store_user_del(struct store *s, const char *user, json_t **ret,
    struct store_err *err)
{
	json_t *o = NULL;
	int64_t id;
	int r;

	r = store_user_id(s, user, &id, err);
	if (r == 0)
		r = store_user_json(s, id, &o, err);
	if (r == 0)
		r = store_mutate_row(s, "DELETE FROM users WHERE id = ?1", id,
		    NULL, err);
	if (r < 0) {
		json_decref(o);
		return r;
	}
	*ret = json_pack("{s:O}", "login", json_object_get(o, "login"));
	json_decref(o);
	return *ret ? 0 : store_oom(err);
}

int
store_user_set_password(struct store *s, const char *user, const char *hash,
    json_t **ret, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t id;
	int r;

	r = store_user_id(s, user, &id, err);
	if (r < 0)
		return r;
	r = store_begin(s, err);
	if (r < 0)
		return r;
	r = store_prepare_bind(s,
	    "INSERT INTO credentials (user_id, password_hash, password_changed)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT (user_id) DO UPDATE SET "
	    "password_hash = excluded.password_hash, "
	    "password_changed = excluded.password_changed",
	    &st, err, "iti", id, hash, (int64_t)time(NULL));
	if (r < 0)
		goto out;
	r = store_run(s, st, err);
	st = NULL;
	if (r < 0)
		goto out;
	r = store_commit(s, err);
out:
	sqlite3_finalize(st);
	if (r < 0) {
		store_rollback(s);
		return r;
	}
	r = store_user_json_saved(s, id, user, ret, err);
	if (r == 0 && json_object_get(*ret, "readback_error") == NULL) {
		json_t *o =
		    json_pack("{s:O}", "login", json_object_get(*ret, "login"));

		json_decref(*ret);
		*ret = o;
		if (o == NULL)
			r = store_oom(err);
	}
	return r;
}
