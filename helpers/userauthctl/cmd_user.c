/* SPDX-License-Identifier: MIT */
/*
 * "userauthctl user ...": add, show, list, disable, enable and delete
 * users.  It validates every argument before sending and never deletes
 * without --yes or a confirmation typed on a terminal.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "client/valid.h"

#include "cmd.h"
#include "output.h"

#define CTL_MAX_ADD_GROUPS 64
#define CTL_USERBUF (UA_MAX_EMAIL + 1)

enum {
	OPT_EMAIL = CTL_OPT_LONG,
	OPT_NAME,
	OPT_HOME,
	OPT_SHELL,
	OPT_GROUP,
	OPT_DISABLED,
	OPT_INVITE,
	OPT_YES,
};

int
ctl_print_user(struct ctl_ctx *ctx, json_t *u)
{
	static const char *const keys[] = { "login", "pool", "email", "name",
		"uid", "gid", "home", "shell", "state", "groups",
		"password set", "created", "last login" };
	char uid[24], gid[24], created[40], last[40], *groups;
	const char *vals[13];
	json_t *pw;
	int r;

	groups = ctl_join_names(u, "groups");
	if (groups == NULL)
		return ctl_fail_oom(ctx);
	pw = json_object_get(u, "password_set");
	vals[0] = ctl_get_str(u, "login");
	vals[1] = ctl_get_str(u, "pool");
	vals[2] = ctl_get_str(u, "email");
	vals[3] = ctl_get_str(u, "display_name");
	vals[4] = ctl_fmt_int(u, "uid", uid, sizeof(uid));
	vals[5] = ctl_fmt_int(u, "gid", gid, sizeof(gid));
	vals[6] = ctl_get_str(u, "home");
	vals[7] = ctl_get_str(u, "shell");
	vals[8] = ctl_get_str(u, "state");
	vals[9] = groups;
	vals[10] = !json_is_boolean(pw) ? "-" : json_is_true(pw) ? "yes" : "no";
	vals[11] = ctl_fmt_time(json_object_get(u, "created"), created,
	    sizeof(created));
	vals[12] =
	    ctl_fmt_time(json_object_get(u, "last_login"), last, sizeof(last));
	r = ctl_kv_print(stdout, keys, vals, 13);
	if (r == 0)
		r = ctl_print_user_extra(u);
	free(groups);
	return ctl_printed(ctx, r);
}

struct user_add {
	const char *email, *name, *home, *shell;
	const char *groups[CTL_MAX_ADD_GROUPS];
	size_t ngroups;
	bool disabled;
	bool invite;
	bool too_many_groups;
};

/* Returns -1 to go on, or a sentinel for ctl_opt_end. */
static int
add_parse(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc, char **argv,
    struct user_add *a)
{
	static const struct option lo[] = {
		{ "email", required_argument, NULL, OPT_EMAIL },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "home", required_argument, NULL, OPT_HOME },
		{ "shell", required_argument, NULL, OPT_SHELL },
		{ "group", required_argument, NULL, OPT_GROUP },
		{ "disabled", no_argument, NULL, OPT_DISABLED },
		{ "invite", no_argument, NULL, OPT_INVITE },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	ctl_opt_reset();
	while ((c = ctl_getopt(ctx, v, argc, argv, lo)) != -1) {
		switch (c) {
		case OPT_EMAIL:
			a->email = optarg;
			break;
		case OPT_NAME:
			a->name = optarg;
			break;
		case OPT_HOME:
			a->home = optarg;
			break;
		case OPT_SHELL:
			a->shell = optarg;
			break;
		case OPT_GROUP:
			if (a->ngroups == CTL_MAX_ADD_GROUPS)
				a->too_many_groups = true;
			else
				a->groups[a->ngroups++] = optarg;
			break;
		case OPT_DISABLED:
			a->disabled = true;
			break;
		case OPT_INVITE:
			a->invite = true;
			break;
		default:
			return c;
		}
	}
	return -1;
}

static int
add_check(struct ctl_ctx *ctx, const struct user_add *a, char *email,
    size_t emailsz)
{
	size_t i;
	int r;

	if (a->email == NULL)
		return ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
		    "user add: --email is required");
	r = ctl_arg_email(ctx, "--email", a->email, email, emailsz);
	if (r == CTL_EXIT_OK && a->name != NULL)
		r = ctl_arg_gecos(ctx, "--name", a->name);
	if (r == CTL_EXIT_OK && a->home != NULL)
		r = ctl_arg_path(ctx, "--home", a->home);
	if (r == CTL_EXIT_OK && a->shell != NULL)
		r = ctl_arg_path(ctx, "--shell", a->shell);
	for (i = 0; r == CTL_EXIT_OK && i < a->ngroups; i++)
		r = ctl_arg_name(ctx, "--group", a->groups[i]);
	if (r == CTL_EXIT_OK && a->too_many_groups)
		r = ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
		    "user add: at most %d --group options", CTL_MAX_ADD_GROUPS);
	return r;
}

/* Add key: s to req when s is set.  -ENOMEM. */
static int
set_opt_str(json_t *req, const char *key, const char *s)
{
	if (s == NULL)
		return 0;
	return json_object_set_new(req, key, json_string(s)) < 0 ? -ENOMEM : 0;
}

static json_t *
add_request(const char *pool, const char *login, const char *email,
    const struct user_add *a)
{
	json_t *req, *groups = NULL;
	size_t i;

	req = ctl_request_new("user.add");
	if (req == NULL)
		return NULL;
	if (set_opt_str(req, "pool", pool) < 0 ||
	    set_opt_str(req, "login", login) < 0 ||
	    set_opt_str(req, "email", email) < 0 ||
	    set_opt_str(req, "display_name", a->name) < 0 ||
	    set_opt_str(req, "home", a->home) < 0 ||
	    set_opt_str(req, "shell", a->shell) < 0)
		goto fail;
	if (a->ngroups > 0) {
		groups = json_array();
		if (json_object_set_new(req, "groups", groups) < 0)
			goto fail;
		for (i = 0; i < a->ngroups; i++)
			if (json_array_append_new(groups,
				json_string(a->groups[i])) < 0)
				goto fail;
	}
	if (a->disabled &&
	    json_object_set_new(req, "disabled", json_true()) < 0)
		goto fail;
	if (a->invite && json_object_set_new(req, "invite", json_true()) < 0)
		goto fail;
	return req;
fail:
	json_decref(req);
	return NULL;
}

int
ctl_user_add(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	struct user_add a = { 0 };
	char email[CTL_USERBUF];
	const char *pool, *login;
	json_t *req = NULL, *res = NULL;
	int c, r;

	c = add_parse(ctx, v, argc, argv, &a);
	if (c != -1)
		return ctl_opt_end(ctx, v, c);
	r = ctl_operands(ctx, v, argc, 2, 2);
	if (r != CTL_EXIT_OK)
		return r;
	pool = argv[optind];
	login = argv[optind + 1];
	r = ctl_arg_pool(ctx, "POOL", pool);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_name(ctx, "LOGIN", login);
	if (r == CTL_EXIT_OK)
		r = add_check(ctx, &a, email, sizeof(email));
	if (r != CTL_EXIT_OK)
		return r;
	req = add_request(pool, login, email, &a);
	if (req == NULL)
		return ctl_fail_oom(ctx);
	r = ctl_call(ctx, req, &res);
	json_decref(req);
	if (r != CTL_EXIT_OK)
		return r;
	return ctl_show(ctx, res, JSON_OBJECT, ctl_print_user);
}

/*
 * Parse a verb whose only operand is USER, normalised into user.  Returns
 * CTL_GO, or the exit status to stop with (help printed, bad argument).
 */
static int
one_user(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc, char **argv,
    bool *yes, char *user, size_t usersz)
{
	static const struct option lo_yes[] = {
		{ "yes", no_argument, NULL, OPT_YES },
		{ NULL, 0, NULL, 0 },
	};
	int c, r;

	ctl_opt_reset();
	while ((c = ctl_getopt(ctx, v, argc, argv,
		    yes != NULL ? lo_yes : NULL)) != -1) {
		if (c == OPT_YES && yes != NULL)
			*yes = true;
		else
			return ctl_opt_end(ctx, v, c);
	}
	r = ctl_operands(ctx, v, argc, 1, 1);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_user(ctx, "USER", argv[optind], user, usersz);
	return r == CTL_EXIT_OK ? CTL_GO : r;
}

int
ctl_user_show(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	char user[CTL_USERBUF];
	json_t *res = NULL;
	int r;

	r = one_user(ctx, v, argc, argv, NULL, user, sizeof(user));
	if (r != CTL_GO)
		return r;
	r = ctl_simple(ctx, "user.show", "user", user, NULL, NULL, &res);
	if (r != CTL_EXIT_OK)
		return r;
	return ctl_show(ctx, res, JSON_OBJECT, ctl_print_user);
}

static int
print_users(struct ctl_ctx *ctx, json_t *users)
{
	static const struct ctl_col cols[] = {
		{ "LOGIN", "login", CTL_COL_STR, NULL },
		{ "POOL", "pool", CTL_COL_STR, NULL },
		{ "UID", "uid", CTL_COL_INT, NULL },
		{ "STATE", "state", CTL_COL_STR, NULL },
		{ "EMAIL", "email", CTL_COL_STR, NULL },
		{ "NAME", "display_name", CTL_COL_STR, NULL },
	};

	return ctl_printed(ctx,
	    ctl_print_rows(stdout, users, cols, CTL_NCOLS(cols)));
}

int
ctl_user_list(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	return ctl_list_in_pool(ctx, v, argc, argv, "user.list", print_users);
}

static int
print_state(struct ctl_ctx *ctx, json_t *u)
{
	char *login, *state;
	int r = CTL_EXIT_OK;

	login = ctl_escape(ctl_get_str(u, "login"));
	state = ctl_escape(ctl_get_str(u, "state"));
	if (login == NULL || state == NULL)
		r = ctl_fail_oom(ctx);
	else
		(void)printf("user %s is %s\n", login, state);
	free(login);
	free(state);
	return r;
}

static int
set_state(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc, char **argv,
    const char *op)
{
	char user[CTL_USERBUF];
	json_t *res = NULL;
	int r;

	r = one_user(ctx, v, argc, argv, NULL, user, sizeof(user));
	if (r != CTL_GO)
		return r;
	r = ctl_simple(ctx, op, "user", user, NULL, NULL, &res);
	if (r != CTL_EXIT_OK)
		return r;
	return ctl_show(ctx, res, JSON_OBJECT, print_state);
}

int
ctl_user_disable(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	return set_state(ctx, v, argc, argv, "user.disable");
}

int
ctl_user_enable(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	return set_state(ctx, v, argc, argv, "user.enable");
}

static int
print_reset(struct ctl_ctx *ctx, json_t *u)
{
	char *login = ctl_escape(ctl_get_str(u, "login"));

	if (login == NULL)
		return ctl_fail_oom(ctx);
	(void)printf("user %s must choose a new password at the next login\n",
	    login);
	free(login);
	return CTL_EXIT_OK;
}

int
ctl_user_reset_password(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	char user[CTL_USERBUF];
	json_t *res = NULL;
	int r;

	r = one_user(ctx, v, argc, argv, NULL, user, sizeof(user));
	if (r != CTL_GO)
		return r;
	r = ctl_simple(ctx, "user.reset_password", "user", user, NULL, NULL,
	    &res);
	if (r != CTL_EXIT_OK)
		return r;
	return ctl_show(ctx, res, JSON_OBJECT, print_reset);
}

/*
 * Without --yes: show whom USER names and ask on the terminal; refuse
 * when stdin is not a terminal.  On success user holds the login to
 * delete (the one the question named).
 */
static int
confirm_del(struct ctl_ctx *ctx, char *user, size_t usersz)
{
	char *q = NULL, *login = NULL, *email = NULL, *pool = NULL;
	const char *target;
	json_t *res = NULL;
	int r;

	if (!isatty(STDIN_FILENO))
		return ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
		    "user del: stdin is not a terminal; confirm with --yes");
	r = ctl_simple(ctx, "user.show", "user", user, NULL, NULL, &res);
	if (r != CTL_EXIT_OK)
		return r;
	target = json_string_value(json_object_get(res, "login"));
	if (target == NULL || strlen(target) >= usersz) {
		r = ctl_fail(ctx, CTL_EXIT_UNREACHABLE, "unreachable",
		    "unexpected reply from the daemon");
		goto out;
	}
	login = ctl_escape(target);
	email = ctl_escape(ctl_get_str(res, "email"));
	pool = ctl_escape(ctl_get_str(res, "pool"));
	if (login == NULL || email == NULL || pool == NULL ||
	    asprintf(&q, "delete user %s <%s> of pool %s? [y/N] ", login, email,
		pool) < 0)
		r = ctl_fail_oom(ctx);
	else if (!ctl_confirm(q))
		r = ctl_fail(ctx, CTL_EXIT_REFUSED, "local",
		    "not confirmed; nothing deleted");
	else /* delete exactly the user the question named */
		(void)ua_snprintf(user, usersz, "%s", target);
out:
	free(q);
	free(login);
	free(email);
	free(pool);
	json_decref(res);
	return r;
}

static int
print_deleted(struct ctl_ctx *ctx, json_t *res)
{
	char *login;

	login = ctl_escape(ctl_get_str(res, "login"));
	if (login == NULL)
		return ctl_fail_oom(ctx);
	(void)printf("deleted user %s\n", login);
	free(login);
	return CTL_EXIT_OK;
}

int
ctl_user_del(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	char user[CTL_USERBUF];
	json_t *res = NULL;
	bool yes = false;
	int r;

	r = one_user(ctx, v, argc, argv, &yes, user, sizeof(user));
	if (r != CTL_GO)
		return r;
	if (!yes) {
		r = confirm_del(ctx, user, sizeof(user));
		if (r != CTL_EXIT_OK)
			return r;
	}
	r = ctl_simple(ctx, "user.del", "user", user, NULL, NULL, &res);
	if (r != CTL_EXIT_OK)
		return r;
	return ctl_show(ctx, res, JSON_OBJECT, print_deleted);
}
