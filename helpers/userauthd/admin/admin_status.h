/* SPDX-License-Identifier: MIT */
/*
 * The status admin op (doc/PROTOCOL.md): how the daemon is doing, for
 * "userauthctl status".  Read-only; no user name, address or secret in
 * its reply.
 */
#ifndef UA_ADMIN_STATUS_H
#define UA_ADMIN_STATUS_H

#include <jansson.h>

#include "userauthd/admin/admin.h"

int admin_status(struct admin_ctx *ctx, json_t **ret, struct store_err *err);

#endif
