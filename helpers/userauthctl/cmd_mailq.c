/* SPDX-License-Identifier: MIT */
/*
 * "userauthctl mailq" and "userauthctl mailq flush": the daemon's queue of
 * one-time-code mail, and a nudge to retry it now.  Recipients arrive
 * masked from the daemon; no message body or code ever reaches the CLI.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "output.h"

/* Seconds as "42s", "3m05s" or "2h01m"; "-" when absent. */
static const char *
fmt_secs(const json_t *o, const char *key, char *out, size_t outsz)
{
	const json_t *v = json_object_get(o, key);
	json_int_t s, a;

	if (!json_is_integer(v))
		return "-";
	s = json_integer_value(v);
	a = s < 0 ? -s : s;
	if (a < 60)
		(void)snprintf(out, outsz, "%" JSON_INTEGER_FORMAT "s", s);
	else if (a < 3600)
		(void)snprintf(out, outsz,
		    "%s%" JSON_INTEGER_FORMAT "m%02" JSON_INTEGER_FORMAT "s",
		    s < 0 ? "-" : "", a / 60, a % 60);
	else
		(void)snprintf(out, outsz,
		    "%s%" JSON_INTEGER_FORMAT "h%02" JSON_INTEGER_FORMAT "m",
		    s < 0 ? "-" : "", a / 3600, a % 3600 / 60);
	return out;
}

/* The time left of a queued message; "-" for one sent or given up. */
static const char *
fmt_expires(const json_t *m, const char *key, char *out, size_t outsz)
{
	const char *state = json_string_value(json_object_get(m, "state"));

	if (state == NULL || strcmp(state, "queued") != 0)
		return "-";
	return fmt_secs(m, key, out, outsz);
}

static int
print_queue(struct ctl_ctx *ctx, json_t *rows)
{
	static const struct ctl_col cols[] = {
		{ "ID", "id", CTL_COL_INT, NULL },
		{ "POOL", "pool", CTL_COL_STR, NULL },
		{ "RECIPIENT", "recipient", CTL_COL_STR, NULL },
		{ "STATE", "state", CTL_COL_STR, NULL },
		{ "TRIES", "attempts", CTL_COL_INT, NULL },
		{ "AGE", "age", CTL_COL_FN, fmt_secs },
		{ "EXPIRES IN", "expires_in", CTL_COL_FN, fmt_expires },
		{ "LAST ERROR", "last_error", CTL_COL_STR, NULL },
	};

	if (json_array_size(rows) == 0) {
		(void)printf("no queued or recent mail\n");
		return CTL_EXIT_OK;
	}
	return ctl_printed(ctx,
	    ctl_print_rows(stdout, rows, cols, CTL_NCOLS(cols)));
}

static int
print_flush(struct ctl_ctx *ctx, json_t *res)
{
	char n[24];

	(void)ctx;
	(void)printf("%s queued message(s) will be tried now\n",
	    ctl_fmt_int(res, "queued", n, sizeof(n)));
	return CTL_EXIT_OK;
}

/* Both verbs: no operands, one request with no arguments. */
static int
mailq_run(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc, char **argv,
    const char *op, json_type type, ctl_print_fn *human)
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
	r = ctl_simple(ctx, op, NULL, NULL, NULL, NULL, &res);
	if (r != CTL_EXIT_OK)
		return r;
	return ctl_show(ctx, res, type, human);
}

int
ctl_mailq_list(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	static const struct option lo[] = {
		{ "full", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	json_t *req, *res = NULL;
	bool full = false;
	int c, r;

	ctl_opt_reset();
	while ((c = ctl_getopt(ctx, v, argc, argv, lo)) != -1) {
		if (c != 'f')
			return ctl_opt_end(ctx, v, c);
		full = true;
	}
	r = ctl_operands(ctx, v, argc, 0, 0);
	if (r != CTL_EXIT_OK)
		return r;
	/* whole recipients: root only, the daemon decides */
	req = ctl_request_new("mailq.list");
	if (req == NULL ||
	    (full && json_object_set_new(req, "full", json_true()) < 0)) {
		json_decref(req);
		return ctl_fail_oom(ctx);
	}
	r = ctl_call(ctx, req, &res);
	json_decref(req);
	if (r != CTL_EXIT_OK)
		return r;
	return ctl_show(ctx, res, JSON_ARRAY, print_queue);
}

int
ctl_mailq_flush(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	return mailq_run(ctx, v, argc, argv, "mailq.flush", JSON_OBJECT,
	    print_flush);
}
