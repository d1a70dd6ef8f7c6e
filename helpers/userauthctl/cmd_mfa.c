/* SPDX-License-Identifier: MIT */
/*
 * "userauthctl mfa enroll|confirm|reset|status|recovery-codes": TOTP
 * enrolment by the administrator.  enroll prints the new secret (base32),
 * its otpauth:// URI, a QR code for the terminal and the recovery codes,
 * then asks for a code (--code N, the terminal, or a line of stdin) and
 * confirms it; without one the enrolment stays pending (mfa confirm
 * finishes it).  recovery-codes prints a new set.  Secrets and codes are
 * printed once and never kept.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/valid.h"
#include "client/wipe.h"
#include "server/qr.h"

#include "cmd.h"
#include "output.h"

#define OPT_CODE CTL_OPT_LONG

/* 6 or 8 digits. */
static bool
valid_code(const char *s)
{
	size_t n = strlen(s);

	return (n == 6 || n == 8) && strspn(s, "0123456789") == n;
}

static int
arg_code(struct ctl_ctx *ctx, const char *s)
{
	if (!valid_code(s))
		return ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
		    "CODE: expected 6 or 8 digits");
	return CTL_EXIT_OK;
}

static int
confirm(struct ctl_ctx *ctx, const char *user, const char *code, json_t **ret)
{
	return ctl_simple(ctx, "mfa.confirm", "user", user, "code", code, ret);
}

/* A code from the terminal or a line of stdin; "" for none. */
static void
read_code(const char *login, char *out, size_t outsz)
{
	FILE *in = stdin;
	size_t n;

	out[0] = '\0';
	if (isatty(STDIN_FILENO)) {
		(void)fprintf(stderr,
		    "Verification code for %s (empty: "
		    "leave the enrolment pending): ",
		    login);
		(void)fflush(stderr);
	}
	if (fgets(out, (int)outsz, in) == NULL) {
		out[0] = '\0';
		return;
	}
	n = strcspn(out, "\r\n");
	out[n] = '\0';
}

/* The "recovery_codes" of a reply, one per line; false if none. */
static bool
print_codes(json_t *res)
{
	json_t *a = json_object_get(res, "recovery_codes"), *v;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) == 0)
		return false;
	(void)printf(
	    "Recovery codes (each works once in place of a "
	    "verification code;\nhand them to the user, they are not shown "
	    "again):\n");
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v) ||
		    strspn(json_string_value(v),
			"abcdefghijklmnopqrstuvwxyz"
			"234567-") != strlen(json_string_value(v)))
			return false;
		(void)printf("  %s\n", json_string_value(v));
	}
	return true;
}

/*
 * --code CODE into code (*have_code): -1 to go on, else the exit status
 * (after --help, or a usage error).
 */
static int
enroll_opts(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv, char *code, size_t codesz, bool *have_code)
{
	static const struct option lo[] = {
		{ "code", required_argument, NULL, OPT_CODE },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	ctl_opt_reset();
	while ((c = ctl_getopt(ctx, v, argc, argv, lo)) != -1) {
		if (c != OPT_CODE)
			return ctl_opt_end(ctx, v, c);
		if (arg_code(ctx, optarg) != CTL_EXIT_OK)
			return CTL_EXIT_USAGE;
		(void)snprintf(code, codesz, "%s", optarg);
		*have_code = true;
	}
	return -1;
}

/* The new secret's key, URI and QR (or the JSON), and recovery codes. */
static void
show_enrolment(struct ctl_ctx *ctx, json_t *res, const char *secret,
    const char *uri)
{
	char *qr;

	if (ctx->json) {
		(void)ctl_print_json(stdout, res);
		return;
	}
	qr = ua_qr_render(uri);
	(void)printf("Scan this QR code with an authenticator app, or enter "
		     "the key by hand.\n%sKey: %s\nURI: %s\n",
	    qr ? qr : "", secret, uri);
	ua_erase_free(qr);
	(void)print_codes(res);
}

/* The code that confirms the enrolment (none: it stays pending). */
static int
confirm_enrolment(struct ctl_ctx *ctx, const char *user, const char *login,
    const char *code)
{
	json_t *conf = NULL;
	int r;

	if (code[0] == '\0') {
		if (!ctx->json)
			(void)fprintf(stderr,
			    "The enrolment of %s is pending: "
			    "confirm it with 'userauthctl mfa confirm %s "
			    "CODE'.\n",
			    login, login);
		return CTL_EXIT_OK;
	}
	if (arg_code(ctx, code) != CTL_EXIT_OK)
		return CTL_EXIT_USAGE;
	r = confirm(ctx, user, code, &conf);
	json_decref(conf);
	if (r == CTL_EXIT_OK && !ctx->json)
		(void)printf("MFA enrolled for %s\n", login);
	return r;
}

int
ctl_mfa_enroll(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	char user[UA_MAX_EMAIL + 1], code[32] = "";
	const char *secret, *uri, *login;
	json_t *req = NULL, *res = NULL;
	bool have_code = false;
	int r;

	r = enroll_opts(ctx, v, argc, argv, code, sizeof(code), &have_code);
	if (r >= 0)
		return r;
	r = ctl_operands(ctx, v, argc, 2, 2);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_pool(ctx, "POOL", argv[optind]);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_user(ctx, "USER", argv[optind + 1], user,
		    sizeof(user));
	if (r != CTL_EXIT_OK)
		return r;
	req = ctl_request_new("mfa.enroll");
	if (req == NULL ||
	    json_object_set_new(req, "user", json_string(user)) < 0 ||
	    json_object_set_new(req, "pool", json_string(argv[optind])) < 0) {
		json_decref(req);
		return ctl_fail_oom(ctx);
	}
	r = ctl_call(ctx, req, &res);
	json_decref(req);
	if (r != CTL_EXIT_OK)
		return r;
	secret = ctl_get_str(res, "secret");
	uri = ctl_get_str(res, "uri");
	login = ctl_get_str(res, "login");
	if (secret == NULL || uri == NULL || login == NULL) {
		json_decref(res);
		return ctl_fail(ctx, CTL_EXIT_UNREACHABLE, "unreachable",
		    "unexpected reply from the daemon");
	}
	show_enrolment(ctx, res, secret, uri);
	(void)fflush(stdout);
	if (!have_code)
		read_code(login, code, sizeof(code));
	r = confirm_enrolment(ctx, user, login, code);
	ua_wipe(code, sizeof(code));
	json_decref(res);
	return r;
}

static int
print_status(struct ctl_ctx *ctx, json_t *res)
{
	json_t *e = json_object_get(res, "enrolled");
	json_t *p = json_object_get(res, "pending");
	json_t *n = json_object_get(res, "recovery_codes");
	char *login = ctl_escape(ctl_get_str(res, "login"));
	char codes[48] = "";

	if (login == NULL)
		return ctl_fail_oom(ctx);
	if (json_is_integer(n) && (json_is_true(e) || json_is_true(p)))
		(void)snprintf(codes, sizeof(codes),
		    ", %lld recovery "
		    "code%s left",
		    (long long)json_integer_value(n),
		    json_integer_value(n) == 1 ? "" : "s");
	(void)printf("%s: %s%s%s\n", login,
	    json_is_true(e) ? "enrolled" : "not enrolled",
	    json_is_true(p) ? ", enrolment pending" : "", codes);
	free(login);
	return CTL_EXIT_OK;
}

/* mfa confirm USER CODE | mfa reset USER | mfa status USER */
static int
one_user(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc, char **argv,
    const char *op)
{
	char user[UA_MAX_EMAIL + 1];
	bool with_code = strcmp(op, "mfa.confirm") == 0;
	json_t *res = NULL;
	int c, r;

	ctl_opt_reset();
	while ((c = ctl_getopt(ctx, v, argc, argv, NULL)) != -1)
		return ctl_opt_end(ctx, v, c);
	r = ctl_operands(ctx, v, argc, with_code ? 2 : 1, with_code ? 2 : 1);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_user(ctx, "USER", argv[optind], user, sizeof(user));
	if (r == CTL_EXIT_OK && with_code)
		r = arg_code(ctx, argv[optind + 1]);
	if (r != CTL_EXIT_OK)
		return r;
	r = ctl_simple(ctx, op, "user", user, with_code ? "code" : NULL,
	    with_code ? argv[optind + 1] : NULL, &res);
	if (r != CTL_EXIT_OK)
		return r;
	return ctl_show(ctx, res, JSON_OBJECT, print_status);
}

int
ctl_mfa_confirm(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	return one_user(ctx, v, argc, argv, "mfa.confirm");
}

int
ctl_mfa_reset(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	return one_user(ctx, v, argc, argv, "mfa.reset");
}

int
ctl_mfa_status(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	return one_user(ctx, v, argc, argv, "mfa.status");
}

/* mfa recovery-codes POOL USER: a new set, printed once. */
int
ctl_mfa_recovery_codes(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	char user[UA_MAX_EMAIL + 1];
	json_t *res = NULL;
	int c, r;

	ctl_opt_reset();
	while ((c = ctl_getopt(ctx, v, argc, argv, NULL)) != -1)
		return ctl_opt_end(ctx, v, c);
	r = ctl_operands(ctx, v, argc, 2, 2);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_pool(ctx, "POOL", argv[optind]);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_user(ctx, "USER", argv[optind + 1], user,
		    sizeof(user));
	if (r != CTL_EXIT_OK)
		return r;
	r = ctl_simple(ctx, "mfa.recovery_codes", "user", user, "pool",
	    argv[optind], &res);
	if (r != CTL_EXIT_OK)
		return r;
	if (ctx->json)
		(void)ctl_print_json(stdout, res);
	else if (!print_codes(res))
		r = ctl_fail(ctx, CTL_EXIT_UNREACHABLE, "unreachable",
		    "unexpected reply from the daemon");
	json_decref(res);
	return r;
}
