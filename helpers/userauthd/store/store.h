/* SPDX-License-Identifier: MIT */
/*
 * The local pool store: one SQLite database (WAL, foreign keys,
 * synchronous=FULL, secure_delete) holding pools, users, groups,
 * memberships and credentials.  The daemon is its only writer.  Results
 * for the admin protocol are built as jansson objects here; no secret or
 * hash ever goes into one.
 */
#ifndef UA_STORE_H
#define UA_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "server/conf.h"

#define UA_STORE_LOGIN_MAX 32
#define UA_STORE_EMAIL_MAX 254

struct store;

/* Why a store call failed: a protocol error code and a sentence for people. */
struct store_err {
	const char *code; /* "invalid", "exists", "not_found", ... */
	char msg[512];
};

#define STORE_SCHEMA_VERSION 5

/*
 * Open the database at path and migrate it to STORE_SCHEMA_VERSION.  Only
 * where no file exists is a new one created (whole, then linked into
 * place; store_created tells).  An existing file that is empty, no SQLite
 * database, has no schema, or comes from a newer version is refused with
 * a message naming it and what to do (-EBADMSG, -EPROTO).
 */
int store_open(const char *path, struct store **ret, struct store_err *err);
/* Whether store_open created the database (none existed). */
bool store_created(const struct store *s);
void store_close(struct store *s);
/*
 * A second connection to s's file for the throttle's buckets alone
 * (store_throttle.h), with synchronous = NORMAL for its life: a bucket
 * write is durable against a crash of the daemon, not of the machine,
 * and needs no fdatasync on the event loop; every other write of s stays
 * synchronous = FULL.  Switching one connection back and forth cost a
 * PRAGMA compiled twice per bucket transaction.  store_close closes it;
 * without it the buckets are written on s itself, at FULL.
 */
int store_open_side(struct store *s, struct store_err *err);

/* Free what SQLite caches for this connection (it reads it back). */
void store_release_memory(struct store *s);

/*
 * How long a statement waits for a lock another connection holds (5 s
 * after store_open).  The event loop's connection waits briefly: every
 * client waits with it.
 */
void store_set_busy_ms(struct store *s, int ms);

/*
 * A write transaction for callers that compose several store calls into
 * one change (otp.c): BEGIN IMMEDIATE; COMMIT (bumps the generation;
 * an I/O error says the outcome is unknown); ROLLBACK.
 */
int store_begin(struct store *s, struct store_err *err);
int store_commit(struct store *s, struct store_err *err);
void store_rollback(struct store *s);

/* Make sure every configured pool has its row; never lowers a counter. */
int store_sync_pools(struct store *s, const struct ua_conf *c,
    struct store_err *err);

/* A pool's id high-water mark: ids below these may have been handed out. */
struct store_id_mark {
	const char *pool;
	uint32_t uid_next;
	uint32_t gid_next;
};

/*
 * Keep the id marks file at path (beside the database) from now on: read
 * it (none yet is fine), add the marks in extra (from the NSS cache; may
 * be none), raise every pool's counters to them in one transaction, and
 * write the file at its commit and at every later commit that raised a
 * counter.  *ret_raised (may be NULL): how many pools' counters the marks
 * raised or created, i.e. the database held less than it once handed out
 * (a database replaced, restored or lost).  A file that is not ours
 * (owner, mode, symlink) or does not parse is refused, -EPERM/-EBADMSG,
 * with its name and line in err.
 */
int store_marks_attach(struct store *s, const char *path,
    const struct store_id_mark *extra, size_t nextra, size_t *ret_raised,
    struct store_err *err);

struct store_user_new {
	const char *pool;
	const char *login;
	const char *email;         /* any case; stored lowercase */
	const char *display_name;  /* NULL = "" */
	const char *home;          /* NULL = from the pool's template */
	const char *shell;         /* NULL = the pool's shell */
	const char *const *groups; /* NULL-terminated names, may be NULL */
	bool disabled;
};

/* Admin operations: 0 and a result (caller json_decref), or < 0 and err. */
int store_pool_list(struct store *s, const struct ua_conf *c, json_t **ret,
    struct store_err *err);
int store_user_add(struct store *s, const struct ua_conf *c,
    const struct store_user_new *u, json_t **ret, struct store_err *err);
int store_user_show(struct store *s, const char *user, json_t **ret,
    struct store_err *err);
int store_user_list(struct store *s, const char *pool, json_t **ret,
    struct store_err *err);
int store_user_set_enabled(struct store *s, const char *user, bool enabled,
    json_t **ret, struct store_err *err);
int store_user_del(struct store *s, const char *user, json_t **ret,
    struct store_err *err);
/* hash is a crypt(3) string made by the caller; never logged. */
int store_user_set_password(struct store *s, const char *user, const char *hash,
    json_t **ret, struct store_err *err);
int store_group_add(struct store *s, const struct ua_conf *c, const char *pool,
    const char *name, json_t **ret, struct store_err *err);
int store_group_del(struct store *s, const char *group, json_t **ret,
    struct store_err *err);
int store_group_list(struct store *s, const char *pool, json_t **ret,
    struct store_err *err);
int store_group_member(struct store *s, const char *group, const char *user,
    bool add, json_t **ret, struct store_err *err);

/* Everything the NSS cache needs, read in one transaction. */
struct store_nss_user {
	char *login, *email, *gecos, *home, *shell;
	uint32_t uid, gid;
	int64_t id;
};
struct store_nss_group {
	char *name;
	uint32_t gid;
	uint32_t *members; /* indexes into users */
	size_t nmembers;
};
struct store_nss_pool {
	char *name;
	uint32_t uid_next, gid_next; /* the counters: the id marks */
};
struct store_nss {
	struct store_nss_user *users;
	size_t nusers;
	struct store_nss_group *groups;
	size_t ngroups;
	struct store_nss_pool *pools;
	size_t npools;
};
int store_nss_snapshot(struct store *s, struct store_nss *ret,
    struct store_err *err);
void store_nss_free(struct store_nss *n);

/* Fill err and return r. */
int store_fail(struct store_err *err, int r, const char *code, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));
/* store_fail for an allocation that failed: -ENOMEM, "internal". */
int store_oom(struct store_err *err);
/* A user by login or email (any case): 0 and its row id, or -ENOENT. */
int store_user_id(struct store *s, const char *user, int64_t *ret,
    struct store_err *err);

/* A user as a login sees it.  hash is a secret: store_auth_user_clear. */
struct store_auth_user {
	int64_t id;
	char login[UA_STORE_LOGIN_MAX + 1];
	char email[UA_STORE_EMAIL_MAX + 1];
	uint32_t uid;
	bool enabled;
	char *hash;       /* crypt(3) string, NULL when none is set */
	bool must_change; /* a new password is due (NEW_PASSWORD_REQUIRED) */
	char **groups;    /* named groups */
	size_t ngroups;
};

/*
 * The user called ident (login or email, any case) in pool.  -ENOENT when
 * there is none (no error is filled in: that is a normal outcome).
 */
int store_auth_lookup(struct store *s, const char *pool, const char *ident,
    struct store_auth_user *ret, struct store_err *err);
void store_auth_user_clear(struct store_auth_user *u);
/*
 * A new password chosen at login: store its hash and clear the
 * password_change flag, in one transaction.
 */
int store_auth_set_password(struct store *s, int64_t user_id, const char *hash,
    struct store_err *err);
/* user.reset_password: flag the user; the next login asks for a new one. */
int store_user_require_change(struct store *s, const char *user, json_t **ret,
    struct store_err *err);
/* Record a successful login (epoch seconds). */
int store_touch_login(struct store *s, int64_t user_id, int64_t now,
    struct store_err *err);

/* Counters bump for tests and change detection: increases on every write. */
uint64_t store_generation(const struct store *s);

/* One row of a bulk import (user.import.*); NULL fields take defaults. */
struct store_import_row {
	unsigned long line; /* in the administrator's file */
	char *login, *email, *display_name, *home, *shell;
	char **groups; /* ngroups names */
	size_t ngroups;
};

/*
 * Check rows (same rules as store_user_add, plus duplicates among them)
 * and, with commit, insert them all in one transaction: nothing when a
 * row is bad unless skip_bad.  Result {"rows", "rejected_count",
 * "imported", "rejected": [{"line", "login", "reason"}] (first 1000)}.
 */
int store_user_import(struct store *s, const struct ua_conf *c,
    const char *pool, const struct store_import_row *rows, size_t n,
    bool commit, bool skip_bad, json_t **ret, struct store_err *err);

#endif
