/* SPDX-License-Identifier: MIT */
/*
 * admin_user.h: the user object of user.show and user.modify, with "mfa"
 * ({"mode", "enrolled", "pending"}) and "limits" (the user's own
 * throttle buckets and those of its login and email as typed: kind,
 * rhost, failures, wait, locked).  Reads only;
 * never a TOTP secret.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "userauthd/admin/admin_throttle.h"
#include "userauthd/admin/admin_user.h"
#include "userauthd/store/store_mfa.h"
#include "userauthd/throttle.h"

/*
 * How throttle.list shows the buckets of a failed identifier (the user's
 * login or email as typed, before the user is known): "unknown:" and the
 * first 16 hex digits of its key.  Empty when it cannot be made.
 */
static void
ident_shown(const struct admin_ctx *ctx, const char *ident, char *out,
    size_t outsz)
{
	char account[THROTTLE_ACCOUNT_MAX];
	uint8_t mac[KEYS_MAC_LEN];

	out[0] = '\0';
	if (ident == NULL || ctx->keys == NULL ||
	    keys_ident_mac(ctx->keys, ident, mac) < 0)
		return;
	throttle_account_ident(account, mac, sizeof(mac));
	(void)snprintf(out, outsz, "unknown:%.16s", account + 1);
}

static int
add_mfa(struct admin_ctx *ctx, json_t *u, struct store_err *err)
{
	const struct ua_pool_conf *pc;
	const char *login = json_string_value(json_object_get(u, "login"));
	struct store_mfa m;
	json_t *o;
	int r;

	r = store_mfa_load(ctx->store, 0, login, &m, err);
	if (r < 0)
		return r;
	pc = ua_conf_pool(ctx->conf, m.pool);
	o = json_pack("{s:s s:b s:b}", "mode", pc != NULL ? pc->mfa_s : "off",
	    "enrolled", m.enrolled, "pending", m.pending);
	store_mfa_clear(&m);
	if (o == NULL || json_object_set_new(u, "mfa", o) < 0)
		return store_oom(err);
	return 0;
}

static int
add_limits(struct admin_ctx *ctx, json_t *u, struct store_err *err)
{
	const char *login = json_string_value(json_object_get(u, "login"));
	const char *pool = json_string_value(json_object_get(u, "pool"));
	char by_login[64], by_email[64];
	json_t *all = NULL, *mine, *o;
	size_t i;
	int r;

	if (ua_conf_pool(ctx->conf, pool) == NULL)
		return 0; /* a pool a reload dropped: no limits */
	ident_shown(ctx, login, by_login, sizeof(by_login));
	ident_shown(ctx, json_string_value(json_object_get(u, "email")),
	    by_email, sizeof(by_email));
	r = admin_throttle_list(ctx, pool, &all, err);
	if (r < 0)
		return r;
	if ((mine = json_array()) == NULL) {
		json_decref(all);
		return store_oom(err);
	}
	json_array_foreach(all, i, o)
	{
		const char *acc =
		    json_string_value(json_object_get(o, "account"));

		/* the account's own buckets, and those of its names typed */
		if (acc == NULL || login == NULL ||
		    (strcmp(acc, login) != 0 &&
			(by_login[0] == '\0' || strcmp(acc, by_login) != 0) &&
			(by_email[0] == '\0' || strcmp(acc, by_email) != 0)))
			continue;
		(void)json_object_del(o, "account");
		(void)json_object_del(o, "pool");
		if (json_array_append(mine, o) < 0)
			break;
	}
	json_decref(all);
	if (json_object_set_new(u, "limits", mine) < 0)
		return store_oom(err);
	return 0;
}

static int
enrich(struct admin_ctx *ctx, json_t **ret, struct store_err *err)
{
	int r;

	r = add_mfa(ctx, *ret, err);
	if (r == 0)
		r = add_limits(ctx, *ret, err);
	if (r < 0) {
		json_decref(*ret);
		*ret = NULL;
	}
	return r;
}

int
admin_user_show(struct admin_ctx *ctx, const char *user, json_t **ret,
    struct store_err *err)
{
	int r;

	r = store_user_show(ctx->store, user, ret, err);
	return r < 0 ? r : enrich(ctx, ret, err);
}

int
admin_user_modify(struct admin_ctx *ctx, const struct store_user_mod *m,
    json_t **ret, struct store_err *err)
{
	int r;

	if (ua_conf_pool(ctx->conf, m->pool) == NULL)
		return store_fail(err, -ENOENT, "not_found",
		    "no pool '%.64s' in the configuration", m->pool);
	r = store_user_modify(ctx->store, m, ret, err);
	return r < 0 ? r : enrich(ctx, ret, err);
}
