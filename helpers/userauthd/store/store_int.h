/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by the store's files, store*.c (store_open.c: opening
 * and the schema; store.c: lookups, result objects, statements;
 * store_ops.c and store_modify.c: admin mutations; store_group.c: groups
 * and the NSS snapshot; store_otp.c: codes and the mail queue insert; the
 * others as named).  Only the store's files and its unit tests include
 * this: all SQL on the store's connection is theirs.
 */
#ifndef UA_STORE_INT_H
#define UA_STORE_INT_H

#include <sqlite3.h>

#include "userauthd/store/store.h"

/* A pool's id high-water mark (store_ids.c). */
struct store_mark {
	char *pool;
	uint32_t uid_next;
	uint32_t gid_next;
};

#define STORE_CACHED_MAX 8

struct store {
	sqlite3 *db;
	uint64_t generation;
	bool created;     /* store_open made the file */
	char *marks_path; /* the id marks file kept up to date, or NULL */
	struct store_mark *marks; /* what it holds */
	size_t nmarks;
	bool marks_dirty; /* write it at the next commit in any case */
	struct {
		const char *sql; /* a string literal: its address */
		sqlite3_stmt *st;
	} cached[STORE_CACHED_MAX]; /* store_stmt.c */
	size_t ncached;
	struct store *side; /* the throttle's connection, or NULL */
	/*
	 * ROLLBACK, prepared at the connect: run, it needs no memory, where
	 * sqlite3_exec's would be compiled first, which fails when memory
	 * is short, and leaves the transaction open (its write lock held:
	 * every other connection's write busy, and this one's later
	 * statements inside it, lost with it).
	 */
	sqlite3_stmt *rollback;
};

/*
 * Inside a write transaction, before COMMIT (store_commit calls it): if
 * a pool's counter went past its mark, rewrite the marks file (tmp,
 * fsync, rename, fsync dir).  A failure fails the commit: no id is handed
 * out that the file does not cover.  0 when no file is attached.
 */
int store_marks_sync(struct store *s, struct store_err *err);
void store_marks_detach(struct store *s);
void store_marks_free(struct store_mark *m, size_t n);

/* An SQLite result code as an error: busy, disk full, or internal. */
int store_fail_db(struct store *s, struct store_err *err, int rc);
int store_exec(struct store *s, const char *sql, struct store_err *err);
int store_prepare(struct store *s, const char *sql, sqlite3_stmt **ret,
    struct store_err *err);
/*
 * Prepare sql and bind its parameters ?1, ?2, ... in order, one type
 * letter each: 'i' an int64_t, 'b' a blob (const void *, int length),
 * 't' a text (const char *; NULL binds NULL), 'n' NULL (no argument).
 * Blobs and texts are not copied (no stray copy of a secret): they must
 * outlive the statement's step.  Every bind is checked: on any failure
 * the statement is finalized, *ret is NULL, and the error says why.
 */
int store_prepare_bind(struct store *s, const char *sql, sqlite3_stmt **ret,
    struct store_err *err, const char *types, ...);
/*
 * A statement kept prepared for the store's life (store_stmt.c): sql
 * must be a string literal.  Release it with store_release_cached
 * (reset, bindings cleared), never sqlite3_finalize.  exec_cached runs
 * one such statement that takes no parameters.
 */
int store_prepare_cached(struct store *s, const char *sql, sqlite3_stmt **ret,
    struct store_err *err);
void store_release_cached(struct store *s, sqlite3_stmt *st);
int store_exec_cached(struct store *s, const char *sql, struct store_err *err);
void store_cached_free(struct store *s);
/*
 * Reset st (from store_prepare: one prepared once for a loop, or one
 * whose parameters are known only once prepared) and bind its parameters
 * as store_prepare_bind does, the same type letters.  On failure the
 * statement is kept: the caller finalizes it.
 */
int store_rebind(struct store *s, sqlite3_stmt *st, struct store_err *err,
    const char *types, ...);
/* Step a statement that returns no rows, then finalize it. */
int store_run(struct store *s, sqlite3_stmt *st, struct store_err *err);

int store_pool_id(struct store *s, const char *pool, int64_t *ret,
    struct store_err *err);
int store_group_id(struct store *s, const char *group, int64_t *ret,
    int64_t *ret_pool, struct store_err *err);
/* 0 when name is neither a pool user, a pool group nor a local account. */
int store_name_free(struct store *s, const char *name, struct store_err *err);

/* Is id a local uid/gid in the passwd- or group-format file at path? */
bool store_local_id_taken(const char *path, uint32_t id);

/*
 * Take the pool's next free id from the counter COLUMN ("next_uid" or
 * "next_gid") within [min, max], skipping local ids, and bump the
 * counter; -ENOSPC when the range is used up (WHAT names it: "uid").
 * Inside the caller's transaction.
 */
int store_alloc_id(struct store *s, int64_t pool, const char *column,
    uint32_t min, uint32_t max, const char *what, uint32_t *ret,
    struct store_err *err);

/* One bound UPDATE/DELETE (?1 = id, ?2 = text unless NULL) in a transaction. */
int store_mutate_row(struct store *s, const char *sql, int64_t id,
    const char *text, struct store_err *err);
/* Collect row_fn's object for each row of sql (?1 = pool row id or 0). */
int store_list(struct store *s, const char *pool, const char *sql,
    int (
	*row_fn)(struct store *, sqlite3_stmt *, json_t **, struct store_err *),
    json_t **ret, struct store_err *err);

#define STORE_USER_COLS                                                        \
	"u.id, u.login, p.name, u.email, u.display_name, u.uid, u.gid, "       \
	"u.home, u.shell, u.state, u.created, u.last_login, "                  \
	"(c.password_hash IS NOT NULL) "                                       \
	"FROM users u JOIN pools p ON p.id = u.pool_id "                       \
	"LEFT JOIN credentials c ON c.user_id = u.id "
/* Result object of the current row of a STORE_USER_COLS query. */
int store_user_row(struct store *s, sqlite3_stmt *st, json_t **ret,
    struct store_err *err);
int store_user_json_saved(struct store *s, int64_t id, const char *login,
    json_t **ret, struct store_err *err);
int store_user_json(struct store *s, int64_t id, json_t **ret,
    struct store_err *err);
int store_group_json(struct store *s, int64_t id, json_t **ret,
    struct store_err *err);

#endif
