/* SPDX-License-Identifier: MIT */
/*
 * userauthctl's argument plumbing shared by every verb: option parsing
 * with our messages, operand counts, and the local validators that give a
 * clear message before anything is sent.  It must never let an argument
 * that failed a validator reach a request.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "client/valid.h"

#include "cmd.h"
#include "output.h"

#define CTL_OPT_JSON (CTL_OPT_LONG - 1)
#define CTL_MAX_LONGOPTS 32

static const struct option common_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, CTL_OPT_JSON },
	{ "socket", required_argument, NULL, 's' },
};

const char *
ctl_verb_name(const struct ctl_verb *v, char *out, size_t outsz)
{
	(void)snprintf(out, outsz, "%s%s%s%s%s", v->words[0],
	    v->words[1] != NULL ? " " : "",
	    v->words[1] != NULL ? v->words[1] : "",
	    v->words[2] != NULL ? " " : "",
	    v->words[2] != NULL ? v->words[2] : "");
	return out;
}

void
ctl_verb_help(const struct ctl_verb *v, FILE *f)
{
	char name[64];

	(void)fprintf(f, "usage: userauthctl %s%s%s\n\n%s.\n",
	    ctl_verb_name(v, name, sizeof(name)),
	    v->synopsis[0] != '\0' ? " " : "", v->synopsis, v->summary);
	if (v->help != NULL)
		(void)fprintf(f, "\n%s", v->help);
	(void)fprintf(f,
	    "\nCommon options: -h, --help; --json; "
	    "-s, --socket PATH.  See userauthctl --help for exit "
	    "statuses.\n");
}

void
ctl_opt_reset(void)
{
	optind = 0; /* glibc: full re-initialisation */
	opterr = 0;
}

static int
bad_option(struct ctl_ctx *ctx, const struct ctl_verb *v, char **argv, int c)
{
	const char *opt = argv[optind - 1];
	char name[64], shortopt[3] = { '-', (char)optopt, '\0' };

	/*
	 * A short option may sit inside a bundle ("-xy"), where optind has
	 * not moved on: name it by optopt.  Long ones by their word.
	 */
	if (optopt > 0 && optopt < CTL_OPT_LONG - 1 &&
	    strncmp(opt, "--", 2) != 0)
		opt = shortopt;
	(void)ctl_verb_name(v, name, sizeof(name));
	if (c == ':')
		(void)ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
		    "%s: option '%s' needs a value (see userauthctl %s --help)",
		    name, opt, name);
	else
		(void)ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
		    "%s: unknown option '%s' (see userauthctl %s --help)", name,
		    opt, name);
	return CTL_OPT_BAD;
}

int
ctl_getopt(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc, char **argv,
    const struct option *longopts)
{
	struct option all[CTL_MAX_LONGOPTS];
	size_t n = 0, i;
	int c;

	for (i = 0; longopts != NULL && longopts[i].name != NULL; i++)
		if (n < CTL_MAX_LONGOPTS - 4)
			all[n++] = longopts[i];
	for (i = 0; i < sizeof(common_opts) / sizeof(common_opts[0]); i++)
		all[n++] = common_opts[i];
	memset(&all[n], 0, sizeof(all[n]));
	for (;;) {
		c = getopt_long(argc, argv, ":hs:", all, NULL);
		switch (c) {
		case 'h':
			return CTL_OPT_HELP;
		case 's':
			ctx->socket_path = optarg;
			continue;
		case CTL_OPT_JSON:
			ctx->json = true;
			continue;
		case '?':
		case ':':
			return bad_option(ctx, v, argv, c);
		default:
			return c;
		}
	}
}

int
ctl_opt_end(struct ctl_ctx *ctx, const struct ctl_verb *v, int c)
{
	(void)ctx;
	if (c == CTL_OPT_HELP) {
		ctl_verb_help(v, stdout);
		return CTL_EXIT_OK;
	}
	return CTL_EXIT_USAGE;
}

int
ctl_operands(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc, int min,
    int max)
{
	int n = argc - optind;
	char name[64];

	if (n >= min && n <= max)
		return CTL_EXIT_OK;
	(void)ctl_verb_name(v, name, sizeof(name));
	return ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
	    "%s: %s; usage: userauthctl %s %s", name,
	    n < min ? "missing arguments" : "too many arguments", name,
	    v->synopsis);
}

/* At most 48 bytes of s for a message, with "..." when cut. */
static const char *
shorten(const char *s, char *out, size_t outsz)
{
	if (strlen(s) <= 48)
		return s;
	(void)snprintf(out, outsz, "%.48s...", s);
	return out;
}

/* Checks shared by every kind of argument. */
static int
arg_common(struct ctl_ctx *ctx, const char *what, const char *s)
{
	char buf[64];

	if (!ua_valid_utf8(s, strlen(s)))
		return ctl_fail(ctx, CTL_EXIT_USAGE, "invalid",
		    "%s '%s' is not valid UTF-8", what,
		    shorten(s, buf, sizeof(buf)));
	if (s[0] == '\0')
		return ctl_fail(ctx, CTL_EXIT_USAGE, "invalid",
		    "%s must not be empty", what);
	if (s[0] == '-')
		return ctl_fail(ctx, CTL_EXIT_USAGE, "invalid",
		    "%s '%s' must not start with '-'", what,
		    shorten(s, buf, sizeof(buf)));
	return CTL_EXIT_OK;
}

static int
arg_verdict(struct ctl_ctx *ctx, const char *what, const char *s, int r,
    const char *why)
{
	char buf[64];

	if (r >= 0)
		return CTL_EXIT_OK;
	return ctl_fail(ctx, CTL_EXIT_USAGE, "invalid", "%s '%s': %s", what,
	    shorten(s, buf, sizeof(buf)), why != NULL ? why : "invalid");
}

int
ctl_arg_pool(struct ctl_ctx *ctx, const char *what, const char *s)
{
	const char *why = NULL;
	int r;

	r = arg_common(ctx, what, s);
	if (r != CTL_EXIT_OK)
		return r;
	r = ua_valid_pool(s, &why);
	return arg_verdict(ctx, what, s, r, why);
}

int
ctl_arg_name(struct ctl_ctx *ctx, const char *what, const char *s)
{
	const char *why = NULL;
	int r;

	r = arg_common(ctx, what, s);
	if (r != CTL_EXIT_OK)
		return r;
	r = ua_valid_name(s, &why);
	return arg_verdict(ctx, what, s, r, why);
}

int
ctl_arg_gecos(struct ctl_ctx *ctx, const char *what, const char *s)
{
	const char *why = NULL;
	int r;

	r = arg_common(ctx, what, s);
	if (r != CTL_EXIT_OK)
		return r;
	r = ua_valid_gecos(s, &why);
	return arg_verdict(ctx, what, s, r, why);
}

int
ctl_arg_path(struct ctl_ctx *ctx, const char *what, const char *s)
{
	const char *why = NULL;
	int r;

	r = arg_common(ctx, what, s);
	if (r != CTL_EXIT_OK)
		return r;
	r = ua_valid_path_field(s, &why);
	return arg_verdict(ctx, what, s, r, why);
}

int
ctl_arg_email(struct ctl_ctx *ctx, const char *what, const char *s, char *out,
    size_t outsz)
{
	const char *why = NULL;
	int r;

	r = arg_common(ctx, what, s);
	if (r != CTL_EXIT_OK)
		return r;
	r = ua_email_normalize(s, out, outsz, &why);
	if (r == -ENAMETOOLONG)
		why = "too long";
	return arg_verdict(ctx, what, s, r, why);
}

int
ctl_arg_user(struct ctl_ctx *ctx, const char *what, const char *s, char *out,
    size_t outsz)
{
	int r;

	if (strchr(s, '@') != NULL)
		return ctl_arg_email(ctx, what, s, out, outsz);
	r = ctl_arg_name(ctx, what, s);
	if (r != CTL_EXIT_OK)
		return r;
	if (ua_snprintf(out, outsz, "%s", s) < 0)
		return ctl_fail(ctx, CTL_EXIT_USAGE, "invalid", "%s: too long",
		    what);
	return CTL_EXIT_OK;
}

/* Add key: val to req when key is set.  -ENOMEM. */
static int
set_pair(json_t *req, const char *key, const char *val)
{
	if (key == NULL)
		return 0;
	return json_object_set_new(req, key, json_string(val)) < 0 ? -ENOMEM
								   : 0;
}

int
ctl_simple(struct ctl_ctx *ctx, const char *op, const char *k1, const char *v1,
    const char *k2, const char *v2, json_t **ret_result)
{
	json_t *req;
	int r;

	req = ctl_request_new(op);
	if (req == NULL || set_pair(req, k1, v1) < 0 ||
	    set_pair(req, k2, v2) < 0)
		r = ctl_fail_oom(ctx);
	else
		r = ctl_call(ctx, req, ret_result);
	json_decref(req);
	return r;
}

int
ctl_show(struct ctl_ctx *ctx, json_t *res, json_type expected,
    ctl_print_fn *human)
{
	int r;

	if (ctx->json)
		r = ctl_print_json(stdout, res) < 0 ? CTL_EXIT_REFUSED
						    : CTL_EXIT_OK;
	else if (res == NULL || json_typeof(res) != expected)
		r = ctl_fail(ctx, CTL_EXIT_UNREACHABLE, "unreachable",
		    "unexpected reply from the daemon");
	else
		r = human(ctx, res);
	json_decref(res);
	return r;
}

int
ctl_printed(const struct ctl_ctx *ctx, int r)
{
	if (r == -ENOMEM)
		return ctl_fail_oom(ctx);
	return r < 0 ? CTL_EXIT_REFUSED : CTL_EXIT_OK;
}

bool
ctl_confirm(const char *question)
{
	char answer[8];
	size_t n = 0;
	ssize_t k;
	char ch;

	(void)fputs(question, stderr);
	(void)fflush(stderr);
	for (;;) {
		k = read(STDIN_FILENO, &ch, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			(void)fputc('\n', stderr);
			break;
		}
		if (ch == '\n')
			break;
		if (n < sizeof(answer) - 1)
			answer[n++] = ch;
	}
	answer[n] = '\0';
	return strcasecmp(answer, "y") == 0 || strcasecmp(answer, "yes") == 0;
}

int
ctl_list_in_pool(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv, const char *op, ctl_print_fn *human)
{
	const char *pool = NULL;
	json_t *res = NULL;
	int c, r;

	ctl_opt_reset();
	c = ctl_getopt(ctx, v, argc, argv, NULL);
	if (c != -1)
		return ctl_opt_end(ctx, v, c);
	r = ctl_operands(ctx, v, argc, 0, 1);
	if (r == CTL_EXIT_OK && optind < argc) {
		pool = argv[optind];
		r = ctl_arg_pool(ctx, "POOL", pool);
	}
	if (r != CTL_EXIT_OK)
		return r;
	r = ctl_simple(ctx, op, pool != NULL ? "pool" : NULL, pool, NULL, NULL,
	    &res);
	if (r != CTL_EXIT_OK)
		return r;
	return ctl_show(ctx, res, JSON_ARRAY, human);
}
