/* SPDX-License-Identifier: MIT */
/*
 * What a login needs from the store: the user by identifier within a pool
 * (with the password hash, which stays inside the daemon and is wiped),
 * the user's groups, and the last-login stamp.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/valid.h"
#include "client/wipe.h"
#include "userauthd/store/store_int.h"

static int
load_groups(struct store *s, struct store_auth_user *u, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	r = store_prepare_bind(s,
	    "SELECT g.name FROM members m JOIN groups g ON g.id = m.group_id "
	    "WHERE m.user_id = ?1 ORDER BY g.name LIMIT 256",
	    &st, err, "i", u->id);
	if (r < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		char **p, *g;

		p = reallocarray(u->groups, u->ngroups + 1, sizeof(*p));
		if (p == NULL)
			goto oom;
		u->groups = p;
		g = strdup(t ? (const char *)t : "");
		if (g == NULL)
			goto oom;
		u->groups[u->ngroups++] = g;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail_db(s, err, rc);
oom:
	sqlite3_finalize(st);
	return store_oom(err);
}

int
store_auth_lookup(struct store *s, const char *pool, const char *ident,
    struct store_auth_user *ret, struct store_err *err)
{
	char email[UA_MAX_EMAIL + 1];
	struct store_auth_user u;
	sqlite3_stmt *st = NULL;
	const char *key = ident;
	const unsigned char *t;
	int r, rc;

	memset(&u, 0, sizeof(u));
	if (strchr(ident, '@') != NULL) {
		if (ua_email_normalize(ident, email, sizeof(email), NULL) < 0)
			return -ENOENT;
		key = email;
	} else if (ua_valid_name(ident, NULL) < 0)
		return -ENOENT;
	r = store_prepare_bind(s,
	    "SELECT u.id, u.login, u.email, u.uid, u.state = 'enabled', "
	    "c.password_hash, EXISTS (SELECT 1 FROM password_change pc "
	    "WHERE pc.user_id = u.id) FROM users u "
	    "JOIN pools p ON p.id = u.pool_id "
	    "LEFT JOIN credentials c ON c.user_id = u.id "
	    "WHERE p.name = ?1 AND (u.login = ?2 OR u.email = ?2)",
	    &st, err, "tt", pool, key);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return rc == SQLITE_DONE ? -ENOENT : store_fail_db(s, err, rc);
	}
	u.id = sqlite3_column_int64(st, 0);
	t = sqlite3_column_text(st, 1);
	(void)snprintf(u.login, sizeof(u.login), "%s",
	    t ? (const char *)t : "");
	t = sqlite3_column_text(st, 2);
	(void)snprintf(u.email, sizeof(u.email), "%s",
	    t ? (const char *)t : "");
	u.uid = (uint32_t)sqlite3_column_int64(st, 3);
	u.enabled = sqlite3_column_int(st, 4) != 0;
	u.must_change = sqlite3_column_int(st, 6) != 0;
	t = sqlite3_column_text(st, 5);
	if (t != NULL && (u.hash = strdup((const char *)t)) == NULL)
		r = store_oom(err);
	sqlite3_finalize(st);
	if (r == 0)
		r = load_groups(s, &u, err);
	if (r < 0) {
		store_auth_user_clear(&u);
		return r;
	}
	*ret = u;
	return 0;
}

void
store_auth_user_clear(struct store_auth_user *u)
{
	size_t i;

	ua_erase_free(u->hash);
	for (i = 0; i < u->ngroups; i++)
		free(u->groups[i]);
	free(u->groups);
	ua_wipe(u, sizeof(*u));
}

int
store_touch_login(struct store *s, int64_t user_id, int64_t now,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	r = store_prepare_bind(s,
	    "UPDATE users SET last_login = ?2 WHERE id = ?1", &st, err, "ii",
	    user_id, now);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail_db(s, err, rc);
}

int
store_auth_set_password(struct store *s, int64_t user_id, const char *hash,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	r = store_begin(s, err);
	if (r < 0)
		return r;
	r = store_prepare_bind(s,
	    "INSERT INTO credentials (user_id, password_hash, password_changed)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT (user_id) DO UPDATE SET "
	    "password_hash = excluded.password_hash, "
	    "password_changed = excluded.password_changed",
	    &st, err, "iti", user_id, hash, (int64_t)time(NULL));
	if (r == 0) {
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			r = store_fail_db(s, err, rc);
	}
	if (r == 0)
		r = store_prepare_bind(s,
		    "DELETE FROM password_change WHERE user_id = ?1", &st, err,
		    "i", user_id);
	if (r == 0) {
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			r = store_fail_db(s, err, rc);
	}
	if (r == 0)
		r = store_commit(s, err);
	if (r < 0)
		store_rollback(s);
	return r;
}

int
store_user_require_change(struct store *s, const char *user, json_t **ret,
    struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	json_t *o = NULL;
	int64_t id;
	int r, rc;

	r = store_user_id(s, user, &id, err);
	if (r < 0)
		return r;
	r = store_prepare_bind(s,
	    "INSERT OR IGNORE INTO password_change (user_id, since) "
	    "VALUES (?1, ?2)",
	    &st, err, "ii", id, (int64_t)time(NULL));
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail_db(s, err, rc);
	r = store_user_json_saved(s, id, user, &o, err);
	if (r < 0)
		return r;
	*ret = json_pack("{s:O s:b}", "login", json_object_get(o, "login"),
	    "must_change", 1);
	if (*ret != NULL && json_object_get(o, "readback_error") != NULL)
		(void)json_object_set(*ret, "readback_error",
		    json_object_get(o, "readback_error"));
	json_decref(o);
	return *ret ? 0 : store_oom(err);
}
