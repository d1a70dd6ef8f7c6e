/* SPDX-License-Identifier: MIT */
/*
 * "userauthctl group ...": add, delete and list groups, and add or remove
 * members.  Arguments are validated before sending; private per-user
 * groups are the daemon's business and never named here.
 */
#include <stdio.h>
#include <stdlib.h>

#include "client/valid.h"

#include "cmd.h"
#include "output.h"

static int
print_group(struct ctl_ctx *ctx, json_t *g)
{
	static const char *const keys[] = { "name", "pool", "gid", "members" };
	const char *vals[4];
	char gid[24], *members;
	int r;

	members = ctl_join_names(g, "members");
	if (members == NULL)
		return ctl_fail_oom(ctx);
	vals[0] = ctl_get_str(g, "name");
	vals[1] = ctl_get_str(g, "pool");
	vals[2] = ctl_fmt_int(g, "gid", gid, sizeof(gid));
	vals[3] = members;
	r = ctl_kv_print(stdout, keys, vals, 4);
	free(members);
	return ctl_printed(ctx, r);
}

static int
print_groups(struct ctl_ctx *ctx, json_t *groups)
{
	static const struct ctl_col cols[] = {
		{ "NAME", "name", CTL_COL_STR, NULL },
		{ "POOL", "pool", CTL_COL_STR, NULL },
		{ "GID", "gid", CTL_COL_INT, NULL },
		{ "MEMBERS", "members", CTL_COL_NAMES, NULL },
	};

	return ctl_printed(ctx,
	    ctl_print_rows(stdout, groups, cols, CTL_NCOLS(cols)));
}

/* Parse options (none but the common ones) and count operands. */
static int
parse(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc, char **argv,
    int min, int max)
{
	int c, r;

	ctl_opt_reset();
	c = ctl_getopt(ctx, v, argc, argv, NULL);
	if (c != -1)
		return ctl_opt_end(ctx, v, c);
	r = ctl_operands(ctx, v, argc, min, max);
	return r == CTL_EXIT_OK ? CTL_GO : r;
}

int
ctl_group_add(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	const char *pool, *name;
	json_t *res = NULL;
	int r;

	r = parse(ctx, v, argc, argv, 2, 2);
	if (r != CTL_GO)
		return r;
	pool = argv[optind];
	name = argv[optind + 1];
	r = ctl_arg_pool(ctx, "POOL", pool);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_name(ctx, "NAME", name);
	if (r == CTL_EXIT_OK)
		r = ctl_simple(ctx, "group.add", "pool", pool, "name", name,
		    &res);
	if (r != CTL_EXIT_OK)
		return r;
	return ctl_show(ctx, res, JSON_OBJECT, print_group);
}

static int
print_deleted(struct ctl_ctx *ctx, json_t *res)
{
	char *name;

	name = ctl_escape(ctl_get_str(res, "name"));
	if (name == NULL)
		return ctl_fail_oom(ctx);
	(void)printf("deleted group %s\n", name);
	free(name);
	return CTL_EXIT_OK;
}

int
ctl_group_del(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	json_t *res = NULL;
	int r;

	r = parse(ctx, v, argc, argv, 1, 1);
	if (r != CTL_GO)
		return r;
	r = ctl_arg_name(ctx, "GROUP", argv[optind]);
	if (r == CTL_EXIT_OK)
		r = ctl_simple(ctx, "group.del", "group", argv[optind], NULL,
		    NULL, &res);
	if (r != CTL_EXIT_OK)
		return r;
	return ctl_show(ctx, res, JSON_OBJECT, print_deleted);
}

int
ctl_group_list(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	return ctl_list_in_pool(ctx, v, argc, argv, "group.list", print_groups);
}

static int
member(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc, char **argv,
    const char *op)
{
	char user[UA_MAX_EMAIL + 1];
	json_t *res = NULL;
	int r;

	r = parse(ctx, v, argc, argv, 2, 2);
	if (r != CTL_GO)
		return r;
	r = ctl_arg_name(ctx, "GROUP", argv[optind]);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_user(ctx, "USER", argv[optind + 1], user,
		    sizeof(user));
	if (r == CTL_EXIT_OK)
		r = ctl_simple(ctx, op, "group", argv[optind], "user", user,
		    &res);
	if (r != CTL_EXIT_OK)
		return r;
	return ctl_show(ctx, res, JSON_OBJECT, print_group);
}

int
ctl_group_member_add(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	return member(ctx, v, argc, argv, "group.member.add");
}

int
ctl_group_member_del(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	return member(ctx, v, argc, argv, "group.member.del");
}
