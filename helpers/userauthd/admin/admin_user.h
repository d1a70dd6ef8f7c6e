/* SPDX-License-Identifier: MIT */
/*
 * user.show with the user's MFA state and throttling limits, and
 * user.modify (doc/PROTOCOL.md).  No secret in a reply.
 */
#ifndef UA_ADMIN_USER_H
#define UA_ADMIN_USER_H

#include <jansson.h>

#include "userauthd/admin/admin.h"
#include "userauthd/store/store_modify.h"

int admin_user_show(struct admin_ctx *ctx, const char *user, json_t **ret,
    struct store_err *err);
int admin_user_modify(struct admin_ctx *ctx, const struct store_user_mod *m,
    json_t **ret, struct store_err *err);

#endif
