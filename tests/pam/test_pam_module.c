/* SPDX-License-Identifier: MIT */
/*
 * pam_userauth.so as libpam loads it (pam_start_confdir with a service
 * file naming the built module), against tests/tools/fake_pubd.py playing
 * the daemon's side of doc/PROTOCOL.md.  Every conversation call is
 * recorded (style and text of each message) and answered from a script.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <security/pam_appl.h>

#define MODULE UA_ABS_BUILDDIR "/pam_userauth/.libs/pam_userauth.so"
#define FAKE UA_ABS_SRCDIR "/tests/tools/fake_pubd.py"
#define PYTHON "/usr/bin/python3"
#define SERVICE "uatest"
#define NOBODY 65534

#define MAX_CALLS 24
#define MAX_MSGS 8
#define MAX_ANSWERS 24

struct rec_call {
	int n;
	int style[MAX_MSGS];
	char text[MAX_MSGS][512];
};

struct h {
	char dir[64];
	char sock[128];
	char log[128];
	pid_t fake;
	const char *answers[MAX_ANSWERS];
	int next_answer;
	struct rec_call calls[MAX_CALLS];
	int ncalls;
	bool delay_seen;
	unsigned delay_us;
	char logbuf[65536];
};

/*
 * ---- syslog --------------------------------------------------------------
 * libpam's pam_syslog ends in glibc's __syslog_chk; this definition in the
 * test program comes first in the lookup, so the module's log lines can be
 * checked (there is no /dev/log here).
 */
static char syslog_buf[16384];
static size_t syslog_len;

void __syslog_chk(int pri, int flag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void
__syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;
	int n;

	(void)pri;
	(void)flag;
	if (syslog_len >= sizeof(syslog_buf) - 2)
		return;
	va_start(ap, fmt);
	n = vsnprintf(syslog_buf + syslog_len,
	    sizeof(syslog_buf) - syslog_len - 1, fmt, ap);
	va_end(ap);
	if (n > 0)
		syslog_len += (size_t)n < sizeof(syslog_buf) - syslog_len - 1
		    ? (size_t)n
		    : sizeof(syslog_buf) - syslog_len - 2;
	syslog_buf[syslog_len++] = '\n';
	syslog_buf[syslog_len] = '\0';
}

static void
syslog_reset(void)
{
	syslog_len = 0;
	syslog_buf[0] = '\0';
}

/* ---- conversation and fail delay ---------------------------------------- */

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *appdata)
{
	struct h *h = appdata;
	struct pam_response *r;
	struct rec_call *c;
	int i;

	if (h->ncalls >= MAX_CALLS || n > MAX_MSGS || n <= 0)
		return PAM_CONV_ERR;
	c = &h->calls[h->ncalls++];
	c->n = n;
	r = calloc((size_t)n, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		c->style[i] = msg[i]->msg_style;
		(void)snprintf(c->text[i], sizeof(c->text[i]), "%s",
		    msg[i]->msg);
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		if (h->next_answer >= MAX_ANSWERS ||
		    h->answers[h->next_answer] == NULL)
			goto fail;
		r[i].resp = strdup(h->answers[h->next_answer++]);
		if (r[i].resp == NULL)
			goto fail;
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (i = 0; i < n; i++)
		free(r[i].resp);
	free(r);
	return PAM_CONV_ERR;
}

/* Record the delay instead of sleeping through it. */
static void
fail_delay(int status, unsigned int delay, void *appdata)
{
	struct h *h = appdata;

	(void)status;
	h->delay_seen = true;
	h->delay_us = delay;
}

/* ---- the fake daemon ---------------------------------------------------- */

/* Start fake_pubd.py with extra args and the connection scripts. */
static void
start_fake(struct h *h, const char *const *extra, const char *const *conns)
{
	const char *argv[64];
	struct pollfd pfd;
	char buf[16];
	int pfds[2], n = 0, i;
	ssize_t got;

	argv[n++] = PYTHON;
	argv[n++] = FAKE;
	argv[n++] = "--socket";
	argv[n++] = h->sock;
	argv[n++] = "--log";
	argv[n++] = h->log;
	for (i = 0; extra != NULL && extra[i] != NULL; i++)
		argv[n++] = extra[i];
	for (i = 0; conns[i] != NULL && n < 62; i++) {
		argv[n++] = "--conn";
		argv[n++] = conns[i];
	}
	argv[n] = NULL;
	assert_int_equal(pipe2(pfds, O_CLOEXEC), 0);
	h->fake = fork();
	assert_true(h->fake >= 0);
	if (h->fake == 0) {
		(void)dup2(pfds[1], 1);
		execv(PYTHON, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	(void)close(pfds[1]);
	pfd.fd = pfds[0];
	pfd.events = POLLIN;
	/* Wait for the whole "ready\n" line (or EOF: the fake died). */
	for (got = 0; got < (ssize_t)sizeof(buf) - 1;) {
		ssize_t n1;

		assert_int_equal(poll(&pfd, 1, 10000), 1);
		n1 = read(pfds[0], buf + got, sizeof(buf) - 1 - (size_t)got);
		if (n1 <= 0)
			break;
		got += n1;
		if (buf[got - 1] == '\n')
			break;
	}
	(void)close(pfds[0]);
	buf[got < 0 ? 0 : got] = '\0';
	assert_string_equal(buf, "ready\n");
}

static void
stop_fake(struct h *h)
{
	if (h->fake <= 0)
		return;
	(void)kill(h->fake, SIGTERM);
	(void)waitpid(h->fake, NULL, 0);
	h->fake = 0;
}

/* The fake's log; "" when it logged nothing. */
static const char *
fake_log(struct h *h)
{
	size_t n = 0;
	FILE *f;

	h->logbuf[0] = '\0';
	f = fopen(h->log, "r");
	if (f == NULL)
		return h->logbuf;
	n = fread(h->logbuf, 1, sizeof(h->logbuf) - 1, f);
	h->logbuf[n] = '\0';
	(void)fclose(f);
	return h->logbuf;
}

static bool
log_has(struct h *h, const char *s)
{
	return strstr(fake_log(h), s) != NULL;
}

/* Wait up to 5 s for the fake to log s (it logs hang-ups after the fact). */
static bool
wait_log(struct h *h, const char *s)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (log_has(h, s))
			return true;
		(void)poll(NULL, 0, 50);
	}
	return false;
}

/* Nothing the fake expected went differently, and the module hung up. */
static void
assert_fake_content(struct h *h)
{
	const char *log;

	(void)wait_log(h, "\"eof\"");
	log = fake_log(h);

	if (strstr(log, "mismatch") != NULL ||
	    strstr(log, "\"eof\": false") != NULL) {
		print_message("# fake log:\n%s", log);
		fail_msg("the fake daemon saw something unexpected");
	}
}

/* ---- PAM driving -------------------------------------------------------- */

static void
write_service(struct h *h, const char *args)
{
	static const char *const types[] = { "auth", "account", "session",
		"password" };
	char path[192];
	FILE *f;
	int i;

	(void)snprintf(path, sizeof(path), "%s/" SERVICE, h->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (i = 0; i < 4; i++)
		(void)fprintf(f, "%-8s required %s %s\n", types[i], MODULE,
		    args);
	assert_int_equal(fclose(f), 0);
}

/* The usual arguments: this test's socket, a 1 s timeout. */
static void
write_default_service(struct h *h, const char *more)
{
	char args[512];

	(void)snprintf(args, sizeof(args),
	    "pool=customer socket=%s timeout=1 %s", h->sock,
	    more != NULL ? more : "");
	write_service(h, args);
}

static int
count_fds(void)
{
	struct dirent *e;
	DIR *d;
	int n = 0;

	d = opendir("/proc/self/fd");
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	(void)closedir(d);
	return n;
}

static pam_handle_t *
begin(struct h *h, const char *user)
{
	struct pam_conv c = { conv, h };
	pam_handle_t *pamh = NULL;

	assert_int_equal(pam_start_confdir(SERVICE, user, &c, h->dir, &pamh),
	    PAM_SUCCESS);
	assert_int_equal(pam_set_item(pamh, PAM_FAIL_DELAY,
			     (const void *)(uintptr_t)fail_delay),
	    PAM_SUCCESS);
	assert_int_equal(pam_set_item(pamh, PAM_RHOST, "198.51.100.7"),
	    PAM_SUCCESS);
	assert_int_equal(pam_set_item(pamh, PAM_TTY, "pts/3"), PAM_SUCCESS);
	assert_int_equal(pam_set_item(pamh, PAM_RUSER, "bob"), PAM_SUCCESS);
	return pamh;
}

static void
end(pam_handle_t *pamh, int rc)
{
	assert_int_equal(pam_end(pamh, rc), PAM_SUCCESS);
}

/* pam_authenticate for user, answering from h->answers. */
static int
run_auth(struct h *h, const char *user, int flags)
{
	pam_handle_t *pamh;
	int fds, rc;

	h->next_answer = 0;
	fds = count_fds();
	pamh = begin(h, user);
	rc = pam_authenticate(pamh, flags);
	end(pamh, rc);
	/* S23: every descriptor the module opened is closed again. */
	assert_int_equal(count_fds(), fds);
	return rc;
}

/* pam_authenticate for user, with the answers given (NULL-terminated). */
static int
auth(struct h *h, const char *user, int flags, ...)
{
	const char *a;
	va_list ap;
	int i = 0;

	va_start(ap, flags);
	while ((a = va_arg(ap, const char *)) != NULL && i < MAX_ANSWERS - 1)
		h->answers[i++] = a;
	va_end(ap);
	h->answers[i] = NULL;
	return run_auth(h, user, flags);
}

static void
assert_msg(struct h *h, int call, int i, int style, const char *text)
{
	assert_true(call < h->ncalls);
	assert_true(i < h->calls[call].n);
	assert_int_equal(h->calls[call].style[i], style);
	assert_string_equal(h->calls[call].text[i], text);
}

/* ---- fixtures ----------------------------------------------------------- */

static int
setup(void **state)
{
	struct h *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return -1;
	(void)snprintf(h->dir, sizeof(h->dir), "/tmp/ua-pamtest.XXXXXX");
	if (mkdtemp(h->dir) == NULL) {
		free(h);
		return -1;
	}
	(void)snprintf(h->sock, sizeof(h->sock), "%s/public.sock", h->dir);
	(void)snprintf(h->log, sizeof(h->log), "%s/fake.log", h->dir);
	*state = h;
	return 0;
}

static int
teardown(void **state)
{
	struct h *h = *state;
	char path[192];

	stop_fake(h);
	(void)chmod(h->dir, 0700);
	(void)unlink(h->sock);
	(void)unlink(h->log);
	(void)snprintf(path, sizeof(path), "%s/" SERVICE, h->dir);
	(void)unlink(path);
	(void)rmdir(h->dir);
	free(h);
	return 0;
}

/* ---- scripts ------------------------------------------------------------ */

#define J(...) #__VA_ARGS__
#define INITIATE_ALICE                                                         \
	J({                                                                    \
		"recv" : "INITIATE",                                           \
		"expect" : {                                                   \
			"POOL" : "customer",                                   \
			"USER" : "alice",                                      \
			"SERVICE" : "uatest",                                  \
			"RHOST" : "198.51.100.7",                              \
			"TTY" : "pts/3",                                       \
			"RUSER" : "bob",                                       \
			"PREFERRED" : null                                     \
		}                                                              \
	})
/* A split string literal is no JSON: keep the formatter off. */
/* clang-format off */
#define PASSWORD_CHALLENGE                                                     \
	J({"send": "CHALLENGE", "fields": {"CHALLENGE": "PASSWORD",            \
	   "INFO": "Press Enter on an empty password to get a code by email instead."}})
/* clang-format on */
#define HINT "Press Enter on an empty password to get a code by email instead."
#define SENT "A code was sent to a***@e*****.com"
#define OTP_CHALLENGE                                                          \
	J({                                                                    \
		"send" : "CHALLENGE",                                          \
		"fields" : {                                                   \
			"CHALLENGE" : "EMAIL_OTP",                             \
			"INFO" : "A code was sent to a***@e*****.com"          \
		}                                                              \
	})
#define RESULT_OK                                                              \
	J({                                                                    \
		"send" : "RESULT",                                             \
		"fields" : { "OUTCOME" : "OK", "USER" : "alice" }              \
	})

/* ---- cases: the conversation -------------------------------------------- */

static void
test_password_one_call_info_and_prompt(void **state)
{
	struct h *h = *state;
	const char *conns[] = { "[" INITIATE_ALICE "," PASSWORD_CHALLENGE
				"," J({
					"recv" : "RESPOND",
					"expect" : {
						"CHALLENGE" : "PASSWORD",
						"ANSWER" : "s3cret pass"
					}
				}) "," RESULT_OK "]",
		NULL };

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	assert_int_equal(auth(h, "alice", 0, "s3cret pass", NULL), PAM_SUCCESS);
	assert_int_equal(h->ncalls, 1);
	assert_int_equal(h->calls[0].n, 2);
	assert_msg(h, 0, 0, PAM_TEXT_INFO, HINT);
	assert_msg(h, 0, 1, PAM_PROMPT_ECHO_OFF, "Password: ");
	assert_false(h->delay_seen && h->delay_us > 0);
	assert_fake_content(h);
}

static void
test_password_silent_only_prompt(void **state)
{
	struct h *h = *state;
	const char *conns[] = { "[" INITIATE_ALICE "," PASSWORD_CHALLENGE
				"," J({
					"recv" : "RESPOND",
					"expect" : { "ANSWER" : "pw" }
				}) "," RESULT_OK "]",
		NULL };

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	assert_int_equal(auth(h, "alice", PAM_SILENT, "pw", NULL), PAM_SUCCESS);
	assert_int_equal(h->ncalls, 1);
	assert_int_equal(h->calls[0].n, 1);
	assert_msg(h, 0, 0, PAM_PROMPT_ECHO_OFF, "Password: ");
	assert_fake_content(h);
}

static void
test_empty_password_sends_empty_answer(void **state)
{
	struct h *h = *state;
	const char *conns[] = {
		"[" INITIATE_ALICE "," PASSWORD_CHALLENGE "," J({
			"recv" : "RESPOND",
			"expect" : { "CHALLENGE" : "PASSWORD", "ANSWER" : "" }
		}) "," OTP_CHALLENGE "," J({
			"recv" : "RESPOND",
			"expect" :
			    { "CHALLENGE" : "EMAIL_OTP", "ANSWER" : "12345678" }
		}) "," RESULT_OK "]",
		NULL
	};

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	assert_int_equal(auth(h, "alice", 0, "", "12345678", NULL),
	    PAM_SUCCESS);
	assert_int_equal(h->ncalls, 2);
	assert_int_equal(h->calls[1].n, 2);
	assert_msg(h, 1, 0, PAM_TEXT_INFO, SENT);
	assert_msg(h, 1, 1, PAM_PROMPT_ECHO_OFF, "Code: ");
	assert_fake_content(h);
}

/*
 * pam_unix first, as pam-auth-update stacks it: it asks "Password: " and
 * stores the answer as PAM_AUTHTOK, then fails for a user it does not
 * know; pam_userauth comes next.
 */
static void
write_stacked_service(struct h *h, const char *more)
{
	char path[192];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/" SERVICE, h->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	(void)fprintf(f,
	    "auth optional pam_unix.so nodelay\n"
	    "auth required %s pool=customer socket=%s timeout=1 %s\n",
	    MODULE, h->sock, more != NULL ? more : "");
	assert_int_equal(fclose(f), 0);
}

static void
test_try_first_pass_takes_the_stored_password(void **state)
{
	struct h *h = *state;
	const char *conns[] = { "[" INITIATE_ALICE "," PASSWORD_CHALLENGE
				"," J({
					"recv" : "RESPOND",
					"expect" : {
						"CHALLENGE" : "PASSWORD",
						"ANSWER" : "typed once"
					}
				}) "," RESULT_OK "]",
		NULL };

	start_fake(h, NULL, conns);
	write_stacked_service(h, "try_first_pass");
	assert_int_equal(auth(h, "alice", 0, "typed once", NULL), PAM_SUCCESS);
	/* pam_unix's prompt only: the user is asked once */
	assert_int_equal(h->ncalls, 1);
	assert_msg(h, 0, h->calls[0].n - 1, PAM_PROMPT_ECHO_OFF, "Password: ");
	assert_fake_content(h);
}

static void
test_try_first_pass_only_for_the_first_password(void **state)
{
	struct h *h = *state;
	const char *conns[] = {
		"[" INITIATE_ALICE "," PASSWORD_CHALLENGE "," J({
			"recv" : "RESPOND",
			"expect" : { "ANSWER" : "typed once" }
		}) "," PASSWORD_CHALLENGE "," J({
			"recv" : "RESPOND",
			"expect" : { "ANSWER" : "asked again" }
		}) "," RESULT_OK "]",
		NULL
	};

	start_fake(h, NULL, conns);
	write_stacked_service(h, "try_first_pass");
	assert_int_equal(auth(h, "alice", 0, "typed once", "asked again", NULL),
	    PAM_SUCCESS);
	assert_int_equal(h->ncalls, 2);
	assert_msg(h, 1, 0, PAM_TEXT_INFO, HINT);
	assert_fake_content(h);
}

static void
test_try_first_pass_with_nothing_stored_asks(void **state)
{
	struct h *h = *state;
	const char *conns[] = { "[" INITIATE_ALICE "," PASSWORD_CHALLENGE
				"," J({
					"recv" : "RESPOND",
					"expect" : { "ANSWER" : "pw" }
				}) "," RESULT_OK "]",
		NULL };

	start_fake(h, NULL, conns);
	write_default_service(h, "try_first_pass");
	assert_int_equal(auth(h, "alice", 0, "pw", NULL), PAM_SUCCESS);
	assert_int_equal(h->ncalls, 1);
	assert_msg(h, 0, 0, PAM_TEXT_INFO, HINT);
	assert_msg(h, 0, 1, PAM_PROMPT_ECHO_OFF, "Password: ");
	assert_fake_content(h);
}

static void
test_stored_password_unused_without_the_option(void **state)
{
	struct h *h = *state;
	const char *conns[] = { "[" INITIATE_ALICE "," PASSWORD_CHALLENGE
				"," J({
					"recv" : "RESPOND",
					"expect" : { "ANSWER" : "second" }
				}) "," RESULT_OK "]",
		NULL };

	start_fake(h, NULL, conns);
	write_stacked_service(h, NULL);
	assert_int_equal(auth(h, "alice", 0, "first", "second", NULL),
	    PAM_SUCCESS);
	assert_int_equal(h->ncalls, 2);
	assert_fake_content(h);
}

static void
test_email_otp_info_and_prompt_one_call(void **state)
{
	struct h *h = *state;
	const char *conns[] = { "[" J({
				       "recv" : "INITIATE",
				       "expect" :
					   { "PREFERRED" : "EMAIL_OTP" }
			       }) "," OTP_CHALLENGE "," J({
				       "recv" : "RESPOND",
				       "expect" : { "ANSWER" : "87654321" }
			       }) "," RESULT_OK "]",
		NULL };

	start_fake(h, NULL, conns);
	write_default_service(h, "preferred=email_otp");
	assert_int_equal(auth(h, "alice", PAM_SILENT, "87654321", NULL),
	    PAM_SUCCESS);
	/* Also under PAM_SILENT: where the code went is part of the question.
	 */
	assert_int_equal(h->ncalls, 1);
	assert_int_equal(h->calls[0].n, 2);
	assert_msg(h, 0, 0, PAM_TEXT_INFO, SENT);
	assert_msg(h, 0, 1, PAM_PROMPT_ECHO_OFF, "Code: ");
	assert_fake_content(h);
}

static void
test_destination_when_no_info(void **state)
{
	struct h *h = *state;
	const char *conns[] = { "[" J({ "recv" : "INITIATE" }) "," J({
				       "send" : "CHALLENGE",
				       "fields" : {
					       "CHALLENGE" : "EMAIL_OTP",
					       "DESTINATION" : "a***@e*****.com"
				       }
			       }) "," J({ "recv" : "RESPOND" }) "," RESULT_OK
								"]",
		NULL };

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	assert_int_equal(auth(h, "alice", 0, "11112222", NULL), PAM_SUCCESS);
	assert_int_equal(h->ncalls, 1);
	assert_msg(h, 0, 0, PAM_TEXT_INFO,
	    "A code was sent to a***@e*****.com.");
	assert_msg(h, 0, 1, PAM_PROMPT_ECHO_OFF, "Code: ");
}

static void
test_wrong_code_message_with_prompt(void **state)
{
	struct h *h = *state;
	const char *conns[] = {
		"[" INITIATE_ALICE "," OTP_CHALLENGE "," J({
			"recv" : "RESPOND",
			"expect" : { "ANSWER" : "00000000" }
		}) "," J({
			"send" : "CHALLENGE",
			"fields" : {
				"CHALLENGE" : "EMAIL_OTP",
				"INFO" : "A code was sent to a***@e*****.com",
				"MESSAGE" : "Wrong code, 2 tries left."
			}
		}) "," J({
			"recv" : "RESPOND",
			"expect" : { "ANSWER" : "12345678" }
		}) "," RESULT_OK "]",
		NULL
	};

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	assert_int_equal(auth(h, "alice", 0, "00000000", "12345678", NULL),
	    PAM_SUCCESS);
	assert_int_equal(h->ncalls, 2);
	assert_int_equal(h->calls[1].n, 3);
	assert_msg(h, 1, 0, PAM_TEXT_INFO, SENT);
	assert_msg(h, 1, 1, PAM_ERROR_MSG, "Wrong code, 2 tries left.");
	assert_msg(h, 1, 2, PAM_PROMPT_ECHO_OFF, "Code: ");
	assert_fake_content(h);
}

#define SELECT_CHALLENGE                                                       \
	J({                                                                    \
		"send" : "CHALLENGE",                                          \
		"fields" : {                                                   \
			"CHALLENGE" : "SELECT_CHALLENGE",                      \
			"AVAILABLE" : "PASSWORD,EMAIL_OTP"                     \
		}                                                              \
	})

static void
test_select_challenge_digit_maps_to_name(void **state)
{
	struct h *h = *state;
	const char *conns[] = { "[" INITIATE_ALICE "," SELECT_CHALLENGE "," J({
				       "recv" : "RESPOND",
				       "expect" : {
					       "CHALLENGE" : "SELECT_CHALLENGE",
					       "ANSWER" : "EMAIL_OTP"
				       }
			       }) "," OTP_CHALLENGE "," J({
				       "recv" : "RESPOND",
				       "expect" :
					   { "CHALLENGE" : "EMAIL_OTP" }
			       }) "," RESULT_OK "]",
		NULL };

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	assert_int_equal(auth(h, "alice", 0, "2", "12345678", NULL),
	    PAM_SUCCESS);
	assert_int_equal(h->ncalls, 2);
	assert_int_equal(h->calls[0].n, 2);
	assert_msg(h, 0, 0, PAM_TEXT_INFO,
	    "Sign in with: 1) password 2) a code by email");
	assert_msg(h, 0, 1, PAM_PROMPT_ECHO_ON, "Choice [1/2]: ");
	assert_fake_content(h);
}

static void
test_select_challenge_word_and_reask(void **state)
{
	struct h *h = *state;
	const char *conns[] = { "[" INITIATE_ALICE "," SELECT_CHALLENGE "," J({
				       "recv" : "RESPOND",
				       "expect" : { "ANSWER" : "PASSWORD" }
			       }) "," J({
				       "send" : "RESULT",
				       "fields" : { "OUTCOME" : "FAIL" }
			       }) "]",
		"[" INITIATE_ALICE "," SELECT_CHALLENGE "," J({
			"recv" : "RESPOND",
			"expect" : { "ANSWER" : "PASSWORD" }
		}) "," J({
			"send" : "RESULT",
			"fields" : { "OUTCOME" : "FAIL" }
		}) "]",
		NULL };

	start_fake(h, NULL, conns);
	/* debug: LOG_DEBUG lines on the way, same verdicts. */
	write_default_service(h, "debug");
	assert_int_equal(auth(h, "alice", 0, " Password ", NULL), PAM_AUTH_ERR);
	h->ncalls = 0;
	h->next_answer = 0;
	assert_int_equal(auth(h, "alice", 0, "3", "1", NULL), PAM_AUTH_ERR);
	assert_int_equal(h->ncalls, 2);
	assert_int_equal(h->calls[1].n, 3);
	assert_msg(h, 1, 1, PAM_ERROR_MSG, "Please answer 1 or 2.");
	assert_msg(h, 1, 2, PAM_PROMPT_ECHO_ON, "Choice [1/2]: ");
	assert_fake_content(h);
}

static void
test_select_no_valid_choice_fails(void **state)
{
	struct h *h = *state;
	const char *conns[] = { "[" INITIATE_ALICE "," SELECT_CHALLENGE
				"," J({ "recv" : "RESPOND" }) "]",
		NULL };

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	assert_int_equal(auth(h, "alice", 0, "9", "x", "", NULL), PAM_AUTH_ERR);
	assert_int_equal(h->ncalls, 3);
	assert_false(log_has(h, "RESPOND"));
}

static void
test_no_user_yet_asks_email(void **state)
{
	struct h *h = *state;
	const char *conns[] = {
		"[" J({
			"recv" : "INITIATE",
			"expect" : { "USER" : "alice@example.com" }
		}) "," PASSWORD_CHALLENGE
		   "," J({ "recv" : "RESPOND" }) "," RESULT_OK "]",
		NULL
	};
	pam_handle_t *pamh;
	const void *item = NULL;

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	h->answers[0] = "alice@example.com";
	h->answers[1] = "pw";
	h->answers[2] = NULL;
	pamh = begin(h, NULL);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	/* OK with a canonical login: PAM_USER becomes it. */
	assert_int_equal(pam_get_item(pamh, PAM_USER, &item), PAM_SUCCESS);
	assert_string_equal((const char *)item, "alice");
	end(pamh, PAM_SUCCESS);
	assert_int_equal(h->ncalls, 2);
	assert_int_equal(h->calls[0].n, 1);
	assert_msg(h, 0, 0, PAM_PROMPT_ECHO_ON, "Email: ");
	assert_fake_content(h);
}

static void
test_answer_over_cap_is_not_sent(void **state)
{
	struct h *h = *state;
	const char *conns[] = { "[" INITIATE_ALICE "," PASSWORD_CHALLENGE
				"," J({ "recv" : "RESPOND" }) "," RESULT_OK "]",
		"[" INITIATE_ALICE "," PASSWORD_CHALLENGE
		"," J({ "recv" : "RESPOND" }) "]",
		NULL };
	char pw[1026];

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	memset(pw, 'p', 1024);
	pw[1024] = '\0';
	assert_int_equal(auth(h, "alice", 0, pw, NULL), PAM_SUCCESS);
	pw[1024] = 'p';
	pw[1025] = '\0';
	assert_int_equal(auth(h, "alice", 0, pw, NULL), PAM_AUTH_ERR);
	assert_true(h->delay_seen && h->delay_us > 0);
	assert_false(log_has(h, "\"conn\": 2, \"fields\": {\"ANSWER\""));
}

static void
test_conversation_failure(void **state)
{
	struct h *h = *state;
	const char *conns[] = { "[" INITIATE_ALICE "," PASSWORD_CHALLENGE
				"," J({ "hang" : 3 }) "]",
		NULL };

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	assert_int_equal(auth(h, "alice", 0, NULL), PAM_CONV_ERR);
	assert_true(wait_log(h, "\"eof\": true"));
}

/* ---- cases: results ----------------------------------------------------- */

static void
test_canonical_user_replaces_pam_user(void **state)
{
	struct h *h = *state;
	const char *conns[] = {
		"[" J({
			"recv" : "INITIATE",
			"expect" : { "USER" : "Alice@Example.com" }
		}) "," PASSWORD_CHALLENGE
		   "," J({ "recv" : "RESPOND" }) "," RESULT_OK "]",
		NULL
	};
	pam_handle_t *pamh;
	const void *item = NULL;

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	h->answers[0] = "pw";
	h->answers[1] = NULL;
	pamh = begin(h, "Alice@Example.com");
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_get_item(pamh, PAM_USER, &item), PAM_SUCCESS);
	assert_string_equal((const char *)item, "alice");
	end(pamh, PAM_SUCCESS);
}

static void
test_bad_canonical_user_is_unavailable(void **state)
{
	struct h *h = *state;
	const char *conns[] = {
		"[" INITIATE_ALICE "," PASSWORD_CHALLENGE
		"," J({ "recv" : "RESPOND" }) "," J({
			"send" : "RESULT",
			"fields" : { "OUTCOME" : "OK", "USER" : "root:x:0:0" }
		}) "]",
		NULL
	};

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	assert_int_equal(auth(h, "alice", 0, "pw", NULL), PAM_AUTHINFO_UNAVAIL);
}

static void
test_fail_is_auth_err_with_delay(void **state)
{
	struct h *h = *state;
	const char *conns[] = { "[" INITIATE_ALICE "," PASSWORD_CHALLENGE
				"," J({ "recv" : "RESPOND" }) "," J({
					"send" : "RESULT",
					"fields" : { "OUTCOME" : "FAIL" }
				}) "]",
		NULL };

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	assert_int_equal(auth(h, "alice", 0, "wrong", NULL), PAM_AUTH_ERR);
	assert_true(h->delay_seen);
	assert_true(h->delay_us >= 1000000);
	assert_fake_content(h);
}

static void
test_denied_and_unavailable_outcomes(void **state)
{
	struct h *h = *state;
	const char *conns[] = {
		"[" INITIATE_ALICE "," J({
			"send" : "RESULT",
			"fields" :
			    { "OUTCOME" : "DENIED", "MESSAGE" : "Not here." }
		}) "]",
		"[" INITIATE_ALICE "," J({
			"send" : "RESULT",
			"fields" : { "OUTCOME" : "UNAVAILABLE" }
		}) "]",
		"[" INITIATE_ALICE "," J({
			"send" : "RESULT",
			"fields" : { "OUTCOME" : "MAYBE" }
		}) "]",
		NULL
	};

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	assert_int_equal(auth(h, "alice", 0, NULL), PAM_PERM_DENIED);
	assert_int_equal(h->ncalls, 1);
	assert_msg(h, 0, 0, PAM_ERROR_MSG, "Not here.");
	assert_int_equal(auth(h, "alice", 0, NULL), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(auth(h, "alice", 0, NULL), PAM_AUTHINFO_UNAVAIL);
}

static void
test_unknown_challenge_fails_closed(void **state)
{
	struct h *h = *state;
	const char *conns[] = { "[" INITIATE_ALICE "," J({
				       "send" : "CHALLENGE",
				       "fields" : {
					       "CHALLENGE" : "CUSTOM_CHALLENGE",
					       "INFO" : "Type anything"
				       }
			       }) "," J({ "recv" : "RESPOND" }) "]",
		NULL };

	start_fake(h, NULL, conns);
	write_default_service(h, "debug");
	assert_int_equal(auth(h, "alice", 0, "anything", NULL), PAM_AUTH_ERR);
	assert_int_equal(h->ncalls, 0);
	assert_false(log_has(h, "RESPOND"));
}

static void
test_too_many_challenges(void **state)
{
	struct h *h = *state;
	static char script[8192];
	const char *conns[] = { script, NULL };
	size_t off;
	int i;

	off = (size_t)snprintf(script, sizeof(script), "[%s,%s",
	    J({ "recv" : "INITIATE" }), PASSWORD_CHALLENGE);
	for (i = 0; i < 16; i++)
		off += (size_t)snprintf(script + off, sizeof(script) - off,
		    ",%s,%s", J({ "recv" : "RESPOND" }), PASSWORD_CHALLENGE);
	(void)snprintf(script + off, sizeof(script) - off, "]");
	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	for (i = 0; i < 17; i++)
		h->answers[i] = "pw";
	h->answers[17] = NULL;
	assert_int_equal(run_auth(h, "alice", 0), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(h->ncalls, 16);
}

static void
test_invalid_identifier_refused_early(void **state)
{
	struct h *h = *state;
	static const char *const bad[] = { "al\tice", "-alice", "al\x7fice",
		"\xc3\x28", "al\xc2\x85ice", "" };
	char longid[300];
	size_t i;

	write_default_service(h, NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		h->delay_seen = false;
		assert_int_equal(auth(h, bad[i], 0, "pw", NULL), PAM_AUTH_ERR);
		assert_true(h->delay_seen && h->delay_us > 0);
	}
	memset(longid, 'a', 255);
	longid[255] = '\0';
	assert_int_equal(auth(h, longid, 0, "pw", NULL), PAM_AUTH_ERR);
	assert_int_equal(h->ncalls, 0);
}

/* ---- cases: a daemon that is absent, hung, lying or not root's ---------- */

static void
test_socket_missing_unavailable(void **state)
{
	struct h *h = *state;

	write_default_service(h, NULL);
	assert_int_equal(auth(h, "alice", 0, "pw", NULL), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(h->ncalls, 0);
	assert_false(h->delay_seen && h->delay_us > 0);
}

static double
now_s(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_silent_daemon_times_out(void **state)
{
	struct h *h = *state;
	const char *conns[] = {
		"[" J({ "recv" : "INITIATE" }) "," J({ "hang" : 10 }) "]", NULL
	};
	double t;

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	syslog_reset();
	t = now_s();
	assert_int_equal(auth(h, "alice", 0, "pw", NULL), PAM_AUTHINFO_UNAVAIL);
	t = now_s() - t;
	/* the daemon never finished this login: the module's line names it */
	if (strstr(syslog_buf, "user 'alice': userauthd at ") == NULL ||
	    strstr(syslog_buf, "timed out; result=unavailable") == NULL)
		print_error("syslog: %s\n", syslog_buf);
	assert_non_null(strstr(syslog_buf, "user 'alice': userauthd at "));
	assert_non_null(strstr(syslog_buf, "timed out; result=unavailable"));
	assert_non_null(strstr(syslog_buf, "(" SERVICE ":auth)"));
	/* S1/S24: timeout=1, so within 1 s + 1 s. */
	assert_true(t >= 0.9);
	assert_true(t <= 2.0);
	assert_true(wait_log(h, "\"eof\": true"));
}

/*
 * A long hash queue: the daemon answers a password with WAIT frames until
 * a worker is free.  Each one renews the 1 s of silence the module allows,
 * so a right password is not refused for load; without them the module
 * would give up after 1 s.
 */
static void
test_wait_frames_renew_the_timeout(void **state)
{
	struct h *h = *state;
	const char *conns[] = {
		"[" INITIATE_ALICE "," PASSWORD_CHALLENGE "," J({
			"recv" : "RESPOND",
			"expect" : { "CHALLENGE" : "PASSWORD", "ANSWER" : "pw" }
		}) "," J({ "waits" : 5, "every" : 0.6 }) "," RESULT_OK "]",
		NULL
	};

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	assert_int_equal(auth(h, "alice", 0, "pw", NULL), PAM_SUCCESS);
	assert_fake_content(h);
}

/* WAIT forever: the module gives up at 6 times its timeout, fails closed. */
static void
test_endless_wait_gives_up(void **state)
{
	struct h *h = *state;
	const char *conns[] = { "[" INITIATE_ALICE
				"," J({ "waits" : 40, "every" : 0.5 }) "]",
		NULL };

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	assert_int_equal(auth(h, "alice", 0, "pw", NULL), PAM_AUTHINFO_UNAVAIL);
	assert_true(wait_log(h, "\"waits_sent\""));
}

/* A daemon too busy for a new login says so; the module fails closed. */
static void
test_busy_refusal_is_unavailable_with_its_message(void **state)
{
	struct h *h = *state;
	const char *conns[] = {
		"[" INITIATE_ALICE "," J({
			"send" : "RESULT",
			"fields" : {
				"OUTCOME" : "UNAVAILABLE",
				"MESSAGE" : "The sign-in service is busy."
			}
		}) "]",
		NULL
	};

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	assert_int_equal(auth(h, "alice", 0, "pw", NULL), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(h->ncalls, 1);
	assert_msg(h, 0, 0, PAM_ERROR_MSG, "The sign-in service is busy.");
}

static void
test_garbage_unavailable(void **state)
{
	struct h *h = *state;
	const char *conns[] = { "[" J({ "recv" : "INITIATE" }) "," J(
				    { "garbage" : 300 }) "]",
		/* a frame of random bytes */
		"[" J({ "recv" : "INITIATE" }) "," J(
		    { "raw" : "00000010a5c3e10f9b2277d04e6f01c8aa5e3b91" }) "]",
		/* a well-formed frame of the wrong type (PONG) */
		"[" J({ "recv" : "INITIATE" }) "," J(
		    { "send" : "PONG", "fields" : { "VERSION" : "1" } }) "]",
		/* a challenge without its name */
		"[" J({ "recv" : "INITIATE" }) "," J(
		    { "send" : "CHALLENGE", "fields" : { "INFO" : "hi" } }) "]",
		/* the daemon hangs up */
		"[" J({ "recv" : "INITIATE" }) "," J({ "close" : true }) "]",
		NULL };
	int i;

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	for (i = 0; i < 5; i++)
		assert_int_equal(auth(h, "alice", 0, "pw", NULL),
		    PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(h->ncalls, 0);
}

static void
test_socket_not_root_owned(void **state)
{
	struct h *h = *state;
	const char *extra[] = { "--chown-socket", "65534", NULL };
	const char *conns[] = { "[" J({ "recv" : "INITIATE" }) "," RESULT_OK
							       "]",
		NULL };

	start_fake(h, extra, conns);
	write_default_service(h, NULL);
	assert_int_equal(auth(h, "alice", 0, "pw", NULL), PAM_AUTHINFO_UNAVAIL);
	assert_false(log_has(h, "INITIATE"));
}

static void
test_listener_not_root(void **state)
{
	struct h *h = *state;
	const char *extra[] = { "--listen-uid", "65534", NULL };
	const char *conns[] = { "[" J({ "recv" : "INITIATE" }) "," RESULT_OK
							       "]",
		NULL };

	start_fake(h, extra, conns);
	write_default_service(h, NULL);
	assert_int_equal(auth(h, "alice", 0, "pw", NULL), PAM_AUTHINFO_UNAVAIL);
	assert_false(log_has(h, "INITIATE"));
}

static void
test_socket_dir_writable_by_others(void **state)
{
	struct h *h = *state;
	const char *conns[] = { "[" J({ "recv" : "INITIATE" }) "," RESULT_OK
							       "]",
		NULL };

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	assert_int_equal(chmod(h->dir, 01777), 0);
	assert_int_equal(auth(h, "alice", 0, "pw", NULL), PAM_AUTHINFO_UNAVAIL);
	assert_false(log_has(h, "INITIATE"));
}

/* ---- cases: options ----------------------------------------------------- */

static void
test_bad_option_is_service_err(void **state)
{
	struct h *h = *state;
	static const char *const bad[] = { "pool=customer bogus",
		"pool=customer timeout=0", "pool=customer timeout=61",
		"pool=Customer", "socket=/run/userauth/public.sock",
		"pool=customer pool=staff", "pool=customer socket=relative",
		"pool=customer preferred=sms", "pool=customer debug=1" };
	pam_handle_t *pamh;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_service(h, bad[i]);
		assert_int_equal(auth(h, "alice", 0, "pw", NULL),
		    PAM_SERVICE_ERR);
		pamh = begin(h, "alice");
		assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SERVICE_ERR);
		assert_int_equal(pam_open_session(pamh, 0), PAM_SERVICE_ERR);
		end(pamh, PAM_SERVICE_ERR);
	}
	assert_int_equal(h->ncalls, 0);
}

/* ---- cases: account and session ----------------------------------------- */

#define ACCT_ALICE                                                             \
	J({                                                                    \
		"recv" : "ACCT",                                               \
		"expect" : {                                                   \
			"POOL" : "customer",                                   \
			"USER" : "alice",                                      \
			"SERVICE" : "uatest",                                  \
			"RHOST" : "198.51.100.7",                              \
			"TTY" : null                                           \
		}                                                              \
	})

static int
run_acct(struct h *h, const char *user)
{
	pam_handle_t *pamh = begin(h, user);
	int rc = pam_acct_mgmt(pamh, 0);

	end(pamh, rc);
	return rc;
}

static void
test_acct_outcomes(void **state)
{
	struct h *h = *state;
	const char *conns[] = {
		"[" ACCT_ALICE "," J(
		    { "send" : "RESULT", "fields" : { "OUTCOME" : "OK" } }) "]",
		"[" ACCT_ALICE "," J({
			"send" : "RESULT",
			"fields" : { "OUTCOME" : "DENIED" }
		}) "]",
		"[" ACCT_ALICE "," J({
			"send" : "RESULT",
			"fields" : { "OUTCOME" : "FAIL" }
		}) "]",
		"[" ACCT_ALICE "," J({
			"send" : "RESULT",
			"fields" : { "OUTCOME" : "UNAVAILABLE" }
		}) "]",
		"[" ACCT_ALICE "," J({
			"send" : "CHALLENGE",
			"fields" : { "CHALLENGE" : "PASSWORD" }
		}) "]",
		NULL
	};

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	assert_int_equal(run_acct(h, "alice"), PAM_SUCCESS);
	assert_int_equal(run_acct(h, "alice"), PAM_PERM_DENIED);
	assert_int_equal(run_acct(h, "alice"), PAM_USER_UNKNOWN);
	assert_int_equal(run_acct(h, "alice"), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(run_acct(h, "alice"), PAM_AUTHINFO_UNAVAIL);
	assert_fake_content(h);
}

static void
test_acct_daemon_down(void **state)
{
	struct h *h = *state;

	write_default_service(h, NULL);
	assert_int_equal(run_acct(h, "alice"), PAM_AUTHINFO_UNAVAIL);
}

static void
test_session_best_effort(void **state)
{
	struct h *h = *state;
	const char *conns[] = { "[" J({
				       "recv" : "SESSION",
				       "expect" : {
					       "USER" : "alice",
					       "SERVICE" : "uatest",
					       "TTY" : "pts/3",
					       "RUSER" : null
				       }
			       }) "," J({
				       "send" : "RESULT",
				       "fields" : { "OUTCOME" : "OK" }
			       }) "]",
		NULL };
	pam_handle_t *pamh;

	start_fake(h, NULL, conns);
	write_default_service(h, NULL);
	pamh = begin(h, "alice");
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_setcred(pamh, PAM_ESTABLISH_CRED), PAM_SUCCESS);
	end(pamh, PAM_SUCCESS);
	assert_true(log_has(h, "\"type\": \"SESSION\""));
	assert_fake_content(h);
	stop_fake(h);
	/* The daemon is gone: the session still opens. */
	pamh = begin(h, "alice");
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	end(pamh, PAM_SUCCESS);
}

static void
test_chauthtok_never_succeeds(void **state)
{
	struct h *h = *state;
	pam_handle_t *pamh;

	write_default_service(h, NULL);
	pamh = begin(h, "alice");
	assert_int_not_equal(pam_chauthtok(pamh, 0), PAM_SUCCESS);
	end(pamh, PAM_SUCCESS);
}

/*
 * Cases that need a fake daemon come last: the module talks only to a
 * socket that root owns and listens on, so without root they are left out
 * of the plan (cmocka 1.1.5 prints a skip as "not ok N # SKIP", which
 * automake's tap-driver counts as FAIL).
 */
int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_invalid_identifier_refused_early),
		T(test_socket_missing_unavailable),
		T(test_bad_option_is_service_err),
		T(test_acct_daemon_down),
		T(test_chauthtok_never_succeeds),
		/* root only from here */
		T(test_password_one_call_info_and_prompt),
		T(test_password_silent_only_prompt),
		T(test_empty_password_sends_empty_answer),
		T(test_try_first_pass_takes_the_stored_password),
		T(test_try_first_pass_only_for_the_first_password),
		T(test_try_first_pass_with_nothing_stored_asks),
		T(test_stored_password_unused_without_the_option),
		T(test_email_otp_info_and_prompt_one_call),
		T(test_destination_when_no_info),
		T(test_wrong_code_message_with_prompt),
		T(test_select_challenge_digit_maps_to_name),
		T(test_select_challenge_word_and_reask),
		T(test_select_no_valid_choice_fails),
		T(test_no_user_yet_asks_email),
		T(test_answer_over_cap_is_not_sent),
		T(test_conversation_failure),
		T(test_canonical_user_replaces_pam_user),
		T(test_bad_canonical_user_is_unavailable),
		T(test_fail_is_auth_err_with_delay),
		T(test_denied_and_unavailable_outcomes),
		T(test_unknown_challenge_fails_closed),
		T(test_too_many_challenges),
		T(test_silent_daemon_times_out),
		T(test_wait_frames_renew_the_timeout),
		T(test_endless_wait_gives_up),
		T(test_busy_refusal_is_unavailable_with_its_message),
		T(test_garbage_unavailable),
		T(test_socket_not_root_owned),
		T(test_listener_not_root),
		T(test_socket_dir_writable_by_others),
		T(test_acct_outcomes),
		T(test_session_best_effort),
	};
#undef T
	const size_t nplain = 5;
	size_t n = sizeof(tests) / sizeof(tests[0]);

	if (geteuid() != 0) {
		printf("# not root: %zu cases with a fake daemon not run\n",
		    n - nplain);
		n = nplain;
	}
	return _cmocka_run_group_tests("pam_userauth module", tests, n, NULL,
	    NULL);
}
