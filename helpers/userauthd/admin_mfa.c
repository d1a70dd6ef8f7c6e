/* SPDX-License-Identifier: MIT */
/*
 * TOTP enrolment by the administrator: a new secret is stored as pending
 * and shown once (base32 and otpauth:// URI); a valid code activates it.
 * Only a pool with mfa = optional or required takes an enrolment.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "client/wipe.h"
#include "userauthd/admin_mfa.h"
#include "userauthd/store_mfa.h"
#include "userauthd/totp.h"

static int
load(struct admin_ctx *ctx, const char *user, struct store_mfa *m,
    const struct ua_pool_conf **ret_pc, struct store_err *err)
{
	const struct ua_pool_conf *pc;
	int r;

	r = store_mfa_load(ctx->store, 0, user, m, err);
	if (r < 0)
		return r;
	pc = ua_conf_pool(ctx->conf, m->pool);
	if (pc == NULL || pc->mfa == UA_MFA_OFF) {
		store_mfa_clear(m);
		return store_fail(err, -EINVAL, "invalid",
		    "pool '%s' has mfa = off; set mfa = optional or required "
		    "in userauth.conf first", m->pool);
	}
	*ret_pc = pc;
	return 0;
}

int
admin_mfa_enroll(struct admin_ctx *ctx, const char *user, const char *pool,
    json_t **ret, struct store_err *err)
{
	const struct ua_pool_conf *pc;
	struct totp_params p;
	struct store_mfa m;
	uint8_t secret[TOTP_SECRET_LEN];
	char b32[TOTP_BASE32_MAX], *uri = NULL;
	int r;

	r = load(ctx, user, &m, &pc, err);
	if (r < 0)
		return r;
	if (pool != NULL && strcmp(pool, m.pool) != 0) {
		store_mfa_clear(&m);
		return store_fail(err, -ENOENT, "not_found",
		    "no user '%s' in pool '%s'", user, pool);
	}
	totp_params_of(pc, &p);
	r = totp_new_secret(secret);
	if (r < 0) {
		r = store_fail(err, r, "internal", "no random bytes");
		goto out;
	}
	r = totp_base32(secret, sizeof(secret), b32, sizeof(b32));
	if (r == 0 && (uri = totp_uri(totp_issuer(pc), m.email, b32, &p)) == NULL)
		r = -ENOMEM;
	if (r < 0) {
		r = store_fail(err, -ENOMEM, "internal", "out of memory");
		goto out;
	}
	r = store_mfa_set_pending(ctx->store, m.user_id, secret,
	    (int64_t)time(NULL), err);
	if (r < 0)
		goto out;
	/* The one reply that holds a secret (doc/PROTOCOL.md). */
	*ret = json_pack("{s:s s:s s:s s:i s:i}", "secret", b32, "uri", uri,
	    "login", m.login, "digits", (int)p.digits, "period",
	    (int)p.period);
	if (*ret == NULL)
		r = store_fail(err, -ENOMEM, "internal", "out of memory");
out:
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
	const struct ua_pool_conf *pc;
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
	r = totp_verify(m.pending_secret, TOTP_SECRET_LEN, &p, time(NULL),
	    code, -1, &step);
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
			r = store_fail(err, -ENOMEM, "internal",
			    "out of memory");
	}
out:
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
			r = store_fail(err, -ENOMEM, "internal",
			    "out of memory");
	}
	store_mfa_clear(&m);
	return r;
}

int
admin_mfa_status(struct admin_ctx *ctx, const char *user, json_t **ret,
    struct store_err *err)
{
	const struct ua_pool_conf *pc;
	struct store_mfa m;
	int r;

	r = store_mfa_load(ctx->store, 0, user, &m, err);
	if (r < 0)
		return r;
	pc = ua_conf_pool(ctx->conf, m.pool);
	*ret = json_pack("{s:s s:s s:b s:b s:s}", "login", m.login, "pool",
	    m.pool, "enrolled", m.enrolled, "pending", m.pending, "mfa",
	    pc != NULL ? pc->mfa_s : "off");
	store_mfa_clear(&m);
	return *ret ? 0 : store_fail(err, -ENOMEM, "internal", "out of memory");
}
