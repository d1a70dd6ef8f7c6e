/* SPDX-License-Identifier: MIT */
/*
 * "userauthctl test-login POOL USER": the PAM module's login conversation
 * on the daemon's public socket, asked on this terminal, so that a pool
 * can be tried without editing /etc/pam.d.  The prompts are the module's
 * (pam_userauth/converse.h; converse.c itself talks through a PAM handle,
 * which this program does not link), secrets are read with echo off, and
 * every answer is wiped.  It decides nothing: the daemon's RESULT is the
 * exit status.  It is a real login: audited, throttled, a code mailed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "client/frame.h"
#include "client/proto.h"
#include "client/valid.h"
#include "client/wipe.h"
#include "pam_userauth/converse.h"

#include "cmd.h"
#include "output.h"

#define TL_TIMEOUT_MS 10000 /* the module's default timeout */
#define TL_MAX_ROUNDS 16    /* UAPAM_MAX_ROUNDS */
#define TL_SERVICE "userauthctl"
#define TL_MAX_SERVICE 64

enum { OPT_SERVICE = CTL_OPT_LONG, OPT_PREFERRED };

/* Print a daemon text on stderr, escaped (it came from outside). */
static void
say(const char *text)
{
	char *e;

	if (text == NULL)
		return;
	e = ctl_escape(text);
	/* QR codes and enrolment texts keep their line breaks */
	(void)fprintf(stderr, "%s\n", e != NULL ? e : "?");
	free(e);
}

/*
 * Print prompt on stderr and read one line from stdin; with echo off when
 * secret and stdin is a terminal.  0 and *ret (wipe with ua_erase_free),
 * -ECANCELED at end of input, -EOVERFLOW over UA_MAX_PASSWORD bytes.
 */
static int
ask(const char *prompt, bool secret, char **ret)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO), off = false;
	char *buf = NULL;
	size_t len = 0;
	int c, r = 0;

	(void)fputs(prompt, stderr);
	(void)fflush(stderr);
	if (secret && tty && tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		off = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
	}
	buf = calloc(1, UA_MAX_PASSWORD + 2);
	if (buf == NULL) {
		r = -ENOMEM;
		goto out;
	}
	while ((c = getchar()) != EOF && c != '\n')
		if (len <= UA_MAX_PASSWORD)
			buf[len++] = (char)c;
	if (c == EOF && len == 0)
		r = -ECANCELED;
	else if (len > UA_MAX_PASSWORD)
		r = -EOVERFLOW;
out:
	if (off)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	if (secret && !tty)
		(void)fputc('\n', stderr);
	if (r < 0) {
		ua_freezero(buf, UA_MAX_PASSWORD + 2);
		return r;
	}
	*ret = buf;
	return 0;
}

/* SELECT_CHALLENGE: the module's menu, by digit, word or name. */
static int
ask_select(const struct ua_msg *chal, char **ret)
{
	const char *av = ua_msg_get(chal, UA_T_AVAILABLE);
	bool pw = av != NULL && strstr(av, "PASSWORD") != NULL;
	bool otp = av != NULL && strstr(av, "EMAIL_OTP") != NULL;
	const char *first = pw ? "PASSWORD" : "EMAIL_OTP";
	char *a = NULL;
	int tries, r;

	if (!pw && !otp)
		return -ENOTSUP;
	say(pw && otp ? "Sign in with: 1) password 2) a code by email"
		: pw  ? "Sign in with: 1) password"
		      : "Sign in with: 1) a code by email");
	say(ua_msg_get(chal, UA_T_MESSAGE));
	for (tries = 0; tries < UAPAM_SELECT_TRIES; tries++) {
		if (tries > 0)
			say(pw && otp ? "Please answer 1 or 2."
				      : "Please answer 1.");
		r = ask(pw && otp ? "Choice [1/2]: " : "Choice [1]: ", false,
		    &a);
		if (r < 0)
			return r;
		if (strcmp(a, "1") == 0 || (pw && (strcmp(a, "password") == 0)))
			r = 1;
		else if (pw && otp &&
		    (strcmp(a, "2") == 0 || strcmp(a, "email") == 0 ||
			strcmp(a, "code") == 0))
			r = 2;
		else if (otp && !pw &&
		    (strcmp(a, "email") == 0 || strcmp(a, "code") == 0))
			r = 1;
		else
			r = 0;
		ua_erase_free(a);
		a = NULL;
		if (r > 0) {
			*ret = strdup(r == 1 ? first : "EMAIL_OTP");
			return *ret != NULL ? 0 : -ENOMEM;
		}
	}
	return -EDOM;
}

/* NEW_PASSWORD_REQUIRED: twice, until both match (the module's rule). */
static int
ask_new_password(const struct ua_msg *chal, char **ret)
{
	char *a = NULL, *b = NULL;
	int tries, r;

	say(ua_msg_get(chal, UA_T_INFO));
	say(ua_msg_get(chal, UA_T_MESSAGE));
	for (tries = 0; tries < UAPAM_NEWPW_TRIES; tries++) {
		if (tries > 0)
			say("The passwords do not match.");
		r = ask(UAPAM_PROMPT_NEW_PASSWORD, true, &a);
		if (r == 0)
			r = ask(UAPAM_PROMPT_RETYPE, true, &b);
		if (r == 0 && strcmp(a, b) == 0) {
			ua_erase_free(b);
			*ret = a;
			return 0;
		}
		ua_erase_free(a);
		ua_erase_free(b);
		a = b = NULL;
		if (r < 0)
			return r;
	}
	return -EDOM;
}

/* The answer to one CHALLENGE, as the module would ask for it. */
static int
converse(const struct ua_msg *chal, char **ret)
{
	const char *name = ua_msg_get(chal, UA_T_CHALLENGE);
	const char *dest = ua_msg_get(chal, UA_T_DESTINATION);
	char sent[UA_MAX_EMAIL + 32];

	if (name == NULL)
		return -EBADMSG;
	if (strcmp(name, "PASSWORD") == 0) {
		say(ua_msg_get(chal, UA_T_INFO));
		say(ua_msg_get(chal, UA_T_MESSAGE));
		return ask(UAPAM_PROMPT_PASSWORD, true, ret);
	}
	if (strcmp(name, "EMAIL_OTP") == 0) {
		if (ua_msg_get(chal, UA_T_INFO) != NULL)
			say(ua_msg_get(chal, UA_T_INFO));
		else if (dest != NULL &&
		    ua_snprintf(sent, sizeof(sent), "A code was sent to %s.",
			dest) >= 0)
			say(sent);
		say(ua_msg_get(chal, UA_T_MESSAGE));
		return ask(UAPAM_PROMPT_CODE, true, ret);
	}
	if (strcmp(name, "SELECT_CHALLENGE") == 0)
		return ask_select(chal, ret);
	if (strcmp(name, "SOFTWARE_TOKEN_MFA") == 0 ||
	    strcmp(name, "MFA_SETUP") == 0) {
		if (strcmp(name, "MFA_SETUP") == 0)
			say(ua_msg_get(chal, UA_T_INFO));
		say(ua_msg_get(chal, UA_T_MESSAGE));
		return ask(UAPAM_PROMPT_TOTP, true, ret);
	}
	if (strcmp(name, "NEW_PASSWORD_REQUIRED") == 0)
		return ask_new_password(chal, ret);
	return -ENOTSUP;
}

/* The public socket beside the admin socket: DIR/public.sock. */
static int
public_path(const struct ctl_ctx *ctx, char *out, size_t outsz)
{
	const char *slash = strrchr(ctx->socket_path, '/');
	int dirlen = slash == NULL ? 1 : (int)(slash - ctx->socket_path);

	return ua_snprintf(out, outsz, "%.*s/public.sock", dirlen,
	    slash == NULL ? "." : ctx->socket_path);
}

static int
initiate(const char *pool, const char *user, const char *service,
    const char *preferred, struct ua_msg *req)
{
	const char *tty = ttyname(STDIN_FILENO);
	int r;

	ua_msg_init(req, UA_MSG_INITIATE);
	r = ua_msg_add(req, UA_T_POOL, pool);
	if (r == 0)
		r = ua_msg_add(req, UA_T_USER, user);
	if (r == 0)
		r = ua_msg_add(req, UA_T_SERVICE, service);
	if (r == 0 && tty != NULL)
		r = ua_msg_add(req, UA_T_TTY, tty);
	if (r == 0)
		r = ua_msg_add(req, UA_T_PREFERRED, preferred);
	return r;
}

/* The daemon's verdict as words and an exit status. */
static int
verdict(struct ctl_ctx *ctx, const struct ua_msg *res, const char *pool,
    const char *user)
{
	const char *outcome = ua_msg_get(res, UA_T_OUTCOME);
	const char *login = ua_msg_get(res, UA_T_USER);
	const char *groups = ua_msg_get(res, UA_T_GROUPS);
	json_t *j;
	int r;

	if (outcome == NULL)
		return ctl_fail(ctx, CTL_EXIT_UNREACHABLE, "unreachable",
		    "the daemon's result has no outcome");
	say(ua_msg_get(res, UA_T_MESSAGE));
	if (strcmp(outcome, "OK") != 0) {
		bool down = strcmp(outcome, "UNAVAILABLE") == 0;

		return ctl_fail(ctx,
		    down ? CTL_EXIT_UNREACHABLE : CTL_EXIT_REFUSED,
		    down ? "unavailable" : "failed",
		    "test login of '%s' in pool '%s': %s", user, pool,
		    strcmp(outcome, "FAIL") == 0
			? "FAILED (wrong answer, "
			  "unknown or disabled user, or not allowed)"
			: strcmp(outcome, "DENIED") == 0
			? "DENIED (not allowed "
			  "for this service)"
			: down ? "UNAVAILABLE (the pool's "
				 "backend cannot decide now)"
			       : "refused");
	}
	if (ctx->json) {
		j = json_pack("{s:s s:s s:s? s:s?}", "outcome", "OK", "pool",
		    pool, "user", login, "groups", groups);
		r = j != NULL && ctl_print_json(stdout, j) == 0
		    ? CTL_EXIT_OK
		    : CTL_EXIT_REFUSED;
		json_decref(j);
		return r;
	}
	{
		char *l = ctl_escape(login != NULL ? login : user);
		char *g = ctl_escape(groups != NULL ? groups : "");

		(void)printf("OK: signed in as %s%s%s%s\n", l ? l : "?",
		    g && *g ? " (groups: " : "", g ? g : "",
		    g && *g ? ")" : "");
		free(l);
		free(g);
	}
	return CTL_EXIT_OK;
}

/* Every failure of the conversation as an exit status. */
static int
conv_fail(struct ctl_ctx *ctx, int r)
{
	switch (r) {
	case -ECANCELED:
		return ctl_fail(ctx, CTL_EXIT_REFUSED, "local",
		    "no answer (end of input): the login was abandoned");
	case -EOVERFLOW:
		return ctl_fail(ctx, CTL_EXIT_REFUSED, "local",
		    "the answer is longer than %d bytes", UA_MAX_PASSWORD);
	case -EDOM:
		return ctl_fail(ctx, CTL_EXIT_REFUSED, "local",
		    "no valid answer was given");
	case -ENOTSUP:
		return ctl_fail(ctx, CTL_EXIT_REFUSED, "local",
		    "the daemon asked for a challenge this program cannot "
		    "ask for");
	case -ENOMEM:
		return ctl_fail_oom(ctx);
	case -ELOOP:
		return ctl_fail(ctx, CTL_EXIT_UNREACHABLE, "unreachable",
		    "the daemon asked more than %d questions", TL_MAX_ROUNDS);
	default:
		return ctl_fail(ctx, CTL_EXIT_UNREACHABLE, "unreachable",
		    "the public socket: %s", strerror(-r));
	}
}

static int
run_login(struct ctl_ctx *ctx, const char *pool, const char *user,
    const char *service, const char *preferred)
{
	struct ua_msg req, reply;
	char path[4096], *answer = NULL;
	int fd = -1, round, r;

	ua_msg_init(&req, 0);
	ua_msg_init(&reply, 0);
	if (public_path(ctx, path, sizeof(path)) < 0)
		return ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
		    "the socket path is too long");
	r = ua_connect_unix(path, 1000, true, (uid_t)-1, &fd);
	if (r == -EACCES || r == -EPERM)
		return ctl_fail(ctx, CTL_EXIT_DENIED, "denied",
		    "%s: %s (it must be root's)", path, strerror(-r));
	if (r < 0)
		return ctl_fail(ctx, CTL_EXIT_UNREACHABLE, "unreachable",
		    "cannot reach userauthd at %s: %s", path, strerror(-r));
	r = initiate(pool, user, service, preferred, &req);
	for (round = 0; r == 0; round++) {
		r = ua_msg_call(fd, &req, &reply, TL_TIMEOUT_MS);
		ua_msg_clear(&req);
		if (r < 0 || reply.type == UA_MSG_RESULT)
			break;
		if (reply.type != UA_MSG_CHALLENGE)
			r = -EBADMSG;
		else if (round >= TL_MAX_ROUNDS)
			r = -ELOOP;
		else
			r = converse(&reply, &answer);
		if (r == 0) {
			ua_msg_init(&req, UA_MSG_RESPOND);
			r = ua_msg_add(&req, UA_T_CHALLENGE,
			    ua_msg_get(&reply, UA_T_CHALLENGE));
			if (r == 0)
				r = ua_msg_add(&req, UA_T_ANSWER, answer);
		}
		ua_erase_free(answer);
		answer = NULL;
		ua_msg_clear(&reply);
	}
	(void)close(fd);
	if (r == 0)
		r = verdict(ctx, &reply, pool, user);
	else
		r = conv_fail(ctx, r);
	ua_msg_clear(&req);
	ua_msg_clear(&reply);
	return r;
}

static int
check_service(struct ctl_ctx *ctx, const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > TL_MAX_SERVICE || s[0] == '-' ||
	    strspn(s,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789._-") != n)
		return ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
		    "--service: 1 to %d letters, digits, '.', '_' or '-', not "
		    "starting with '-'",
		    TL_MAX_SERVICE);
	return CTL_EXIT_OK;
}

int
ctl_test_login(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc,
    char **argv)
{
	static const struct option lo[] = {
		{ "service", required_argument, NULL, OPT_SERVICE },
		{ "preferred", required_argument, NULL, OPT_PREFERRED },
		{ NULL, 0, NULL, 0 },
	};
	const char *service = TL_SERVICE, *preferred = NULL, *pool;
	char user[UA_MAX_EMAIL + 1];
	int c, r;

	ctl_opt_reset();
	while ((c = ctl_getopt(ctx, v, argc, argv, lo)) != -1) {
		if (c == OPT_SERVICE)
			service = optarg;
		else if (c == OPT_PREFERRED && strcmp(optarg, "password") == 0)
			preferred = "PASSWORD";
		else if (c == OPT_PREFERRED && strcmp(optarg, "email_otp") == 0)
			preferred = "EMAIL_OTP";
		else if (c == OPT_PREFERRED)
			return ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
			    "--preferred: password or email_otp");
		else
			return ctl_opt_end(ctx, v, c);
	}
	r = ctl_operands(ctx, v, argc, 2, 2);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_pool(ctx, "POOL", argv[optind]);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_user(ctx, "USER", argv[optind + 1], user,
		    sizeof(user));
	if (r == CTL_EXIT_OK)
		r = check_service(ctx, service);
	if (r != CTL_EXIT_OK)
		return r;
	pool = argv[optind];
	return run_login(ctx, pool, user, service, preferred);
}
