/* SPDX-License-Identifier: MIT */
/*
 * "userauthctl throttle list [POOL]" and "userauthctl user unlock POOL
 * USER": the daemon's failure buckets (throttling and lockout, see
 * userauthd(8)) and clearing an account's lock and waits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/valid.h"
#include "cmd.h"
#include "output.h"

static int
print_buckets(struct ctl_ctx *ctx, json_t *rows)
{
	static const char *const header[] = { "POOL", "KIND", "ACCOUNT",
		"RHOST", "FAILURES", "WAIT", "LOCKED" };
	char failures[24], wn[24], wait[32];
	const char *row[7];
	struct ctl_table t;
	json_t *b;
	size_t i;
	int r;

	if (json_array_size(rows) == 0) {
		(void)printf("no failures counted\n");
		return CTL_EXIT_OK;
	}
	if (ctl_table_init(&t, 7, header) < 0)
		return ctl_fail_oom(ctx);
	json_array_foreach(rows, i, b)
	{
		const char *rhost = json_string_value(json_object_get(b,
		    "rhost"));
		const char *kind = ctl_get_str(b, "kind");

		row[0] = ctl_get_str(b, "pool");
		row[1] = kind;
		row[2] = strcmp(kind, "host") == 0 ? "-" :
						      ctl_get_str(b, "account");
		row[3] = strcmp(kind, "account") == 0	   ? "-" :
		    rhost != NULL && rhost[0] != '\0' ? rhost :
							      "(none)";
		row[4] = ctl_fmt_int(b, "failures", failures, sizeof(failures));
		(void)snprintf(wait, sizeof(wait), "%ss",
		    ctl_fmt_int(b, "wait", wn, sizeof(wn)));
		row[5] = wait;
		row[6] = json_is_true(json_object_get(b, "locked")) ? "yes" :
								      "no";
		if (ctl_table_add(&t, row) < 0) {
			r = ctl_fail_oom(ctx);
			goto out;
		}
	}
	r = ctl_table_print(&t, stdout) < 0 ? CTL_EXIT_REFUSED : CTL_EXIT_OK;
out:
	ctl_table_free(&t);
	return r;
}

int
ctl_throttle_list(
    struct ctl_ctx *ctx, const struct ctl_verb *v, int argc, char **argv)
{
	return ctl_list_in_pool(ctx, v, argc, argv, "throttle.list",
	    print_buckets);
}

static int
print_unlock(struct ctl_ctx *ctx, json_t *res)
{
	char n[24];
	char *user = ctl_escape(ctl_get_str(res, "user"));

	if (user == NULL)
		return ctl_fail_oom(ctx);
	(void)printf("%s in pool %s: %s bucket(s) cleared\n", user,
	    ctl_get_str(res, "pool"), ctl_fmt_int(res, "cleared", n,
	    sizeof(n)));
	free(user);
	return CTL_EXIT_OK;
}

int
ctl_user_unlock(
    struct ctl_ctx *ctx, const struct ctl_verb *v, int argc, char **argv)
{
	char user[UA_MAX_EMAIL + 1];
	json_t *res = NULL;
	int c, r;

	ctl_opt_reset();
	c = ctl_getopt(ctx, v, argc, argv, NULL);
	if (c != -1)
		return ctl_opt_end(ctx, v, c);
	r = ctl_operands(ctx, v, argc, 2, 2);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_pool(ctx, "POOL", argv[optind]);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_user(ctx, "USER", argv[optind + 1], user,
		    sizeof(user));
	if (r != CTL_EXIT_OK)
		return r;
	r = ctl_simple(ctx, "user.unlock", "pool", argv[optind], "user", user,
	    &res);
	if (r != CTL_EXIT_OK)
		return r;
	return ctl_show(ctx, res, JSON_OBJECT, print_unlock);
}

static int
print_clear(struct ctl_ctx *ctx, json_t *res)
{
	char n[24];
	char *rhost = ctl_escape(json_string_value(json_object_get(res,
	    "rhost")));

	if (rhost == NULL)
		return ctl_fail_oom(ctx);
	(void)printf("host %s in pool %s: %s bucket(s) cleared\n",
	    rhost[0] != '\0' ? rhost : "(none)", ctl_get_str(res, "pool"),
	    ctl_fmt_int(res, "cleared", n, sizeof(n)));
	free(rhost);
	return CTL_EXIT_OK;
}

int
ctl_throttle_clear(
    struct ctl_ctx *ctx, const struct ctl_verb *v, int argc, char **argv)
{
	json_t *res = NULL;
	const char *rhost;
	int c, r;

	ctl_opt_reset();
	c = ctl_getopt(ctx, v, argc, argv, NULL);
	if (c != -1)
		return ctl_opt_end(ctx, v, c);
	r = ctl_operands(ctx, v, argc, 2, 2);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_pool(ctx, "POOL", argv[optind]);
	if (r != CTL_EXIT_OK)
		return r;
	/* "none": the empty remote host (su, sudo, a console) */
	rhost = strcmp(argv[optind + 1], "none") == 0 ? "" : argv[optind + 1];
	r = ctl_simple(ctx, "throttle.clear", "pool", argv[optind], "rhost",
	    rhost, &res);
	if (r != CTL_EXIT_OK)
		return r;
	return ctl_show(ctx, res, JSON_OBJECT, print_clear);
}
