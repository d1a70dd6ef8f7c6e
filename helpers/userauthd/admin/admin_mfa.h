/* SPDX-License-Identifier: MIT */
/*
 * Admin ops for TOTP MFA: mfa.enroll, mfa.confirm, mfa.recovery_codes,
 * mfa.reset, mfa.status (doc/PROTOCOL.md).  The enroll and recovery_codes
 * answers are the only replies that ever hold a secret; nothing here
 * logs one.
 */
#ifndef UA_ADMIN_MFA_H
#define UA_ADMIN_MFA_H

#include <jansson.h>

#include "userauthd/admin/admin.h"

/* pool may be NULL; when given it must be the user's pool. */
int admin_mfa_enroll(struct admin_ctx *ctx, const char *user, const char *pool,
    json_t **ret, struct store_err *err);
int admin_mfa_confirm(struct admin_ctx *ctx, const char *user, const char *code,
    json_t **ret, struct store_err *err);
/* New recovery codes for an enrolled (or pending) user; old ones void. */
int admin_mfa_recovery(struct admin_ctx *ctx, const char *user,
    const char *pool, json_t **ret, struct store_err *err);
int admin_mfa_reset(struct admin_ctx *ctx, const char *user, json_t **ret,
    struct store_err *err);
int admin_mfa_status(struct admin_ctx *ctx, const char *user, json_t **ret,
    struct store_err *err);

#endif
