/* SPDX-License-Identifier: MIT */
/*
 * store_modify.h: one user's email, display name, home and shell, with
 * bound UPDATEs in one transaction.  It must never change a uid, gid,
 * login or pool, and never leave half a change behind.
 */
#include <errno.h>
#include <string.h>

#include "client/valid.h"
#include "userauthd/store/store_int.h"
#include "userauthd/store/store_modify.h"

static int
check(const struct store_user_mod *m, char *email, size_t emailsz,
    struct store_err *err)
{
	const char *why = NULL;

	if (m->email == NULL && m->display_name == NULL && m->home == NULL &&
	    m->shell == NULL)
		return store_fail(err, -EINVAL, "invalid",
		    "nothing to change: give email, display_name, home or "
		    "shell");
	if (m->email != NULL &&
	    ua_email_normalize(m->email, email, emailsz, &why) < 0)
		return store_fail(err, -EINVAL, "invalid", "email: %s", why);
	if (m->display_name != NULL &&
	    ua_valid_gecos(m->display_name, &why) < 0)
		return store_fail(err, -EINVAL, "invalid", "display name: %s",
		    why);
	if (m->home != NULL && ua_valid_path_field(m->home, &why) < 0)
		return store_fail(err, -EINVAL, "invalid", "home: %s", why);
	if (m->shell != NULL && ua_valid_path_field(m->shell, &why) < 0)
		return store_fail(err, -EINVAL, "invalid", "shell: %s", why);
	return 0;
}

/* The user's row id, if it is in pool. */
static int
find(struct store *s, const struct store_user_mod *m, int64_t *ret,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t id;
	int r, rc;

	r = store_user_id(s, m->user, &id, err);
	if (r < 0)
		return r;
	r = store_prepare_bind(s,
	    "SELECT 1 FROM users u JOIN pools p ON p.id = u.pool_id "
	    "WHERE u.id = ?1 AND p.name = ?2",
	    &st, err, "it", id, m->pool);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = store_fail(err, -ENOENT, "not_found",
		    "no user '%s' in pool '%s'", m->user, m->pool);
	else if (rc != SQLITE_ROW)
		r = store_fail_db(s, err, rc);
	sqlite3_finalize(st);
	if (r == 0)
		*ret = id;
	return r;
}

static int
email_free(struct store *s, const char *email, int64_t id,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	r = store_prepare_bind(s,
	    "SELECT 1 FROM users WHERE email = ?1 AND id != ?2", &st, err, "ti",
	    email, id);
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
set_col(struct store *s, const char *sql, int64_t id, const char *val,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	if (val == NULL)
		return 0;
	r = store_prepare_bind(s, sql, &st, err, "it", id, val);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		r = store_fail_db(s, err, rc);
	sqlite3_finalize(st);
	return r;
}

int
store_user_modify(struct store *s, const struct store_user_mod *m, json_t **ret,
    struct store_err *err)
{
	char email[UA_MAX_EMAIL + 1];
	int64_t id = 0;
	int r;

	r = check(m, email, sizeof(email), err);
	if (r < 0)
		return r;
	r = store_begin(s, err);
	if (r < 0)
		return r;
	r = find(s, m, &id, err);
	if (r == 0 && m->email != NULL)
		r = email_free(s, email, id, err);
	if (r == 0)
		r = set_col(s, "UPDATE users SET email = ?2 WHERE id = ?1", id,
		    m->email != NULL ? email : NULL, err);
	if (r == 0)
		r = set_col(s,
		    "UPDATE users SET display_name = ?2 WHERE id = "
		    "?1",
		    id, m->display_name, err);
	if (r == 0)
		r = set_col(s, "UPDATE users SET home = ?2 WHERE id = ?1", id,
		    m->home, err);
	if (r == 0)
		r = set_col(s, "UPDATE users SET shell = ?2 WHERE id = ?1", id,
		    m->shell, err);
	if (r == 0)
		r = store_commit(s, err);
	if (r < 0) {
		store_rollback(s);
		return r;
	}
	return store_user_json_saved(s, id, m->user, ret, err);
}
