/* SPDX-License-Identifier: MIT */
/*
 * Read-only figures from the database for "userauthctl status": users per
 * pool and the state of the mail queue.  Single SELECTs on the caller's
 * connection; nothing here writes.
 */
#ifndef UA_STORE_STATUS_H
#define UA_STORE_STATUS_H

#include <jansson.h>
#include <stdint.h>

#include "userauthd/store/store.h"

/* Users of pool in the store: 0 and *ret_n, or < 0 and err. */
int store_pool_users(struct store *s, const char *pool, int64_t *ret_n,
    struct store_err *err);

/*
 * The mail queue at now (epoch seconds), over the window seconds before
 * it: {"queued", "oldest_age" (s or null), "sent", "failed", "expired"
 * (rows done in the window), "latency_p50", "latency_p99" (whole seconds
 * from queueing to the relay's acceptance of the rows sent in the window,
 * nearest rank, or null), "last_error" and "last_error_at" (the newest
 * row's error of any age, or null)}.  0 and *ret, or < 0 and err.
 */
int store_mail_status(struct store *s, int64_t now, int64_t window,
    json_t **ret, struct store_err *err);

#endif
