/* SPDX-License-Identifier: MIT */
/*
 * user.import.*: rows staged on one admin connection, then checked and
 * committed in one store transaction.  The staged rows live with the
 * connection: a dropped connection frees them and imports nothing.
 */
#ifndef UA_ADMIN_IMPORT_H
#define UA_ADMIN_IMPORT_H

#include <jansson.h>
#include <stdbool.h>

#include "userauthd/admin/admin.h"

#define UA_IMPORT_MAX_ROWS 2000000       /* per import */
#define UA_IMPORT_MAX_BYTES (512u << 20) /* staged text per import */

struct admin_import;

int admin_import_begin(struct admin_ctx *ctx, const char *pool, json_t **ret,
    struct store_err *err);
int admin_import_chunk(struct admin_ctx *ctx, json_t *rows, json_t **ret,
    struct store_err *err);
/* commit false: check only.  The staged rows are dropped after a commit. */
int admin_import_finish(struct admin_ctx *ctx, bool commit, bool skip_bad,
    json_t **ret, struct store_err *err);
int admin_import_abort(struct admin_ctx *ctx, json_t **ret,
    struct store_err *err);
void admin_import_free(struct admin_import *im);

#endif
