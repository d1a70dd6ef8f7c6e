/* SPDX-License-Identifier: MIT */
/*
 * throttle.list and user.unlock (admin_throttle.h).  The figures that
 * decide a lock come from the running configuration, so a lowered
 * lock_after shows at once.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "client/valid.h"
#include "userauthd/admin/admin_throttle.h"
#include "userauthd/store/store_throttle.h"
#include "userauthd/throttle.h"

int
admin_throttle_list(struct admin_ctx *ctx, const char *pool, json_t **ret,
    struct store_err *err)
{
	const struct ua_pool_conf *pc;
	json_t *arr = NULL, *o;
	json_int_t next, failures;
	time_t now = time(NULL);
	const char *kind;
	bool locked;
	size_t i;
	int r;

	if (pool != NULL && ua_conf_pool(ctx->conf, pool) == NULL)
		return store_fail(err, -ENOENT, "not_found",
		    "no pool '%.64s' in the configuration", pool);
	r = store_throttle_list(ctx->store, pool, &arr, err);
	if (r < 0)
		return r;
	json_array_foreach(arr, i, o)
	{
		pc = ua_conf_pool(ctx->conf,
		    json_string_value(json_object_get(o, "pool")));
		kind = json_string_value(json_object_get(o, "kind"));
		failures = json_integer_value(json_object_get(o, "failures"));
		next = json_integer_value(json_object_get(o, "next_allowed"));
		locked = pc != NULL && kind != NULL &&
		    strcmp(kind, "account") == 0 &&
		    failures >= (json_int_t)pc->lock_after;
		if (json_object_set_new(o, "locked", json_boolean(locked)) <
			0 ||
		    json_object_set_new(o, "wait",
			json_integer(next > now ? next - now : 0)) < 0) {
			json_decref(arr);
			return store_oom(err);
		}
	}
	*ret = arr;
	return 0;
}

int
admin_user_unlock(struct admin_ctx *ctx, const char *pool, const char *user,
    json_t **ret, struct store_err *err)
{
	char account[THROTTLE_ACCOUNT_MAX];
	uint8_t mac[KEYS_MAC_LEN];
	json_t *u = NULL;
	const char *upool;
	int64_t n = 0;
	int r;

	if (ua_conf_pool(ctx->conf, pool) == NULL)
		return store_fail(err, -ENOENT, "not_found",
		    "no pool '%.64s' in the configuration", pool);
	r = store_user_show(ctx->store, user, &u, err);
	if (r == 0) {
		upool = json_string_value(json_object_get(u, "pool"));
		if (upool == NULL || strcmp(upool, pool) != 0) {
			json_decref(u);
			return store_fail(err, -ENOENT, "not_found",
			    "user '%.64s' is not in pool '%.64s'", user, pool);
		}
		throttle_account_user(account,
		    (int64_t)json_integer_value(json_object_get(u, "uid")));
		json_decref(u);
	} else if (r == -ENOENT && ctx->keys != NULL &&
	    keys_ident_mac(ctx->keys, user, mac) == 0) {
		/* no such user: the buckets of that identifier */
		throttle_account_ident(account, mac, sizeof(mac));
	} else
		return r;
	r = store_bucket_reset(ctx->store, pool, account, &n, err);
	if (r < 0)
		return r;
	*ret = json_pack("{s:s, s:s, s:I}", "pool", pool, "user", user,
	    "cleared", (json_int_t)n);
	return *ret != NULL ? 0 : store_oom(err);
}

int
admin_throttle_clear(struct admin_ctx *ctx, const char *pool, const char *rhost,
    json_t **ret, struct store_err *err)
{
	size_t i, len = strlen(rhost);
	int64_t n = 0;
	int r;

	if (ua_conf_pool(ctx->conf, pool) == NULL)
		return store_fail(err, -ENOENT, "not_found",
		    "no pool '%.64s' in the configuration", pool);
	for (i = 0; i < len; i++)
		if ((unsigned char)rhost[i] < 0x20 || rhost[i] == 0x7f)
			break;
	if (len > 255 || i < len || !ua_valid_utf8(rhost, len))
		return store_fail(err, -EINVAL, "invalid",
		    "rhost: at most 255 bytes of text");
	r = store_bucket_clear_host(ctx->store, pool, rhost, &n, err);
	if (r < 0)
		return r;
	*ret = json_pack("{s:s, s:s, s:I}", "pool", pool, "rhost", rhost,
	    "cleared", (json_int_t)n);
	return *ret != NULL ? 0 : store_oom(err);
}
