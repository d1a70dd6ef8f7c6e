/* SPDX-License-Identifier: MIT */
/*
 * "userauthctl pool list": the daemon's pools as a table.  Read-only; it
 * never changes anything.
 */
#include <stdio.h>

#include "cmd.h"
#include "output.h"

static const char *
fmt_range(
    const json_t *p, const char *lo, const char *hi, char *out, size_t outsz)
{
	char a[24], b[24];

	(void)snprintf(out, outsz, "%s-%s", ctl_fmt_int(p, lo, a, sizeof(a)),
	    ctl_fmt_int(p, hi, b, sizeof(b)));
	return out;
}

static int
print_pools(struct ctl_ctx *ctx, json_t *pools)
{
	static const char *const header[] = {
	    "NAME", "BACKEND", "UIDS", "GIDS", "USERS", "GROUPS"};
	char uids[64], gids[64], users[24], groups[24];
	struct ctl_table t;
	const char *row[6];
	json_t *p;
	size_t i;
	int r;

	if (ctl_table_init(&t, 6, header) < 0)
		return ctl_fail_oom(ctx);
	json_array_foreach(pools, i, p)
	{
		row[0] = ctl_get_str(p, "name");
		row[1] = ctl_get_str(p, "backend");
		row[2] = fmt_range(p, "uid_min", "uid_max", uids, sizeof(uids));
		row[3] = fmt_range(p, "gid_min", "gid_max", gids, sizeof(gids));
		row[4] = ctl_fmt_int(p, "users", users, sizeof(users));
		row[5] = ctl_fmt_int(p, "groups", groups, sizeof(groups));
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
ctl_pool_list(
    struct ctl_ctx *ctx, const struct ctl_verb *v, int argc, char **argv)
{
	json_t *res = NULL;
	int c, r;

	ctl_opt_reset();
	c = ctl_getopt(ctx, v, argc, argv, NULL);
	if (c != -1)
		return ctl_opt_end(ctx, v, c);
	r = ctl_operands(ctx, v, argc, 0, 0);
	if (r != CTL_EXIT_OK)
		return r;
	r = ctl_simple(ctx, "pool.list", NULL, NULL, NULL, NULL, &res);
	if (r != CTL_EXIT_OK)
		return r;
	return ctl_show(ctx, res, JSON_ARRAY, print_pools);
}
