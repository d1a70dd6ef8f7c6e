/* SPDX-License-Identifier: MIT */
/*
 * The admin side of throttling (throttle.h): the buckets with their
 * counts, waits and locks, and unlocking an account.
 */
#ifndef UA_ADMIN_THROTTLE_H
#define UA_ADMIN_THROTTLE_H

#include <jansson.h>

#include "userauthd/admin/admin.h"

/* throttle.list [pool]: every bucket, with "locked" and "wait" (seconds). */
int admin_throttle_list(struct admin_ctx *ctx, const char *pool, json_t **ret,
    struct store_err *err);

/*
 * user.unlock pool user: clear the account's own buckets (its lock and
 * waits from every host).  user is a pool user's login or email, or any
 * other identifier (an unknown name's buckets).  Hosts' buckets stay.
 */
int admin_user_unlock(struct admin_ctx *ctx, const char *pool, const char *user,
    json_t **ret, struct store_err *err);

/*
 * throttle.clear pool rhost: clear a remote host's bucket and the pair
 * buckets from it ("" for the empty remote host, "local-uid:N" for a
 * local caller).
 */
int admin_throttle_clear(struct admin_ctx *ctx, const char *pool,
    const char *rhost, json_t **ret, struct store_err *err);

#endif
