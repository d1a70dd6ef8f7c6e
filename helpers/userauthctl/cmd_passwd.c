/* SPDX-License-Identifier: MIT */
/*
 * "userauthctl passwd USER": read a new password (twice from the
 * terminal without echo, or one line from stdin with --stdin), check it
 * and send it.  The password must never be printed, logged or left in
 * memory: every buffer that held it is wiped, and jansson's copies die by
 * the wiping allocator main() installs (ua_erase_free).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <termios.h>
#include <unistd.h>

#include "client/valid.h"
#include "client/wipe.h"

#include "cmd.h"
#include "output.h"

#define OPT_STDIN CTL_OPT_LONG
/* One more than the longest password, to notice a longer one; and a NUL. */
#define PWBUF (UA_MAX_PASSWORD + 2)

/* The terminal to restore if a signal arrives while echo is off. */
static volatile sig_atomic_t tty_saved_fd = -1;
static struct termios tty_saved;

static void
tty_restore_on_signal(int sig)
{
	if (tty_saved_fd >= 0)
		(void)tcsetattr(tty_saved_fd, TCSAFLUSH, &tty_saved);
	(void)signal(sig, SIG_DFL);
	(void)raise(sig);
}

static const int tty_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static const int tty_stop_sigs[] = { SIGTSTP, SIGTTIN, SIGTTOU };

/* Catch the fatal signals and ignore stops while echo is off. */
static void
tty_signals(bool on)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	(void)sigemptyset(&sa.sa_mask);
	sa.sa_handler = on ? tty_restore_on_signal : SIG_DFL;
	for (i = 0; i < sizeof(tty_sigs) / sizeof(tty_sigs[0]); i++)
		(void)sigaction(tty_sigs[i], &sa, NULL);
	sa.sa_handler = on ? SIG_IGN : SIG_DFL;
	for (i = 0; i < sizeof(tty_stop_sigs) / sizeof(tty_stop_sigs[0]); i++)
		(void)sigaction(tty_stop_sigs[i], &sa, NULL);
}

/*
 * Read one line from fd into buf (without its newline, NUL-terminated),
 * consuming the whole line.  Returns the length, -E2BIG when it did not
 * fit in bufsz - 1 bytes, -ENODATA at EOF before any byte, -errno.
 */
static ssize_t
read_line(int fd, char *buf, size_t bufsz)
{
	size_t n = 0;
	bool big = false, any = false;
	ssize_t k;
	char ch;

	for (;;) {
		k = read(fd, &ch, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			k = -errno;
			break;
		}
		if (k == 0 || ch == '\n')
			break;
		any = true;
		if (n < bufsz - 1)
			buf[n++] = ch;
		else
			big = true;
	}
	ua_wipe(&ch, sizeof(ch));
	buf[n] = '\0';
	if (k < 0)
		return k;
	if (big)
		return -E2BIG;
	if (!any && k == 0)
		return -ENODATA;
	return (ssize_t)n;
}

/* Prompt on the terminal and read one line with echo off. */
static ssize_t
tty_ask(int fd, const char *prompt, char *buf, size_t bufsz)
{
	struct termios off;
	ssize_t n;

	if (tcgetattr(fd, &tty_saved) < 0)
		return -errno;
	off = tty_saved;
	off.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	tty_saved_fd = fd;
	tty_signals(true);
	if (tcsetattr(fd, TCSAFLUSH, &off) < 0) {
		n = -errno;
		goto out;
	}
	if (write(fd, prompt, strlen(prompt)) < 0) {
		n = -errno;
		goto out;
	}
	n = read_line(fd, buf, bufsz);
	if (write(fd, "\n", 1) < 0) {
		/* only cosmetic: the cursor stays on the prompt line */
	}
out:
	(void)tcsetattr(fd, TCSAFLUSH, &tty_saved);
	tty_signals(false);
	tty_saved_fd = -1;
	return n;
}

/* Equal lengths and bytes, without an early exit. */
static bool
same_secret(const char *a, size_t alen, const char *b, size_t blen)
{
	volatile unsigned char d = 0;
	size_t i;

	if (alen != blen)
		return false;
	for (i = 0; i < alen; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

static int
read_error(struct ctl_ctx *ctx, ssize_t n)
{
	if (n == -E2BIG)
		return ctl_fail(ctx, CTL_EXIT_USAGE, "invalid",
		    "new password: longer than %d bytes", UA_MAX_PASSWORD);
	if (n == -ENODATA)
		return ctl_fail(ctx, CTL_EXIT_USAGE, "invalid",
		    "no password given");
	return ctl_fail(ctx, CTL_EXIT_REFUSED, "local",
	    "reading the password: %s", strerror((int)-n));
}

/* Ask twice on /dev/tty; *ret_len is the password's length. */
static int
read_from_tty(struct ctl_ctx *ctx, const char *user, char *pw, size_t *ret_len)
{
	char again[PWBUF] = { 0 }, prompt[UA_MAX_EMAIL + 32];
	ssize_t n, m = 0;
	int fd, r;

	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return ctl_fail(ctx, CTL_EXIT_USAGE, "usage",
		    "passwd: no terminal to read the password from; use "
		    "--stdin");
	(void)snprintf(prompt, sizeof(prompt), "New password for %s: ", user);
	n = tty_ask(fd, prompt, pw, PWBUF);
	if (n >= 0)
		m = tty_ask(fd, "Retype new password: ", again, sizeof(again));
	if (n < 0 || m < 0)
		r = read_error(ctx, n < 0 ? n : m);
	else if (!same_secret(pw, (size_t)n, again, (size_t)m))
		r = ctl_fail(ctx, CTL_EXIT_USAGE, "invalid",
		    "the passwords do not match; nothing changed");
	else {
		*ret_len = (size_t)n;
		r = CTL_EXIT_OK;
	}
	ua_wipe(again, sizeof(again));
	(void)close(fd);
	return r;
}

static int
read_password(struct ctl_ctx *ctx, bool from_stdin, const char *user, char *pw,
    size_t *ret_len)
{
	const char *why = NULL;
	size_t len = 0;
	ssize_t n;
	int r;

	if (from_stdin) {
		n = read_line(STDIN_FILENO, pw, PWBUF);
		if (n < 0)
			return read_error(ctx, n);
		len = (size_t)n;
	} else {
		r = read_from_tty(ctx, user, pw, &len);
		if (r != CTL_EXIT_OK)
			return r;
	}
	if (ua_valid_password(pw, len, &why) < 0)
		return ctl_fail(ctx, CTL_EXIT_USAGE, "invalid",
		    "new password: %s", why != NULL ? why : "invalid");
	*ret_len = len;
	return CTL_EXIT_OK;
}

static int
print_changed(struct ctl_ctx *ctx, json_t *res)
{
	char *login;

	login = ctl_escape(ctl_get_str(res, "login"));
	if (login == NULL)
		return ctl_fail_oom(ctx);
	(void)printf("password changed for %s\n", login);
	free(login);
	return CTL_EXIT_OK;
}

static int
parse(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc, char **argv,
    bool *from_stdin, char *user, size_t usersz)
{
	static const struct option lo[] = {
		{ "stdin", no_argument, NULL, OPT_STDIN },
		{ NULL, 0, NULL, 0 },
	};
	int c, r;

	ctl_opt_reset();
	while ((c = ctl_getopt(ctx, v, argc, argv, lo)) != -1) {
		if (c != OPT_STDIN)
			return ctl_opt_end(ctx, v, c);
		*from_stdin = true;
	}
	r = ctl_operands(ctx, v, argc, 1, 1);
	if (r == CTL_EXIT_OK)
		r = ctl_arg_user(ctx, "USER", argv[optind], user, usersz);
	return r == CTL_EXIT_OK ? CTL_GO : r;
}

int
ctl_passwd(struct ctl_ctx *ctx, const struct ctl_verb *v, int argc, char **argv)
{
	const struct rlimit nocore = { 0, 0 };
	char user[UA_MAX_EMAIL + 1], pw[PWBUF] = { 0 };
	json_t *req = NULL, *res = NULL;
	bool from_stdin = false;
	size_t len = 0;
	int r;

	r = parse(ctx, v, argc, argv, &from_stdin, user, sizeof(user));
	if (r != CTL_GO)
		return r;
	(void)setrlimit(RLIMIT_CORE, &nocore);
	r = read_password(ctx, from_stdin, user, pw, &len);
	if (r != CTL_EXIT_OK)
		goto out;
	req = ctl_request_new("user.passwd");
	if (req == NULL ||
	    json_object_set_new(req, "user", json_string(user)) < 0 ||
	    json_object_set_new(req, "password", json_stringn(pw, len)) < 0) {
		r = ctl_fail_oom(ctx);
		goto out;
	}
	ua_wipe(pw, sizeof(pw));
	r = ctl_call(ctx, req, &res);
	if (r == CTL_EXIT_OK)
		r = ctl_show(ctx, res, JSON_OBJECT, print_changed);
out:
	ua_wipe(pw, sizeof(pw));
	json_decref(req);
	return r;
}
