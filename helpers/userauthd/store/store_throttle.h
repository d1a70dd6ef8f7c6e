/* SPDX-License-Identifier: MIT */
/*
 * The store's side of throttling (throttle.h): failure buckets per pool,
 * keyed by kind, account and remote host.  Rows exist only for buckets
 * with failures; a reset deletes them.
 */
#ifndef UA_STORE_THROTTLE_H
#define UA_STORE_THROTTLE_H

#include <jansson.h>
#include <stdint.h>

#include "userauthd/store/store.h"

enum store_bucket_kind {
	STORE_BUCKET_PAIR,    /* account and rhost */
	STORE_BUCKET_ACCOUNT, /* account; rhost "" */
	STORE_BUCKET_HOST,    /* rhost; account "" */
};

struct store_bucket {
	int64_t failures;     /* consecutive, counted */
	int64_t last_fail;    /* epoch seconds */
	int64_t next_allowed; /* epoch seconds: 0 = now */
};

/* Read one bucket: all zero when it has no row. */
int store_bucket_get(struct store *s, const char *pool,
    enum store_bucket_kind kind, const char *account, const char *rhost,
    struct store_bucket *ret, struct store_err *err);
/* Write one bucket; the caller holds a transaction (store_throttle_tx). */
int store_bucket_put(struct store *s, const char *pool,
    enum store_bucket_kind kind, const char *account, const char *rhost,
    const struct store_bucket *b, struct store_err *err);
/* Delete the pair and account buckets of account; *ret_n rows (or NULL). */
int store_bucket_reset(struct store *s, const char *pool, const char *account,
    int64_t *ret_n, struct store_err *err);

/* Delete the host bucket of rhost and every pair bucket with it. */
int store_bucket_clear_host(struct store *s, const char *pool,
    const char *rhost, int64_t *ret_n, struct store_err *err);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK for a bucket update. */
int store_throttle_begin(struct store *s, struct store_err *err);
int store_throttle_commit(struct store *s, struct store_err *err);
void store_throttle_rollback(struct store *s);

/*
 * The buckets of pool (NULL: every pool) as an array of objects: pool,
 * kind, account (a user's login, "unknown:<hash>" for an identifier,
 * "peer-uid:<uid>" for a local non-root peer), rhost, failures, last_fail,
 * next_allowed.
 */
int store_throttle_list(struct store *s, const char *pool, json_t **ret,
    struct store_err *err);

#endif
