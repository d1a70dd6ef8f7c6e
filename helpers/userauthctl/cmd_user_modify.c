/* SPDX-License-Identifier: MIT */
/*
 * "userauthctl user modify": a user's email, display name, shell or home,
 * keeping the uid; and the MFA and limits lines of a shown user.  Every
 * argument is checked before anything is sent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "client/valid.h"

#include "cmd.h"
#include "output.h"

enum { OPT_EMAIL = CTL_OPT_LONG, OPT_NAME, OPT_HOME, OPT_SHELL };

/* "mfa" and "limits" of a user object, when the daemon sent them. */
int
ctl_print_user_extra(const json_t *u)
{
	static const char *const keys[] = { "mfa", "limits" };
	const json_t *m = json_object_get(u, "mfa");
	const json_t *lim = json_object_get(u, "limits"), *l;
	char mfa[96], limits[512];
	const char *vals[2];
	size_t i, n = 0;
	int k;

	if (!json_is_object(m) || !json_is_array(lim))
		return 0;
	(void)snprintf(mfa, sizeof(mfa), "%s (pool mfa = %s)",
	    json_is_true(json_object_get(m, "enrolled")) ? "enrolled"
		: json_is_true(json_object_get(m, "pending"))
		? "enrolment pending"
		: "not enrolled",
	    ctl_get_str(m, "mode"));
	limits[0] = '\0';
	json_array_foreach(lim, i, l)
	{
		k = snprintf(limits + n, sizeof(limits) - n,
		    "%s%s%s%s: %lld failures, wait %llds%s", n ? "; " : "",
		    ctl_get_str(l, "kind"),
		    *ctl_get_str(l, "rhost") != '-' ? " from " : "",
		    *ctl_get_str(l, "rhost") != '-' ? ctl_get_str(l, "rhost")
						    : "",
		    (long long)json_integer_value(
			json_object_get(l, "failures")),
		    (long long)json_integer_value(json_object_get(l, "wait")),
		    json_is_true(json_object_get(l, "locked")) ? ", LOCKED"
							       : "");
		if (k < 0 || (size_t)k >= sizeof(limits) - n)
			break;
		n += (size_t)k;
	}
	vals[0] = mfa;
	vals[1] = n > 0 ? limits : "none (no failures counted)";
	return ctl_kv_print(stdout, keys, vals, 2);
}

struct user_mod {
	const char *email, *name, *home, *shell;
};

static int
mod_parse(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc, char **argv,
    struct user_mod *a)
{
	static const struct option lo[] = {
		{ "email", required_argument, NULL, OPT_EMAIL },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "home", required_argument, NULL, OPT_HOME },
		{ "shell", required_argument, NULL, OPT_SHELL },
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
		default:
			return c;
		}
	}
	return -1;
}

static int
put(json_t *req, const char *key, const char *val)
{
	if (val == NULL)
		return 0;
	return json_object_set_new(req, key, json_string(val));
}

int
ctl_user_modify(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	struct user_mod a = { 0 };
	char user[UA_MAX_EMAIL + 1], email[UA_MAX_EMAIL + 1];
	json_t *req = NULL, *res = NULL;
	int c, r;

	c = mod_parse(ctx, v, argc, argv, &a);
	if (c != -1)
		return ctl_opt_end(ctx, v, c);
	r = ctl_operands(ctx, v, argc, 2, 2);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_pool(ctx, "POOL", argv[optind]);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_user(ctx, "USER", argv[optind + 1], user,
		    sizeof(user));
	if (r == CTL_EXIT_OK && a.email == NULL && a.name == NULL &&
	    a.home == NULL && a.shell == NULL)
		r = ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
		    "user modify: "
		    "nothing to change; give --email, --name, --shell or "
		    "--home");
	if (r == CTL_EXIT_OK && a.email != NULL)
		r = ctl_arg_email(ctx, "--email", a.email, email,
		    sizeof(email));
	if (r == CTL_EXIT_OK && a.name != NULL)
		r = ctl_arg_gecos(ctx, "--name", a.name);
	if (r == CTL_EXIT_OK && a.home != NULL)
		r = ctl_arg_path(ctx, "--home", a.home);
	if (r == CTL_EXIT_OK && a.shell != NULL)
		r = ctl_arg_path(ctx, "--shell", a.shell);
	if (r != CTL_EXIT_OK)
		return r;
	req = ctl_request_new("user.modify");
	if (req == NULL || put(req, "pool", argv[optind]) < 0 ||
	    put(req, "user", user) < 0 ||
	    put(req, "email", a.email != NULL ? email : NULL) < 0 ||
	    put(req, "display_name", a.name) < 0 ||
	    put(req, "home", a.home) < 0 || put(req, "shell", a.shell) < 0) {
		json_decref(req);
		return ctl_fail_oom(ctx);
	}
	r = ctl_call(ctx, req, &res);
	json_decref(req);
	if (r != CTL_EXIT_OK)
		return r;
	return ctl_show(ctx, res, JSON_OBJECT, ctl_print_user);
}
