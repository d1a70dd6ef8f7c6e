/* SPDX-License-Identifier: MIT */
/*
 * "userauthctl pool list": the daemon's pools as a table.  Read-only; it
 * never changes anything.
 */
#include <stdio.h>

#include "cmd.h"
#include "output.h"

/* "MIN-MAX" of the members key_min and key_max, either "-" when absent. */
static const char *
fmt_range(const json_t *p, const char *key, char *out, size_t outsz)
{
	char lo[32], hi[32], a[24], b[24];

	(void)snprintf(lo, sizeof(lo), "%s_min", key);
	(void)snprintf(hi, sizeof(hi), "%s_max", key);
	(void)snprintf(out, outsz, "%s-%s", ctl_fmt_int(p, lo, a, sizeof(a)),
	    ctl_fmt_int(p, hi, b, sizeof(b)));
	return out;
}

static int
print_pools(struct ctl_ctx *ctx, json_t *pools)
{
	static const struct ctl_col cols[] = {
		{ "NAME", "name", CTL_COL_STR, NULL },
		{ "BACKEND", "backend", CTL_COL_STR, NULL },
		{ "UIDS", "uid", CTL_COL_FN, fmt_range },
		{ "GIDS", "gid", CTL_COL_FN, fmt_range },
		{ "USERS", "users", CTL_COL_INT, NULL },
		{ "GROUPS", "groups", CTL_COL_INT, NULL },
	};

	return ctl_printed(ctx,
	    ctl_print_rows(stdout, pools, cols, CTL_NCOLS(cols)));
}

int
ctl_pool_list(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
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
