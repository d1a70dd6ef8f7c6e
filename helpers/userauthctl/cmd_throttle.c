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

/* A bucket's account; "-" for a host bucket, which has none. */
static const char *
fmt_account(const json_t *b, const char *key, char *out, size_t outsz)
{
	(void)out;
	(void)outsz;
	if (strcmp(ctl_get_str(b, "kind"), "host") == 0)
		return "-";
	return ctl_get_str(b, key);
}

/* A bucket's remote host, "(none)" for the empty one (su, a console). */
static const char *
fmt_rhost(const json_t *b, const char *key, char *out, size_t outsz)
{
	const char *rhost = json_string_value(json_object_get(b, key));

	(void)out;
	(void)outsz;
	if (strcmp(ctl_get_str(b, "kind"), "account") == 0)
		return "-";
	return rhost != NULL && rhost[0] != '\0' ? rhost : "(none)";
}

/* Seconds with the unit, "-s" when absent. */
static const char *
fmt_wait(const json_t *b, const char *key, char *out, size_t outsz)
{
	char n[24];

	(void)snprintf(out, outsz, "%ss", ctl_fmt_int(b, key, n, sizeof(n)));
	return out;
}

/* "yes" for a locked bucket, "no" otherwise. */
static const char *
fmt_locked(const json_t *b, const char *key, char *out, size_t outsz)
{
	(void)out;
	(void)outsz;
	return json_is_true(json_object_get(b, key)) ? "yes" : "no";
}

static int
print_buckets(struct ctl_ctx *ctx, json_t *rows)
{
	static const struct ctl_col cols[] = {
		{ "POOL", "pool", CTL_COL_STR, NULL },
		{ "KIND", "kind", CTL_COL_STR, NULL },
		{ "ACCOUNT", "account", CTL_COL_FN, fmt_account },
		{ "RHOST", "rhost", CTL_COL_FN, fmt_rhost },
		{ "FAILURES", "failures", CTL_COL_INT, NULL },
		{ "WAIT", "wait", CTL_COL_FN, fmt_wait },
		{ "LOCKED", "locked", CTL_COL_FN, fmt_locked },
	};

	if (json_array_size(rows) == 0) {
		(void)printf("no failures counted\n");
		return CTL_EXIT_OK;
	}
	return ctl_printed(ctx,
	    ctl_print_rows(stdout, rows, cols, CTL_NCOLS(cols)));
}

int
ctl_throttle_list(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
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
	    ctl_get_str(res, "pool"),
	    ctl_fmt_int(res, "cleared", n, sizeof(n)));
	free(user);
	return CTL_EXIT_OK;
}

int
ctl_user_unlock(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
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
	char *rhost =
	    ctl_escape(json_string_value(json_object_get(res, "rhost")));

	if (rhost == NULL)
		return ctl_fail_oom(ctx);
	(void)printf("host %s in pool %s: %s bucket(s) cleared\n",
	    rhost[0] != '\0' ? rhost : "(none)", ctl_get_str(res, "pool"),
	    ctl_fmt_int(res, "cleared", n, sizeof(n)));
	free(rhost);
	return CTL_EXIT_OK;
}

int
ctl_throttle_clear(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
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
