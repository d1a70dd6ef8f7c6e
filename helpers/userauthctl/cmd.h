/* SPDX-License-Identifier: MIT */
/*
 * userauthctl's verbs and the argument helpers they share.  A verb checks
 * its arguments, sends one request (client.h) and prints the result
 * (output.h); it returns the process exit status (enum ctl_exit).  Verbs
 * never send an argument they have not validated.
 */
#ifndef UACTL_CMD_H
#define UACTL_CMD_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "client.h"

struct ctl_verb;
typedef int ctl_verb_fn(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv);

/* One entry of the dispatch table in main.c. */
struct ctl_verb {
	const char *words[3]; /* "group", "member", "add"; NULL-padded */
	ctl_verb_fn *run;
	const char *synopsis; /* arguments after the words */
	const char *summary;  /* one line for "userauthctl help" */
	const char *help;     /* options and details for --help */
};

/* The verb's words joined by spaces ("group member add") into out. */
const char *ctl_verb_name(const struct ctl_verb *v, char *out, size_t outsz);

/* Print "usage: userauthctl <words> <synopsis>" and the verb's help. */
void ctl_verb_help(const struct ctl_verb *v, FILE *f);

/*
 * Sentinels from ctl_getopt, after it has handled --help or printed a
 * usage error; pass them to ctl_opt_end.
 */
#define CTL_OPT_HELP (-2)
#define CTL_OPT_BAD (-3)
/* "Go on": returned by parse helpers that otherwise return an exit status. */
#define CTL_GO (-1)
/* Long-only option values start here (not a character). */
#define CTL_OPT_LONG 0x100

/*
 * getopt_long over a verb's argv (argv[0] is the verb's last word) with
 * our messages.  Also takes the global --json and -s/--socket anywhere and
 * sets them in ctx.  Options take long names only besides -h and -s.
 * Returns the option's val, -1 at the end (optind then indexes the first
 * operand), CTL_OPT_HELP, or CTL_OPT_BAD.  Call with optind = 0 first
 * (ctl_opt_reset).
 */
int ctl_getopt(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv, const struct option *longopts);
void ctl_opt_reset(void);
/* Exit status for a sentinel: help printed → 0, else 2 after a hint. */
int ctl_opt_end(struct ctl_ctx *ctx, const struct ctl_verb *v, int c);

/*
 * Check the number of operands (argc - optind) is in [min, max]; prints a
 * usage error and returns CTL_EXIT_USAGE otherwise, else CTL_EXIT_OK.
 */
int ctl_operands(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    int min, int max);

/*
 * Validate one argument; each returns CTL_EXIT_OK or prints why, naming
 * what (e.g. "LOGIN"), and returns CTL_EXIT_USAGE.  All refuse a leading
 * '-' and text that is not UTF-8.
 */
int ctl_arg_pool(struct ctl_ctx *ctx, const char *what, const char *s);
int ctl_arg_name(struct ctl_ctx *ctx, const char *what, const char *s);
int ctl_arg_gecos(struct ctl_ctx *ctx, const char *what, const char *s);
int ctl_arg_path(struct ctl_ctx *ctx, const char *what, const char *s);
/* Email, normalised into out (lowercase). */
int ctl_arg_email(struct ctl_ctx *ctx, const char *what, const char *s,
    char *out, size_t outsz);
/* A user by login or by email (normalised into out; outsz > UA_MAX_EMAIL). */
int ctl_arg_user(struct ctl_ctx *ctx, const char *what, const char *s,
    char *out, size_t outsz);

/*
 * Send a request with up to two string members k1: v1, k2: v2 (a NULL key
 * is left out), e.g. ctl_simple(ctx, "user.show", "user", u, NULL, NULL,
 * &res).  Returns like ctl_call.
 */
int ctl_simple(struct ctl_ctx *ctx, const char *op, const char *k1,
    const char *v1, const char *k2, const char *v2, json_t **ret_result);

/* A printer for people; returns an exit status. */
typedef int ctl_print_fn(struct ctl_ctx *ctx, json_t *res);

/*
 * Print a verb's result and drop the reference to it: as JSON with
 * --json, else with human after checking res has the JSON type expected
 * (a reply of another type is "garbage", CTL_EXIT_UNREACHABLE).  Returns
 * the exit status.
 */
int ctl_show(struct ctl_ctx *ctx, json_t *res, json_type expected,
    ctl_print_fn *human);

/*
 * The exit status for a printer's result r (0, -ENOMEM, -EIO):
 * CTL_EXIT_OK, "out of memory" reported, or CTL_EXIT_REFUSED.
 */
int ctl_printed(const struct ctl_ctx *ctx, int r);

/*
 * A listing verb: no options, an optional POOL operand, one request op
 * (with "pool" when given) whose array result human prints.
 */
int ctl_list_in_pool(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv, const char *op, ctl_print_fn *human);

/* Verbs. */
ctl_verb_fn ctl_pool_list;
ctl_verb_fn ctl_user_add;
ctl_verb_fn ctl_user_show;
ctl_verb_fn ctl_user_list;
ctl_verb_fn ctl_user_disable;
ctl_verb_fn ctl_user_enable;
ctl_verb_fn ctl_user_del;
ctl_verb_fn ctl_user_reset_password;
ctl_verb_fn ctl_passwd;
ctl_verb_fn ctl_group_add;
ctl_verb_fn ctl_group_del;
ctl_verb_fn ctl_group_list;
ctl_verb_fn ctl_group_member_add;
ctl_verb_fn ctl_group_member_del;
ctl_verb_fn ctl_mailq_list;
ctl_verb_fn ctl_throttle_list;
ctl_verb_fn ctl_throttle_clear;
ctl_verb_fn ctl_user_unlock;
ctl_verb_fn ctl_mailq_flush;
ctl_verb_fn ctl_user_import;
ctl_verb_fn ctl_mfa_enroll;
ctl_verb_fn ctl_mfa_confirm;
ctl_verb_fn ctl_mfa_reset;
ctl_verb_fn ctl_mfa_status;
ctl_verb_fn ctl_status;
ctl_verb_fn ctl_test_login;
ctl_verb_fn ctl_user_modify;
/* The "mfa" and "limits" lines of a user object (cmd_user_modify.c). */
int ctl_print_user_extra(const json_t *u);
ctl_verb_fn ctl_mfa_recovery_codes;
ctl_verb_fn ctl_mail_test;

/* Print a user object as key: value lines (user show, user add). */
ctl_print_fn ctl_print_user;

/*
 * Ask question on the terminal (stderr) and read the answer from stdin,
 * which must be a tty.  Returns true for "y" or "yes".
 */
bool ctl_confirm(const char *question);

#endif
