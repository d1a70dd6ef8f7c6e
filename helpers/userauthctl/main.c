/* SPDX-License-Identifier: MIT */
/*
 * userauthctl: the administrator's command line over the daemon's admin
 * socket.  main() owns the global options and the table of verbs; it must
 * never talk to the daemon itself or print a secret.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/wipe.h"

#include "cmd.h"
#include "output.h"

#define H_USER "USER is a login name or an email address.\n"

static const struct ctl_verb verbs[] = {
	{ { "status", NULL, NULL }, ctl_status, "",
	    "Show how the daemon is doing: uptime, pools, mail, logins",
	    "Pools with their backend, users and the NSS cache's last "
	    "publish;\n"
	    "the mail queue (depth, oldest message, the last hour's "
	    "deliveries\n"
	    "and their latency from queueing to the relay's acceptance, in "
	    "whole\n"
	    "seconds, p50 and p99), the last SMTP error; the logins of the "
	    "last\n"
	    "hour by challenge.  Exit status 3 (\"daemon: down\") when the\n"
	    "daemon does not answer.\n" },
	{ { "test-login", NULL, NULL }, ctl_test_login,
	    "POOL USER [--service S] [--preferred password|email_otp]",
	    "Try a login as the PAM module would, on this terminal",
	    H_USER
	    "The daemon's questions are asked here (secrets without\n"
	    "echo); nothing in /etc/pam.d is needed.  It is a real login on "
	    "the\n"
	    "public socket beside the admin socket: audited, throttled, a "
	    "code\n"
	    "is mailed.  Exit status 0 when the daemon says OK, 1 when it\n"
	    "refuses (FAILED, DENIED), 3 when it cannot decide or be reached.\n"
	    "  --service S    the PAM service the daemon's policy sees\n"
	    "                 (default userauthctl)\n"
	    "  --preferred C  the hint the module's preferred= option "
	    "gives\n" },
	{ { "pool", "list", NULL }, ctl_pool_list, "",
	    "List the pools with their id ranges and sizes", NULL },
	{ { "user", "add", NULL }, ctl_user_add,
	    "POOL LOGIN --email EMAIL [--name DISPLAY] [--home PATH] "
	    "[--shell PATH] [--group GROUP]... [--disabled]",
	    "Create a user and print it",
	    "  --email EMAIL    email address (required; stored lowercase)\n"
	    "  --name DISPLAY   display name (GECOS)\n"
	    "  --home PATH      home directory (default: the pool's)\n"
	    "  --shell PATH     login shell (default: the pool's)\n"
	    "  --group GROUP    supplementary group; may be repeated\n"
	    "  --disabled       create the user disabled\n"
	    "  --invite         mail an invitation code (valid "
	    "invite_lifetime);\n"
	    "                   the user signs in with it and chooses a "
	    "password\n" },
	{ { "user", "import", NULL }, ctl_user_import,
	    "POOL FILE [--format csv|jsonl] [--skip-bad]",
	    "Create many users from a CSV or JSON-lines file in one "
	    "transaction",
	    "  --format F   csv or jsonl (default: from the file name's "
	    "extension)\n"
	    "  --skip-bad   import the good rows even when some are rejected\n"
	    "Columns (CSV header line, RFC 4180 quoting) or JSON members: "
	    "login,\n"
	    "email, and optional display_name, groups (';'-separated in CSV, "
	    "a\n"
	    "list in JSON), home, shell.  Every row is checked first; every\n"
	    "rejected row is reported with its line number, and without\n"
	    "--skip-bad nothing is imported when any row is rejected.  FILE "
	    "'-'\n"
	    "reads stdin (give --format).  No password is set.\n" },
	{ { "user", "show", NULL }, ctl_user_show, "USER",
	    "Show one user, with MFA state, last login and limits",
	    H_USER
	    "limits are the user's throttle counts (see throttle list).\n" },
	{ { "user", "modify", NULL }, ctl_user_modify,
	    "POOL USER [--email EMAIL] [--name DISPLAY] [--shell PATH] "
	    "[--home PATH]",
	    "Change a user's email, display name, shell or home; the uid stays",
	    H_USER "At least one option.  A new email must belong to no other\n"
		   "user.  Nothing changes when any value is refused.\n" },
	{ { "user", "list", NULL }, ctl_user_list, "[POOL]",
	    "List the users, of all pools or of POOL", NULL },
	{ { "user", "disable", NULL }, ctl_user_disable, "USER",
	    "Disable a user: logins are refused", H_USER },
	{ { "user", "enable", NULL }, ctl_user_enable, "USER",
	    "Enable a disabled user", H_USER },
	{ { "user", "del", NULL }, ctl_user_del, "USER [--yes]",
	    "Delete a user",
	    H_USER "  --yes  do not ask.  Without --yes the user is shown and "
		   "the deletion\n         confirmed on the terminal; when "
		   "stdin is not a terminal\n         nothing is deleted (exit "
		   "status 2).\n" },
	{ { "user", "unlock", NULL }, ctl_user_unlock, "POOL USER",
	    "Clear an account's lock and throttling waits",
	    H_USER
	    "Clears the account's own failure counts (from every host);\n"
	    "the counts of remote hosts stay.  USER may also be a name that "
	    "is\n"
	    "no pool user: the counts of that identifier are cleared.\n" },
	{ { "throttle", "list", NULL }, ctl_throttle_list, "[POOL]",
	    "List failure counts, waits and locks (throttling)",
	    "KIND is pair (an account from one remote host), account (from "
	    "all\n"
	    "hosts: it locks) or host (one remote host, all accounts).  WAIT "
	    "is\n"
	    "how long the next attempt of that bucket is refused.\n" },
	{ { "throttle", "clear", NULL }, ctl_throttle_clear, "POOL RHOST",
	    "Clear a remote host's failure counts (and its pair buckets)",
	    "RHOST as the list shows it; 'none' is the empty remote host (su,\n"
	    "sudo, a console), local-uid:N a local caller that is not "
	    "root.\n" },
	{ { "user", "reset-password", NULL }, ctl_user_reset_password, "USER",
	    "Make the user choose a new password at the next login",
	    H_USER
	    "The current password still opens the login; then the user\n"
	    "must choose a new one (NEW_PASSWORD_REQUIRED).  MFA is kept.\n" },
	{ { "passwd", NULL, NULL }, ctl_passwd, "USER [--stdin]",
	    "Set a user's password",
	    H_USER "The new password is read twice from the terminal, without "
		   "echo.\n  --stdin  read it from the first line of stdin "
		   "instead (its newline\n           is not part of it).\n" },
	{ { "group", "add", NULL }, ctl_group_add, "POOL NAME",
	    "Create a group", NULL },
	{ { "group", "del", NULL }, ctl_group_del, "GROUP", "Delete a group",
	    NULL },
	{ { "group", "list", NULL }, ctl_group_list, "[POOL]",
	    "List the groups, of all pools or of POOL", NULL },
	{ { "group", "member", "add" }, ctl_group_member_add, "GROUP USER",
	    "Add a user to a group", H_USER },
	{ { "group", "member", "del" }, ctl_group_member_del, "GROUP USER",
	    "Remove a user from a group", H_USER },
	/* "mailq flush" before "mailq": the first match wins. */
	{ { "mfa", "enroll", NULL }, ctl_mfa_enroll, "POOL USER [--code CODE]",
	    "Enrol a user in TOTP MFA: print the key, URI and QR code",
	    H_USER
	    "The new key is printed once with its otpauth:// URI, a QR\n"
	    "code and 10 recovery codes, then a code from the user's app is\n"
	    "asked for (terminal or a line of stdin; empty leaves the "
	    "enrolment\n"
	    "pending).\n"
	    "  --code CODE  confirm with this code instead of asking\n" },
	{ { "mfa", "confirm", NULL }, ctl_mfa_confirm, "USER CODE",
	    "Activate a pending TOTP enrolment with a code", H_USER },
	{ { "mfa", "reset", NULL }, ctl_mfa_reset, "USER",
	    "Remove a user's TOTP secret (and any pending enrolment)", H_USER },
	{ { "mfa", "status", NULL }, ctl_mfa_status, "USER",
	    "Show whether a user is enrolled in TOTP MFA", H_USER },
	{ { "mfa", "recovery-codes", NULL }, ctl_mfa_recovery_codes,
	    "POOL USER",
	    "Make new MFA recovery codes (the old ones stop working)", H_USER },
	{ { "mail", "test", NULL }, ctl_mail_test, "[--wait S] POOL ADDRESS",
	    "Send a test mail through the relay and say what it answered",
	    "The daemon queues the message like a code's mail and sends it "
	    "with\n"
	    "its own settings; this waits for the relay's answer (30 s unless\n"
	    "--wait says otherwise).\n" },
	{ { "mailq", "flush", NULL }, ctl_mailq_flush, "",
	    "Retry every queued code mail now", NULL },
	{ { "mailq", NULL, NULL }, ctl_mailq_list, "[--full]",
	    "List queued code mail and mail done in the last hour",
	    "Recipients are shown masked (a***@e******.com); --full shows "
	    "them\n"
	    "whole, to root only.  EXPIRES IN is the\n"
	    "time left to deliver a queued message; after it the code is\n"
	    "useless and the message is dropped.\n" },
};
#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

static void
list_verbs(FILE *f, const char *noun)
{
	const struct ctl_verb *v;
	char words[64];
	size_t i;

	for (i = 0; i < NVERBS; i++) {
		v = &verbs[i];
		if (noun != NULL && strcmp(noun, v->words[0]) != 0)
			continue;
		(void)ctl_verb_name(v, words, sizeof(words));
		(void)fprintf(f, "  %-18s %s\n", words, v->summary);
	}
}

static void
usage(FILE *f)
{
	(void)fprintf(f,
	    "usage: userauthctl [-s PATH] [--json] COMMAND [ARGS...]\n"
	    "       userauthctl help [COMMAND]\n"
	    "       userauthctl --help | --version\n\n"
	    "Administer userauthd through its admin socket.\n\n"
	    "Options:\n"
	    "  -s, --socket PATH  admin socket (default %s)\n"
	    "  --json             print the daemon's result as JSON; on "
	    "failure\n"
	    "                     print {\"error\": CODE, \"message\": TEXT}\n"
	    "  -h, --help         this help; COMMAND --help for a command's\n"
	    "  --version          print the version\n\n"
	    "Commands:\n",
	    UA_RUNTIME_DIR "/admin.sock");
	list_verbs(f, NULL);
	(void)fprintf(f,
	    "\nExit status:\n"
	    "  0  success\n"
	    "  1  the daemon refused the request (invalid, exists, not_found,\n"
	    "     exhausted, busy, internal, ...), or a local failure\n"
	    "  2  usage error: bad arguments, found before sending\n"
	    "  3  the daemon could not be reached, timed out or answered "
	    "garbage\n"
	    "  4  permission denied (connecting, or the daemon said denied)\n"
	    "  5  done, but the NSS cache could not be published (a warning\n"
	    "     says why); userauthd retries it by itself\n");
}

/* Match argv against the words of a verb; *ret_n is how many it used. */
static const struct ctl_verb *
find_verb(int argc, char **argv, int *ret_n)
{
	const struct ctl_verb *v;
	size_t i;
	int k;

	for (i = 0; i < NVERBS; i++) {
		v = &verbs[i];
		for (k = 0; k < 3 && v->words[k] != NULL; k++)
			if (k >= argc || strcmp(argv[k], v->words[k]) != 0)
				break;
		if (k < 3 && v->words[k] != NULL)
			continue;
		*ret_n = k;
		return v;
	}
	return NULL;
}

static bool
is_noun(const char *s)
{
	size_t i;

	for (i = 0; i < NVERBS; i++)
		if (strcmp(s, verbs[i].words[0]) == 0)
			return true;
	return false;
}

static int
unknown_command(struct ctl_ctx *ctx, int argc, char **argv)
{
	if (argc > 0 && is_noun(argv[0])) {
		(void)ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
		    "%s: missing or unknown command; one of:", argv[0]);
		list_verbs(stderr, argv[0]);
		return CTL_EXIT_USAGE;
	}
	return ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
	    "unknown command '%s'; see userauthctl --help",
	    argc > 0 ? argv[0] : "");
}

/* "userauthctl help [COMMAND...]" */
static int
help(struct ctl_ctx *ctx, int argc, char **argv)
{
	const struct ctl_verb *v;
	int n;

	if (argc == 0) {
		usage(stdout);
		return CTL_EXIT_OK;
	}
	v = find_verb(argc, argv, &n);
	if (v == NULL && argc == 1 && is_noun(argv[0])) {
		list_verbs(stdout, argv[0]); /* "help user" */
		return CTL_EXIT_OK;
	}
	if (v == NULL || n != argc)
		return unknown_command(ctx, argc, argv);
	ctl_verb_help(v, stdout);
	return CTL_EXIT_OK;
}

static int
run(struct ctl_ctx *ctx, int argc, char **argv)
{
	const struct ctl_verb *v;
	int n;

	if (argc == 0) {
		usage(stderr);
		if (ctx->json)
			return ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
			    "no command given");
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[0], "help") == 0)
		return help(ctx, argc - 1, argv + 1);
	v = find_verb(argc, argv, &n);
	if (v == NULL)
		return unknown_command(ctx, argc, argv);
	/* The verb sees its last word as argv[0], like a program name. */
	return v->run(ctx, v, argc - n + 1, argv + n - 1);
}

enum { OPT_JSON = 0x100, OPT_VERSION };

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_ctx ctx = { UA_RUNTIME_DIR "/admin.sock", false, false };
	int c, r;

	/* jansson's copies of a password die wiped (cmd_passwd.c). */
	json_set_alloc_funcs(malloc, ua_erase_free);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hs:", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			ctx.socket_path = optarg;
			break;
		case OPT_JSON:
			ctx.json = true;
			break;
		case 'h':
			usage(stdout);
			return CTL_EXIT_OK;
		case OPT_VERSION:
			(void)printf("userauthctl (%s) %s\n", PACKAGE_NAME,
			    PACKAGE_VERSION);
			return CTL_EXIT_OK;
		case ':':
			return ctl_fail(&ctx, CTL_EXIT_USAGE, "usage",
			    "option '%s' needs a value", argv[optind - 1]);
		default:
			return ctl_fail(&ctx, CTL_EXIT_USAGE, "usage",
			    "unknown option '%s'; see userauthctl --help",
			    argv[optind - 1]);
		}
	}
	r = run(&ctx, argc - optind, argv + optind);
	if (r == CTL_EXIT_OK && ctx.unpublished)
		r = CTL_EXIT_UNPUBLISHED;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		(void)fprintf(stderr,
		    "userauthctl: writing the output failed\n");
		if (r == CTL_EXIT_OK)
			r = CTL_EXIT_REFUSED;
	}
	return r;
}
