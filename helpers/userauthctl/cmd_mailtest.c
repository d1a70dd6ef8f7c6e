/* SPDX-License-Identifier: MIT */
/*
 * mail test POOL ADDRESS: one test message through the configured relay,
 * queued by the daemon like a code's mail (its mailer sends it, with its
 * credentials, off the event loop); the CLI then follows that queue row
 * until the relay took it, refused it, or the wait ran out.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/valid.h"
#include "userauthctl/client.h"
#include "userauthctl/cmd.h"
#include "userauthctl/output.h"

#define MAILTEST_WAIT_S 30

/* The row id of the queue, or NULL when it is not listed (yet). */
static json_t *
find_row(json_t *rows, json_int_t id)
{
	json_t *r;
	size_t i;

	json_array_foreach(rows, i,
	    r) if (json_integer_value(json_object_get(r, "id")) == id) return r;
	return NULL;
}

/*
 * --wait SECONDS (1 to 600) into *wait: -1 to go on, else the exit
 * status (after --help, or a usage error).
 */
static int
mail_test_opts(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv, long *wait)
{
	static const struct option lo[] = {
		{ "wait", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	ctl_opt_reset();
	while ((c = ctl_getopt(ctx, v, argc, argv, lo)) != -1) {
		if (c != 'w')
			return ctl_opt_end(ctx, v, c);
		*wait = strtol(optarg, &end, 10);
		if (*optarg == '\0' || *end != '\0' || *wait < 1 ||
		    *wait > 600) {
			(void)fprintf(stderr,
			    "userauthctl: --wait: seconds "
			    "from 1 to 600\n");
			return CTL_EXIT_USAGE;
		}
	}
	return -1;
}

/*
 * Poll the queue until row id leaves "queued" or wait seconds pass:
 * *ret_rows the last listing (caller frees), *ret_row the row in it or
 * NULL when it is gone.
 */
static int
wait_for_row(struct ctl_ctx *ctx, json_int_t id, long wait, json_t **ret_rows,
    json_t **ret_row)
{
	struct timespec nap = { .tv_nsec = 250000000L };
	time_t until = time(NULL) + wait;
	const char *state;
	json_t *req;
	int r;

	for (;;) {
		req = ctl_request_new("mailq.list");
		if (req == NULL)
			return ctl_fail_oom(ctx);
		json_decref(*ret_rows);
		*ret_rows = NULL;
		r = ctl_call(ctx, req, ret_rows);
		json_decref(req);
		if (r != CTL_EXIT_OK)
			return r;
		*ret_row = find_row(*ret_rows, id);
		state = *ret_row
		    ? json_string_value(json_object_get(*ret_row, "state"))
		    : NULL;
		if (state != NULL && strcmp(state, "queued") != 0)
			return CTL_EXIT_OK;
		if (time(NULL) >= until)
			return CTL_EXIT_OK;
		(void)nanosleep(&nap, NULL);
	}
}

/* What became of the test mail (row, or NULL when gone); exit status. */
static int
mail_test_report(const json_t *row, const char *addr, json_int_t id)
{
	const char *state =
	    row ? json_string_value(json_object_get(row, "state")) : NULL;
	const char *why =
	    row ? json_string_value(json_object_get(row, "last_error")) : NULL;

	if (state != NULL && strcmp(state, "sent") == 0) {
		(void)printf("sent: the relay accepted the test mail to %s "
			     "(queue id %lld)\n",
		    addr, (long long)id);
		return CTL_EXIT_OK;
	}
	(void)printf("%s: %s%s(queue id %lld)\n",
	    state == NULL                      ? "gone"
		: strcmp(state, "queued") == 0 ? "not sent yet"
					       : state,
	    why != NULL ? why
		: state != NULL && strcmp(state, "queued") == 0
		? "the relay has not "
		  "answered; the mailer goes on trying"
		: "no reason given",
	    " ", (long long)id);
	return CTL_EXIT_REFUSED;
}

int
ctl_mail_test(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	char addr[UA_MAX_EMAIL + 1];
	json_t *res = NULL, *rows = NULL, *row = NULL;
	long wait = MAILTEST_WAIT_S;
	json_int_t id;
	int r;

	r = mail_test_opts(ctx, v, argc, argv, &wait);
	if (r >= 0)
		return r;
	r = ctl_operands(ctx, v, argc, 2, 2);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_pool(ctx, "POOL", argv[optind]);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_email(ctx, "ADDRESS", argv[optind + 1], addr,
		    sizeof(addr));
	if (r == CTL_EXIT_OK)
		r = ctl_simple(ctx, "mail.test", "pool", argv[optind], "email",
		    addr, &res);
	if (r != CTL_EXIT_OK)
		return r;
	id = json_integer_value(json_object_get(res, "id"));
	json_decref(res);
	r = wait_for_row(ctx, id, wait, &rows, &row);
	if (r == CTL_EXIT_OK)
		r = mail_test_report(row, addr, id);
	json_decref(rows);
	return r;
}
