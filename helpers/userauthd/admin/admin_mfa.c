/* SPDX-License-Identifier: MIT */
/*
 * TOTP enrolment by the administrator: a new secret is stored as pending
 * and shown once (base32 and otpauth:// URI) with new recovery codes; a
 * valid code activates it.  Recovery codes can be made anew (the old
 * ones void).  Only a pool with mfa = optional or required takes an
 * enrolment.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "client/wipe.h"
#include "userauthd/admin/admin_mfa.h"
#include "userauthd/recovery.h"
#include "userauthd/store/store_mfa.h"
#include "userauthd/totp.h"

static int
load(struct admin_ctx *ctx, const char *user, struct store_mfa *m,
    const struct ua_pool_conf **ret_pc, struct store_err *err)
{
	const struct ua_pool_conf *pc = NULL;
	int r;

	r = store_mfa_load(ctx->store, 0, user, m, err);
	if (r < 0)
		return r;
	pc = ua_conf_pool(ctx->conf, m->pool);
	if (pc == NULL || pc->mfa == UA_MFA_OFF) {
		/* the message first: the clear wipes m->pool too */
		r = store_fail(err, -EINVAL, "invalid",
		    "pool '%s' has mfa = off; set mfa = optional or required "
		    "in userauth.conf first",
		    m->pool);
		store_mfa_clear(m);
		return r;
	}
	*ret_pc = pc;
	return 0;
}

/* The codes of rc as a JSON array, or NULL. */
static json_t *
codes_json(const struct recovery_codes *rc)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < RECOVERY_COUNT; i++)
		if (json_array_append_new(a, json_string(rc->shown[i])) < 0) {
			json_decref(a);
			a = NULL;
		}
	return a;
}

/* load, and the user must be in pool when one is named. */
static int
load_in(struct admin_ctx *ctx, const char *user, const char *pool,
    struct store_mfa *m, const struct ua_pool_conf **ret_pc,
    struct store_err *err)
{
	int r;

	r = load(ctx, user, m, ret_pc, err);
	if (r < 0)
		return r;
	if (pool != NULL && strcmp(pool, m->pool) != 0) {
		store_mfa_clear(m);
		return store_fail(err, -ENOENT, "not_found",
		    "no user '%s' in pool '%s'", user, pool);
	}
	return 0;
}

int
admin_mfa_enroll(struct admin_ctx *ctx, const char *user, const char *pool,
    json_t **ret, struct store_err *err)
{
	const struct ua_pool_conf *pc = NULL;
	struct recovery_codes rc;
	struct totp_params p;
	struct store_mfa m;
	uint8_t secret[TOTP_SECRET_LEN];
	char b32[TOTP_BASE32_MAX], *uri = NULL;
	int r;

	memset(&rc, 0, sizeof(rc));
	r = load_in(ctx, user, pool, &m, &pc, err);
	if (r < 0)
		return r;
	totp_params_of(pc, &p);
	r = totp_new_secret(secret);
	if (r == 0)
		r = recovery_new(ctx->keys, m.user_id, &rc);
	if (r < 0) {
		r = store_fail(err, r, "internal", "no random bytes");
		goto out;
	}
	r = totp_base32(secret, sizeof(secret), b32, sizeof(b32));
	if (r == 0) {
		uri = totp_uri(totp_issuer(pc), m.email, b32, &p);
		if (uri == NULL)
			r = -ENOMEM;
	}
	if (r < 0) {
		r = store_oom(err);
		goto out;
	}
	r = store_mfa_set_pending(ctx->store, m.user_id, secret,
	    (int64_t)time(NULL), &rc, err);
	if (r < 0)
		goto out;
	/* With mfa.recovery_codes, the replies that hold secrets. */
	*ret = json_pack("{s:s s:s s:s s:i s:i s:o*}", "secret", b32, "uri",
	    uri, "login", m.login, "digits", (int)p.digits, "period",
	    (int)p.period, "recovery_codes", codes_json(&rc));
	if (*ret == NULL || json_object_get(*ret, "recovery_codes") == NULL)
		r = store_oom(err);
out:
	recovery_clear(&rc);
	ua_erase_free(uri);
	ua_wipe(b32, sizeof(b32));
	ua_wipe(secret, sizeof(secret));
	store_mfa_clear(&m);
	return r;
}

int
admin_mfa_confirm(struct admin_ctx *ctx, const char *user, const char *code,
    json_t **ret, struct store_err *err)
{
	const struct ua_pool_conf *pc = NULL;
	struct totp_params p;
	struct store_mfa m;
	int64_t step;
	int r;

	r = load(ctx, user, &m, &pc, err);
	if (r < 0)
		return r;
	totp_params_of(pc, &p);
	if (!m.pending) {
		r = store_fail(err, -ENOENT, "not_found",
		    "no enrolment is pending for '%s'; run mfa enroll first",
		    user);
		goto out;
	}
	r = totp_verify(m.pending_secret, TOTP_SECRET_LEN, &p, time(NULL), code,
	    -1, &step);
	if (r < 0) {
		r = store_fail(err, -EINVAL, "invalid",
		    "wrong verification code; the enrolment stays pending");
		goto out;
	}
	r = store_mfa_activate(ctx->store, m.user_id, m.pending_secret, step,
	    err);
	if (r == 0) {
		*ret = json_pack("{s:s s:b s:b}", "login", m.login, "enrolled",
		    1, "pending", 0);
		if (*ret == NULL)
			r = store_oom(err);
	}
out:
	store_mfa_clear(&m);
	return r;
}

int
admin_mfa_recovery(struct admin_ctx *ctx, const char *user, const char *pool,
    json_t **ret, struct store_err *err)
{
	const struct ua_pool_conf *pc = NULL;
	struct recovery_codes rc;
	struct store_mfa m;
	int r;

	memset(&rc, 0, sizeof(rc));
	r = load_in(ctx, user, pool, &m, &pc, err);
	if (r < 0)
		return r;
	if (!m.enrolled && !m.pending) {
		r = store_fail(err, -ENOENT, "not_found",
		    "'%s' has no TOTP "
		    "key; run mfa enroll first (it makes recovery codes too)",
		    user);
		goto out;
	}
	r = recovery_new(ctx->keys, m.user_id, &rc);
	if (r < 0) {
		r = store_fail(err, r, "internal", "no random bytes");
		goto out;
	}
	r = store_mfa_recovery_replace(ctx->store, m.user_id, &rc,
	    (int64_t)time(NULL), err);
	if (r < 0)
		goto out;
	*ret = json_pack("{s:s s:o*}", "login", m.login, "recovery_codes",
	    codes_json(&rc));
	if (*ret == NULL || json_object_get(*ret, "recovery_codes") == NULL)
		r = store_oom(err);
out:
	recovery_clear(&rc);
	store_mfa_clear(&m);
	return r;
}

int
admin_mfa_reset(struct admin_ctx *ctx, const char *user, json_t **ret,
    struct store_err *err)
{
	struct store_mfa m;
	int r;

	r = store_mfa_load(ctx->store, 0, user, &m, err);
	if (r < 0)
		return r;
	r = store_mfa_reset(ctx->store, m.user_id, err);
	if (r == 0) {
		*ret = json_pack("{s:s s:b s:b}", "login", m.login, "enrolled",
		    0, "pending", 0);
		if (*ret == NULL)
			r = store_oom(err);
	}
	store_mfa_clear(&m);
	return r;
}

int
admin_mfa_status(struct admin_ctx *ctx, const char *user, json_t **ret,
    struct store_err *err)
{
	const struct ua_pool_conf *pc = NULL;
	struct store_mfa m;
	int r;

	r = store_mfa_load(ctx->store, 0, user, &m, err);
	if (r < 0)
		return r;
	pc = ua_conf_pool(ctx->conf, m.pool);
	*ret = json_pack("{s:s s:s s:b s:b s:s s:i}", "login", m.login, "pool",
	    m.pool, "enrolled", m.enrolled, "pending", m.pending, "mfa",
	    pc != NULL ? pc->mfa_s : "off", "recovery_codes",
	    (int)m.recovery_left);
	store_mfa_clear(&m);
	return *ret ? 0 : store_oom(err);
}
