/* SPDX-License-Identifier: MIT */
/*
 * status: the daemon's version and uptime (stats.c), per pool its backend,
 * its users and the NSS cache's last publish, the mail queue
 * (store_status.c) and the logins of the last hour by challenge.  Single
 * SELECTs and in-memory counters: nothing here waits on a lock held for
 * long, the network or a hash.
 */
#include <errno.h>
#include <time.h>

#include "userauthd/admin/admin_status.h"
#include "userauthd/pool/cognito.h"
#include "userauthd/stats.h"
#include "userauthd/store/store_status.h"

static int
pools_json(struct admin_ctx *ctx, const json_t *st, json_t **ret,
    struct store_err *err)
{
	const struct ua_pool_conf *pc;
	json_t *a, *o, *sync;
	int64_t n;
	size_t i;
	int r;

	if ((a = json_array()) == NULL)
		return store_oom(err);
	for (i = 0; i < ctx->conf->npools; i++) {
		pc = &ctx->conf->pools[i];
		n = 0;
		/* A Cognito pool's users live in Cognito, not in the store. */
		r = pc->backend == UA_BACKEND_LOCAL
		    ? store_pool_users(ctx->store, pc->name, &n, err)
		    : 0;
		if (r < 0) {
			json_decref(a);
			return r;
		}
		sync = pc->backend == UA_BACKEND_COGNITO && ctx->cognito != NULL
		    ? pool_cognito_sync_status(ctx->cognito, pc)
		    : NULL;
		/* a Cognito pool's users: those its last sync published */
		if (sync != NULL && json_object_get(sync, "users") != NULL)
			n = json_integer_value(json_object_get(sync, "users"));
		o = json_pack("{s:s s:s s:o s:O s:O}", "name", pc->name,
		    "backend",
		    pc->backend == UA_BACKEND_COGNITO ? "cognito" : "local",
		    "users",
		    pc->backend == UA_BACKEND_LOCAL ||
			    json_object_get(sync, "users") != NULL
			? json_integer(n)
			: json_null(),
		    /* one cache file holds every pool */
		    "nss_published", json_object_get(st, "nss_published"),
		    "nss_age", json_object_get(st, "nss_age"));
		if (o != NULL && sync != NULL)
			(void)json_object_set_new(o, "sync", sync);
		else
			json_decref(sync);
		if (o == NULL || json_array_append_new(a, o) < 0) {
			json_decref(a);
			return store_oom(err);
		}
	}
	*ret = a;
	return 0;
}

int
admin_status(struct admin_ctx *ctx, json_t **ret, struct store_err *err)
{
	json_t *st = NULL, *pools = NULL, *mail = NULL, *o = NULL;
	int r;

	st = stats_json();
	if (st == NULL)
		return store_oom(err);
	r = pools_json(ctx, st, &pools, err);
	if (r == 0)
		r = store_mail_status(ctx->store, (int64_t)time(NULL),
		    STATS_MINUTES * 60, &mail, err);
	if (r < 0)
		goto out;
	if (json_object_set_new(mail, "sender",
		json_boolean(ctx->mailer != NULL)) < 0) {
		r = store_oom(err);
		goto out;
	}
	/* jansson takes "o" references also when packing fails */
	o = json_pack("{s:s s:O s:O s:O s:O s:O s:O s:o s:o}", "version",
	    PACKAGE_VERSION, "started", json_object_get(st, "started"),
	    "uptime", json_object_get(st, "uptime"), "nss_published",
	    json_object_get(st, "nss_published"), "nss_age",
	    json_object_get(st, "nss_age"), "window",
	    json_object_get(st, "window"), "logins",
	    json_object_get(st, "logins"), "pools", pools, "mail", mail);
	pools = mail = NULL;
	if (o == NULL) {
		r = store_oom(err);
		goto out;
	}
	*ret = o;
out:
	json_decref(pools);
	json_decref(mail);
	json_decref(st);
	return r;
}
