/* SPDX-License-Identifier: MIT */
/*
 * Admin requests: one table of ops with their argument schemas, strict
 * argument checks, one audit line per change.  Never echoes a password,
 * never returns a hash.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/valid.h"
#include "client/wipe.h"
#include "server/json_frame.h"
#include "server/log.h"
#include "userauthd/admin/admin.h"
#include "userauthd/admin/admin_throttle.h"
#include "userauthd/admin/admin_import.h"
#include "userauthd/admin/admin_mfa.h"
#include "userauthd/admin/admin_status.h"
#include "userauthd/admin/admin_user.h"
#include "userauthd/mail/mailer.h"
#include "userauthd/otp.h"
#include "userauthd/password.h"
#include "userauthd/pool/pwjob.h"

#define MAX_GROUPS_PER_ADD 64

struct args {
	const char *pool, *user, *group, *name, *login, *email;
	const char *display_name, *home, *shell, *password;
	const char *code;  /* mfa.confirm */
	const char *rhost; /* throttle.clear */
	const char *groups[MAX_GROUPS_PER_ADD + 1];
	bool disabled;
	bool invite;   /* user.add: mail an invitation code */
	json_t *rows;  /* user.import.chunk */
	bool skip_bad; /* user.import.commit */
	bool full;     /* mailq.list: whole recipients (root only) */
};

typedef int (*op_fn)(struct admin_ctx *, const struct args *, json_t **,
    struct store_err *);

struct op {
	const char *name;
	const char *required; /* space-separated argument names */
	const char *optional;
	op_fn fn;
	bool audit; /* a change: log it */
};

json_t *
admin_error(const char *code, const char *message)
{
	return json_pack("{s:i s:b s:s s:s}", "v", UA_ADMIN_VERSION, "ok", 0,
	    "error", code, "message", message);
}

void
admin_warn_unpublished(json_t *reply, const char *path, int err,
    unsigned retry_s)
{
	char msg[512];
	json_t *w;

	(void)snprintf(msg, sizeof(msg),
	    "the change is saved, but the NSS "
	    "cache '%s' could not be published (%s): getent and logins by "
	    "name do not see it yet; userauthd retries every %u s (where "
	    "nscd runs, run nscd -i passwd; nscd -i group once it is)",
	    path, strerror(-err), retry_s);
	w = json_pack("{s:s s:s}", "code", "nss_unpublished", "message", msg);
	if (w != NULL)
		(void)json_object_set_new(reply, "warning", w);
}

static int
op_ping(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	(void)ctx;
	(void)a;
	*ret = json_pack("{s:s}", "version", PACKAGE_VERSION);
	return *ret ? 0 : store_oom(err);
}

static int
op_pool_list(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	(void)a;
	return store_pool_list(ctx->store, ctx->conf, ret, err);
}

static int
op_user_add(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	struct store_user_new u = {
		.pool = a->pool,
		.login = a->login,
		.email = a->email,
		.display_name = a->display_name,
		.home = a->home,
		.shell = a->shell,
		.groups = a->groups,
		.disabled = a->disabled,
	};
	const struct ua_pool_conf *pc = ua_conf_pool(ctx->conf, a->pool);
	const char *email;
	int64_t id;
	int r;

	if (a->invite &&
	    (pc == NULL || pc->mail_from == NULL || ctx->keys == NULL))
		return store_fail(err, -EINVAL, "invalid",
		    "invite: pool '%s' cannot send mail (no mail_from)",
		    a->pool);
	r = store_user_add(ctx->store, ctx->conf, &u, ret, err);
	if (r < 0 || !a->invite)
		return r;
	/*
	 * The user exists without a password; the invitation code and its
	 * mail are made in one transaction of their own.  If that fails the
	 * user stays, uninvited, and the error says so.
	 */
	email = json_string_value(json_object_get(*ret, "email"));
	r = store_user_id(ctx->store, a->login, &id, err);
	if (r == 0 && email != NULL)
		r = otp_issue_invite(ctx->store, ctx->keys, pc, id, email,
		    time(NULL), err);
	if (r < 0 || email == NULL) {
		json_decref(*ret);
		*ret = NULL;
		return r < 0 ? r
			     : store_fail(err, -EIO, "internal",
				   "the user was added but not invited");
	}
	if (ctx->mailer != NULL)
		mailer_kick(ctx->mailer);
	if (json_object_set_new(*ret, "invited", json_true()) < 0)
		return store_oom(err);
	return 0;
}

static int
op_user_show(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	return admin_user_show(ctx, a->user, ret, err);
}

static int
op_user_list(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	return store_user_list(ctx->store, a->pool, ret, err);
}

static int
op_user_disable(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	return store_user_set_enabled(ctx->store, a->user, false, ret, err);
}

static int
op_user_enable(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	return store_user_set_enabled(ctx->store, a->user, true, ret, err);
}

static int
op_user_del(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	return store_user_del(ctx->store, a->user, ret, err);
}

static int
op_user_passwd(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	const char *why = NULL;
	char *hash = NULL;
	int64_t id;
	int r;

	if (ua_valid_password(a->password, strlen(a->password), &why) < 0)
		return store_fail(err, -EINVAL, "invalid", "password: %s", why);
	/* Refuse an unknown user before spending a hash on it. */
	r = store_user_id(ctx->store, a->user, &id, err);
	if (r < 0)
		return r;
	if (ctx->wq != NULL) {
		/* the name the job's result is stored under, whole */
		if (strlen(a->user) >= sizeof(ctx->pending_user))
			return store_fail(err, -EINVAL, "invalid",
			    "user: too long");
		r = pool_pw_submit(ctx->wq, ctx->owner, a->password, NULL,
		    true);
		if (r < 0)
			return store_fail(err, r, "internal",
			    "the password could not be queued for hashing");
		ctx->pending = true;
		(void)snprintf(ctx->pending_user, sizeof(ctx->pending_user),
		    "%s", a->user);
		return 0;
	}
	r = password_hash(a->password, &hash);
	if (r < 0)
		return store_fail(err, r, "internal",
		    "the password could not be hashed");
	r = store_user_set_password(ctx->store, a->user, hash, ret, err);
	ua_erase_free(hash);
	return r;
}

/* The next login asks for a new password; nothing else changes. */
static int
op_user_reset_password(struct admin_ctx *ctx, const struct args *a,
    json_t **ret, struct store_err *err)
{
	return store_user_require_change(ctx->store, a->user, ret, err);
}

static int
op_group_add(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	return store_group_add(ctx->store, ctx->conf, a->pool, a->name, ret,
	    err);
}

static int
op_group_del(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	return store_group_del(ctx->store, a->group, ret, err);
}

static int
op_group_list(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	return store_group_list(ctx->store, a->pool, ret, err);
}

static int
op_member_add(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	return store_group_member(ctx->store, a->group, a->user, true, ret,
	    err);
}

static int
op_member_del(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	return store_group_member(ctx->store, a->group, a->user, false, ret,
	    err);
}

static int
op_mailq_list(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	/* whole addresses are root's to see; the admin group sees masks */
	if (a->full && ctx->peer_uid != 0)
		return store_fail(err, -EPERM, "denied",
		    "only root may see "
		    "whole recipients (--full)");
	return mailer_list(ctx->mailer, a->full, ret, err);
}

/* mail.test: one message to the relay, queued like a code's. */
static int
op_mail_test(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	const struct ua_pool_conf *pc = ua_conf_pool(ctx->conf, a->pool);
	int64_t id = 0;
	int r;

	if (pc == NULL || pc->backend != UA_BACKEND_LOCAL)
		return store_fail(err, -ENOENT, "not_found",
		    "no local pool "
		    "'%s' (Cognito pools mail through Cognito)",
		    a->pool);
	if (pc->mail_from == NULL)
		return store_fail(err, -EINVAL, "invalid",
		    "pool '%s' has no "
		    "mail_from: it sends no mail",
		    a->pool);
	if (ua_valid_email(a->email, NULL) < 0)
		return store_fail(err, -EINVAL, "invalid",
		    "'%.80s' is no mail "
		    "address",
		    a->email);
	/* the code mailq.list and mailq.flush give (mailer.c) */
	if (ctx->mailer == NULL)
		return store_fail(err, -ENOTCONN, "unsupported",
		    "the mail sender is not running");
	r = otp_queue_test_mail(ctx->store, pc, a->email, time(NULL), &id, err);
	if (r < 0)
		return r;
	mailer_kick(ctx->mailer);
	*ret = json_pack("{s:I}", "id", (json_int_t)id);
	return *ret != NULL ? 0 : store_oom(err);
}

static int
op_mailq_flush(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	(void)a;
	return mailer_flush(ctx->mailer, ret, err);
}

static int
op_import_begin(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	return admin_import_begin(ctx, a->pool, ret, err);
}

static int
op_import_chunk(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	return admin_import_chunk(ctx, a->rows, ret, err);
}

static int
op_import_check(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	(void)a;
	return admin_import_finish(ctx, false, false, ret, err);
}

static int
op_import_commit(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	return admin_import_finish(ctx, true, a->skip_bad, ret, err);
}

static int
op_import_abort(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	(void)a;
	return admin_import_abort(ctx, ret, err);
}

static int
op_mfa_enroll(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	return admin_mfa_enroll(ctx, a->user, a->pool, ret, err);
}

static int
op_mfa_confirm(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	return admin_mfa_confirm(ctx, a->user, a->code, ret, err);
}

static int
op_mfa_recovery(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	return admin_mfa_recovery(ctx, a->user, a->pool, ret, err);
}

static int
op_mfa_reset(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	return admin_mfa_reset(ctx, a->user, ret, err);
}

static int
op_mfa_status(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	return admin_mfa_status(ctx, a->user, ret, err);
}

static int
op_throttle_list(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	return admin_throttle_list(ctx, a->pool, ret, err);
}

static int
op_throttle_clear(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	return admin_throttle_clear(ctx, a->pool,
	    a->rhost != NULL ? a->rhost : "", ret, err);
}

static int
op_user_unlock(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	return admin_user_unlock(ctx, a->pool, a->user, ret, err);
}

static int
op_user_modify(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	const struct store_user_mod m = { .pool = a->pool,
		.user = a->user,
		.email = a->email,
		.display_name = a->display_name,
		.home = a->home,
		.shell = a->shell };

	return admin_user_modify(ctx, &m, ret, err);
}

static int
op_status(struct admin_ctx *ctx, const struct args *a, json_t **ret,
    struct store_err *err)
{
	(void)a;
	return admin_status(ctx, ret, err);
}

static const struct op ops[] = {
	{ "ping", "", "", op_ping, false },
	{ "status", "", "", op_status, false },
	{ "pool.list", "", "", op_pool_list, false },
	{ "user.add", "pool login email",
	    "display_name home shell groups disabled invite", op_user_add,
	    true },
	{ "user.show", "user", "", op_user_show, false },
	{ "user.list", "", "pool", op_user_list, false },
	{ "user.modify", "pool user", "email display_name home shell",
	    op_user_modify, true },
	{ "user.disable", "user", "", op_user_disable, true },
	{ "user.enable", "user", "", op_user_enable, true },
	{ "user.del", "user", "", op_user_del, true },
	{ "user.passwd", "user password", "", op_user_passwd, true },
	{ "user.reset_password", "user", "", op_user_reset_password, true },
	{ "group.add", "pool name", "", op_group_add, true },
	{ "group.del", "group", "", op_group_del, true },
	{ "group.list", "", "pool", op_group_list, false },
	{ "group.member.add", "group user", "", op_member_add, true },
	{ "group.member.del", "group user", "", op_member_del, true },
	{ "mailq.list", "", "full", op_mailq_list, false },
	{ "mailq.flush", "", "", op_mailq_flush, true },
	{ "mail.test", "pool email", "", op_mail_test, true },
	{ "mfa.enroll", "user", "pool", op_mfa_enroll, true },
	{ "mfa.confirm", "user code", "", op_mfa_confirm, true },
	{ "mfa.reset", "user", "", op_mfa_reset, true },
	{ "mfa.recovery_codes", "user", "pool", op_mfa_recovery, true },
	{ "mfa.status", "user", "", op_mfa_status, false },
	{ "user.import.begin", "pool", "", op_import_begin, false },
	{ "user.import.chunk", "rows", "", op_import_chunk, false },
	{ "user.import.check", "", "", op_import_check, false },
	{ "user.import.commit", "", "skip_bad", op_import_commit, true },
	{ "user.import.abort", "", "", op_import_abort, false },
	{ "throttle.list", "", "pool", op_throttle_list, false },
	{ "throttle.clear", "pool", "rhost", op_throttle_clear, true },
	{ "user.unlock", "pool user", "", op_user_unlock, true },
};

/* Is word one of the space-separated words in list? */
static bool
in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	if (n == 0)
		return false;
	while ((p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return true;
		p += n;
	}
	return false;
}

static const char **
arg_slot(struct args *a, const char *key)
{
	static const struct {
		const char *key;
		size_t off;
	} slots[] = {
		{ "pool", offsetof(struct args, pool) },
		{ "user", offsetof(struct args, user) },
		{ "group", offsetof(struct args, group) },
		{ "name", offsetof(struct args, name) },
		{ "login", offsetof(struct args, login) },
		{ "email", offsetof(struct args, email) },
		{ "display_name", offsetof(struct args, display_name) },
		{ "home", offsetof(struct args, home) },
		{ "shell", offsetof(struct args, shell) },
		{ "password", offsetof(struct args, password) },
		{ "code", offsetof(struct args, code) },
		{ "rhost", offsetof(struct args, rhost) },
	};
	size_t i;

	for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (strcmp(slots[i].key, key) == 0)
			return (const char **)((char *)a + slots[i].off);
	return NULL;
}

/* Fill a from the request's members; every member must be known and typed. */
static int
parse_args(const struct op *op, json_t *req, struct args *a,
    struct store_err *err)
{
	const char *key;
	json_t *v;

	json_object_foreach(req, key, v)
	{
		const char **slot;

		if (strcmp(key, "v") == 0 || strcmp(key, "op") == 0)
			continue;
		if (!in_list(op->required, key) && !in_list(op->optional, key))
			return store_fail(err, -EINVAL, "invalid",
			    "unexpected argument '%.64s' for %s", key,
			    op->name);
		if (strcmp(key, "skip_bad") == 0) {
			if (!json_is_boolean(v))
				return store_fail(err, -EINVAL, "invalid",
				    "'skip_bad' must be true or false");
			a->skip_bad = json_is_true(v);
			continue;
		}
		if (strcmp(key, "rows") == 0) {
			a->rows = v;
			continue;
		}
		if (strcmp(key, "invite") == 0) {
			if (!json_is_boolean(v))
				return store_fail(err, -EINVAL, "invalid",
				    "'invite' must be true or false");
			a->invite = json_is_true(v);
			continue;
		}
		if (strcmp(key, "full") == 0) {
			if (!json_is_boolean(v))
				return store_fail(err, -EINVAL, "invalid",
				    "'full' must be true or false");
			a->full = json_is_true(v);
			continue;
		}
		if (strcmp(key, "disabled") == 0) {
			if (!json_is_boolean(v))
				return store_fail(err, -EINVAL, "invalid",
				    "'disabled' must be true or false");
			a->disabled = json_is_true(v);
			continue;
		}
		if (strcmp(key, "groups") == 0) {
			size_t i;
			json_t *g;

			if (!json_is_array(v) ||
			    json_array_size(v) > MAX_GROUPS_PER_ADD)
				return store_fail(err, -EINVAL, "invalid",
				    "'groups' must be a list of at most %d "
				    "names",
				    MAX_GROUPS_PER_ADD);
			json_array_foreach(v, i, g)
			{
				if (!json_is_string(g))
					return store_fail(err, -EINVAL,
					    "invalid",
					    "'groups' must hold names");
				a->groups[i] = json_string_value(g);
			}
			continue;
		}
		slot = arg_slot(a, key);
		if (slot == NULL || !json_is_string(v))
			return store_fail(err, -EINVAL, "invalid",
			    "'%s' must be a string", key);
		*slot = json_string_value(v);
	}
	return 0;
}

static int
check_required(const struct op *op, json_t *req, struct store_err *err)
{
	char buf[128];
	char *w, *save = NULL;

	(void)snprintf(buf, sizeof(buf), "%s", op->required);
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (json_object_get(req, w) == NULL)
			return store_fail(err, -EINVAL, "invalid",
			    "%s needs '%s'", op->name, w);
	return 0;
}

static void
audit(const struct admin_ctx *ctx, const struct op *op, const struct args *a,
    const struct store_err *err, bool ok)
{
	char target[96];
	const char *t = a->user ? a->user
	    : a->login          ? a->login
	    : a->group          ? a->group
	    : a->name           ? a->name
				: "";

	ua_log(LOG_NOTICE,
	    "event=admin op=%s peer_uid=%u target=%s result=%s%s%s", op->name,
	    (unsigned)ctx->peer_uid, ua_log_quote(t, target, sizeof(target)),
	    ok ? "ok" : "fail", ok ? "" : " reason=", ok ? "" : err->code);
}

/*
 * The reply to a done request; a change saved whose row could not be read
 * back (store_user_json_saved) carries a warning instead.
 */
static json_t *
saved_reply(json_t *result)
{
	json_t *reply, *w = NULL;
	const char *why;
	char msg[700];

	why = json_string_value(json_object_get(result, "readback_error"));
	if (why != NULL) {
		(void)snprintf(msg, sizeof(msg),
		    "the change is saved, but "
		    "reading it back failed (%s): 'userauthctl user show' "
		    "shows it",
		    why);
		w = json_pack("{s:s s:s}", "code", "readback", "message", msg);
		(void)json_object_del(result, "readback_error");
	}
	reply = json_pack("{s:i s:b s:o}", "v", UA_ADMIN_VERSION, "ok", 1,
	    "result", result);
	if (reply != NULL && w != NULL)
		(void)json_object_set_new(reply, "warning", w);
	else
		json_decref(w);
	return reply;
}

json_t *
admin_passwd_done(struct admin_ctx *ctx, const char *user,
    struct workq_job *job)
{
	struct pool_pw_job *j = (struct pool_pw_job *)job;
	struct store_err err = { "internal", "" };
	struct args a = { .user = user };
	const struct op *op = NULL;
	json_t *result = NULL;
	size_t i;
	int r;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i].name, "user.passwd") == 0)
			op = &ops[i];
	if (!j->ok || j->hash == NULL)
		r = store_fail(&err, -EIO, "internal",
		    "the password could not be hashed");
	else
		r = store_user_set_password(ctx->store, user, j->hash, &result,
		    &err);
	pool_job_free(job);
	if (op != NULL)
		audit(ctx, op, &a, &err, r == 0);
	if (r < 0)
		return admin_error(err.code, err.msg);
	return saved_reply(result);
}

json_t *
admin_handle(struct admin_ctx *ctx, json_t *req)
{
	struct store_err err = { "internal", "" };
	struct args a;
	const struct op *op = NULL;
	json_t *result = NULL, *v;
	const char *name;
	size_t i;
	int r;

	memset(&a, 0, sizeof(a));
	v = json_object_get(req, "v");
	if (!json_is_integer(v) || json_integer_value(v) != UA_ADMIN_VERSION)
		return admin_error("unsupported",
		    "unsupported protocol version (this daemon speaks 1)");
	name = json_string_value(json_object_get(req, "op"));
	for (i = 0; name != NULL && i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i].name, name) == 0)
			op = &ops[i];
	if (op == NULL)
		return admin_error("unsupported", "unknown operation");
	r = parse_args(op, req, &a, &err);
	if (r == 0)
		r = check_required(op, req, &err);
	if (r == 0)
		r = op->fn(ctx, &a, &result, &err);
	if (r == 0 && ctx->pending)
		return NULL; /* audited and answered when hashed */
	if (op->audit || r < 0)
		audit(ctx, op, &a, &err, r == 0);
	if (r < 0)
		return admin_error(err.code, err.msg);
	return saved_reply(result);
}
