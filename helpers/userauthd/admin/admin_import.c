/* SPDX-License-Identifier: MIT */
/*
 * Staging of user.import rows on an admin connection (admin_import.h).
 * Rows are copied out of the request (strict members and types); the
 * checks that need the database run at check/commit time in the store.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "client/valid.h"
#include "server/log.h"
#include "userauthd/admin/admin_import.h"

#define ROW_GROUPS_MAX 64

struct admin_import {
	char pool[UA_MAX_POOL + 1];
	struct store_import_row *rows;
	size_t n, cap, bytes;
};

static void
row_clear(struct store_import_row *r)
{
	size_t i;

	free(r->login);
	free(r->email);
	free(r->display_name);
	free(r->home);
	free(r->shell);
	for (i = 0; i < r->ngroups; i++)
		free(r->groups[i]);
	free(r->groups);
}

void
admin_import_free(struct admin_import *im)
{
	size_t i;

	if (im == NULL)
		return;
	for (i = 0; i < im->n; i++)
		row_clear(&im->rows[i]);
	free(im->rows);
	free(im);
	/* A large import leaves free heap behind: give it back. */
	(void)malloc_trim(0);
}

static struct admin_import *
staged(struct admin_ctx *ctx, struct store_err *err)
{
	if (ctx->import == NULL || *ctx->import == NULL) {
		(void)store_fail(err, -EINVAL, "invalid",
		    "no import in progress on this connection "
		    "(user.import.begin first)");
		return NULL;
	}
	return *ctx->import;
}

int
admin_import_begin(struct admin_ctx *ctx, const char *pool, json_t **ret,
    struct store_err *err)
{
	const char *why = NULL;
	struct admin_import *im;

	if (ctx->import == NULL)
		return store_fail(err, -EINVAL, "unsupported",
		    "imports need a connection of their own");
	if (*ctx->import != NULL)
		return store_fail(err, -EINVAL, "invalid",
		    "an import is already in progress on this connection");
	if (ua_valid_pool(pool, &why) < 0)
		return store_fail(err, -EINVAL, "invalid", "pool: %s", why);
	if (ua_conf_pool(ctx->conf, pool) == NULL)
		return store_fail(err, -ENOENT, "not_found", "no pool '%s'",
		    pool);
	im = calloc(1, sizeof(*im));
	if (im == NULL)
		return store_oom(err);
	memcpy(im->pool, pool, strlen(pool) + 1);
	*ret = json_pack("{s:s}", "pool", pool);
	if (*ret == NULL) {
		free(im);
		return store_oom(err);
	}
	*ctx->import = im;
	return 0;
}

/* Copy a string member (optional unless required) into *out. */
static int
take_str(json_t *o, const char *key, bool required, char **out, size_t *bytes,
    unsigned long line, struct store_err *err)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL) {
		if (required)
			return store_fail(err, -EINVAL, "invalid",
			    "row of line %lu has no '%s'", line, key);
		return 0;
	}
	if (!json_is_string(v))
		return store_fail(err, -EINVAL, "invalid",
		    "row of line %lu: '%s' must be a string", line, key);
	*out = strdup(json_string_value(v));
	if (*out == NULL)
		return store_oom(err);
	*bytes += json_string_length(v) + 1;
	return 0;
}

static int
take_row(json_t *o, struct store_import_row *r, size_t *bytes,
    struct store_err *err)
{
	static const char *const known[] = { "line", "login", "email",
		"display_name", "home", "shell", "groups" };
	json_t *line = json_object_get(o, "line"), *g, *v;
	const char *key;
	size_t i, k;
	int rc = 0;

	if (!json_is_object(o) || !json_is_integer(line) ||
	    json_integer_value(line) < 1)
		return store_fail(err, -EINVAL, "invalid",
		    "each row must be an object with a positive 'line'");
	r->line = (unsigned long)json_integer_value(line);
	json_object_foreach(o, key, v)
	{
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (strcmp(key, known[k]) == 0)
				break;
		if (k == sizeof(known) / sizeof(known[0]))
			return store_fail(err, -EINVAL, "invalid",
			    "row of line %lu: unexpected member '%.64s'",
			    r->line, key);
	}
	if (rc == 0)
		rc = take_str(o, "login", true, &r->login, bytes, r->line, err);
	if (rc == 0)
		rc = take_str(o, "email", true, &r->email, bytes, r->line, err);
	if (rc == 0)
		rc = take_str(o, "display_name", false, &r->display_name, bytes,
		    r->line, err);
	if (rc == 0)
		rc = take_str(o, "home", false, &r->home, bytes, r->line, err);
	if (rc == 0)
		rc =
		    take_str(o, "shell", false, &r->shell, bytes, r->line, err);
	if (rc < 0)
		return rc;
	g = json_object_get(o, "groups");
	if (g == NULL)
		return 0;
	if (!json_is_array(g) || json_array_size(g) > ROW_GROUPS_MAX)
		return store_fail(err, -EINVAL, "invalid",
		    "row of line %lu: 'groups' must be a list of at most %d "
		    "names",
		    r->line, ROW_GROUPS_MAX);
	r->groups = calloc(json_array_size(g) + 1, sizeof(char *));
	if (r->groups == NULL)
		return store_oom(err);
	json_array_foreach(g, i, v)
	{
		if (!json_is_string(v))
			return store_fail(err, -EINVAL, "invalid",
			    "row of line %lu: 'groups' must hold names",
			    r->line);
		r->groups[i] = strdup(json_string_value(v));
		if (r->groups[i] == NULL)
			return store_oom(err);
		r->ngroups = i + 1;
		*bytes += json_string_length(v) + 1;
	}
	return 0;
}

int
admin_import_chunk(struct admin_ctx *ctx, json_t *rows, json_t **ret,
    struct store_err *err)
{
	struct admin_import *im = staged(ctx, err);
	size_t i, n0, bytes;
	json_t *o;
	int r = 0;

	if (im == NULL)
		return -EINVAL;
	if (!json_is_array(rows))
		return store_fail(err, -EINVAL, "invalid",
		    "'rows' must be a list of row objects");
	if (im->n + json_array_size(rows) > UA_IMPORT_MAX_ROWS)
		return store_fail(err, -E2BIG, "invalid",
		    "an import holds at most %d rows", UA_IMPORT_MAX_ROWS);
	if (im->n + json_array_size(rows) > im->cap) {
		size_t cap = im->cap ? im->cap : 1024;
		void *p;

		while (cap < im->n + json_array_size(rows))
			cap *= 2;
		p = realloc(im->rows, cap * sizeof(*im->rows));
		if (p == NULL)
			return store_oom(err);
		im->rows = p;
		im->cap = cap;
	}
	/* All of the chunk or none of it. */
	n0 = im->n;
	bytes = im->bytes;
	json_array_foreach(rows, i, o)
	{
		memset(&im->rows[im->n], 0, sizeof(im->rows[0]));
		r = take_row(o, &im->rows[im->n], &bytes, err);
		im->n++;
		if (r == 0 && bytes > UA_IMPORT_MAX_BYTES)
			r = store_fail(err, -E2BIG, "invalid",
			    "an import holds at most %u MiB of text",
			    UA_IMPORT_MAX_BYTES >> 20);
		if (r < 0)
			break;
	}
	if (r < 0) {
		while (im->n > n0)
			row_clear(&im->rows[--im->n]);
		return r;
	}
	im->bytes = bytes;
	*ret = json_pack("{s:I}", "staged", (json_int_t)im->n);
	return *ret ? 0 : store_oom(err);
}

int
admin_import_finish(struct admin_ctx *ctx, bool commit, bool skip_bad,
    json_t **ret, struct store_err *err)
{
	struct admin_import *im = staged(ctx, err);
	int r;

	if (im == NULL)
		return -EINVAL;
	r = store_user_import(ctx->store, ctx->conf, im->pool, im->rows, im->n,
	    commit, skip_bad, ret, err);
	if (commit) {
		if (r == 0)
			ua_log(LOG_NOTICE,
			    "event=admin op=user.import "
			    "peer_uid=%u pool=%s rows=%zu imported=%lld",
			    (unsigned)ctx->peer_uid, im->pool, im->n,
			    (long long)json_integer_value(
				json_object_get(*ret, "imported")));
		admin_import_free(im);
		*ctx->import = NULL;
	}
	return r;
}

int
admin_import_abort(struct admin_ctx *ctx, json_t **ret, struct store_err *err)
{
	if (ctx->import != NULL) {
		admin_import_free(*ctx->import);
		*ctx->import = NULL;
	}
	*ret = json_object();
	return *ret ? 0 : store_oom(err);
}
