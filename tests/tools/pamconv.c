/* SPDX-License-Identifier: MIT */
/*
 * A scripted libpam application for the login tests: it prints every
 * conversation call (each message with its style) and answers the prompts
 * from argv or a file, in order.  It must show exactly what the module
 * sent, call for call, and never make up an answer it was not given.
 *
 * usage: pamconv [-C DIR] [-s] [-a | -A | -P] [-u] [-n COUNT] [-r RHOST]
 *                [-f FILE] SERVICE USER [ANSWER...]
 *   -C DIR    load SERVICE from DIR (pam_start_confdir), not /etc/pam.d
 *   -s        pass PAM_SILENT
 *   -a        after a successful authenticate, run pam_acct_mgmt
 *   -A        run pam_acct_mgmt only
 *   -P, --chauthtok  run pam_chauthtok only ("chauthtok: RC TEXT")
 *   -u        print PAM_USER at the end ("user: NAME")
 *   -n COUNT  run authenticate COUNT times in a row on the one handle (a
 *             long-lived host: a screen locker, a daemon), and print the
 *             process's descriptors and threads before the first and
 *             after each ("before: fds=N threads=N", "after: ...")
 *   -r RHOST  set PAM_RHOST
 *   -f FILE   answers from FILE, one a line, read as they are needed (a
 *             FIFO lets a test answer later); after the ANSWER arguments
 *   USER "-"  start without a user (the module asks for one)
 *
 * Output, one line each:
 *   call N: STYLE "text" | STYLE "text"    STYLE: ECHO_ON ECHO_OFF ERROR INFO
 *   call N: (no answer left)               the call failed with PAM_CONV_ERR
 *   fail delay: requested                  a module asked for a delay
 *   authenticate: RC TEXT, acct_mgmt: RC TEXT, user: NAME
 * The exit status is the PAM result of the last phase run.  The failure
 * delay is reported but not slept.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <security/pam_appl.h>

struct script {
	char **argv; /* answers from the command line */
	int argc;
	int next;
	FILE *file;    /* then these, or NULL */
	unsigned call; /* conversation calls so far */
};

static const char *
style_name(int style)
{
	switch (style) {
	case PAM_PROMPT_ECHO_ON:
		return "ECHO_ON";
	case PAM_PROMPT_ECHO_OFF:
		return "ECHO_OFF";
	case PAM_ERROR_MSG:
		return "ERROR";
	case PAM_TEXT_INFO:
		return "INFO";
	default:
		return "STYLE?";
	}
}

/* A message text between quotes, with \, " and control bytes escaped. */
static void
print_quoted(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	putchar('"');
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", stdout);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\x%02x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

/* The next answer (malloc'd), or NULL when there is none left. */
static char *
next_answer(struct script *sc)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (sc->next < sc->argc)
		return strdup(sc->argv[sc->next++]);
	if (sc->file == NULL)
		return NULL;
	n = getline(&line, &cap, sc->file);
	if (n < 0) {
		free(line);
		return NULL;
	}
	if (n > 0 && line[n - 1] == '\n')
		line[n - 1] = '\0';
	return line;
}

static void
free_responses(struct pam_response *r, int n)
{
	int i;

	if (r == NULL)
		return;
	for (i = 0; i < n; i++)
		if (r[i].resp != NULL) {
			explicit_bzero(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	free(r);
}

static int
conv(int n, const struct pam_message **msg, struct pam_response **ret,
    void *data)
{
	struct script *sc = data;
	struct pam_response *r;
	int i;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	printf("call %u:", ++sc->call);
	for (i = 0; i < n; i++) {
		printf("%s%s ", i == 0 ? " " : " | ",
		    style_name(msg[i]->msg_style));
		print_quoted(msg[i]->msg);
	}
	putchar('\n');
	fflush(stdout);
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_ON &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_OFF)
			continue;
		r[i].resp = next_answer(sc);
		if (r[i].resp == NULL) {
			printf("call %u: (no answer left)\n", sc->call);
			fflush(stdout);
			free_responses(r, n);
			return PAM_CONV_ERR;
		}
	}
	*ret = r;
	return PAM_SUCCESS;
}

/*
 * Report a delay instead of sleeping it: the tests have a budget.  libpam
 * calls this after every phase and randomises the module's request, so
 * only whether there was one is shown.
 */
static void
no_delay(int status, unsigned usec, void *data)
{
	(void)status;
	(void)data;
	if (usec == 0)
		return;
	printf("fail delay: requested\n");
	fflush(stdout);
}

static void
usage(void)
{
	fputs("usage: pamconv [-C DIR] [-s] [-a | -A | -P] [-u] [-n COUNT] "
	      "[-r RHOST] [-f FILE] SERVICE USER [ANSWER...]\n",
	    stderr);
	exit(2);
}

/* "WHEN: fds=N threads=N" of this process (-1 where unreadable). */
static void
print_resources(const char *when)
{
	struct dirent *e;
	char line[256];
	DIR *d;
	FILE *f;
	int fds = -1, threads = -1;

	d = opendir("/proc/self/fd");
	if (d != NULL) {
		fds = -1; /* the directory's own descriptor */
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.')
				fds++;
		(void)closedir(d);
	}
	f = fopen("/proc/self/status", "re");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "Threads:", 8) == 0)
			threads = (int)strtol(line + 8, NULL, 10);
	if (f != NULL)
		(void)fclose(f);
	printf("%s: fds=%d threads=%d\n", when, fds, threads);
	fflush(stdout);
}

/* pam_authenticate times times in a row; the last result. */
static int
authenticate(pam_handle_t *h, int flags, long times)
{
	long i;
	int rc = PAM_SUCCESS;

	if (times > 1)
		print_resources("before");
	for (i = 0; i < times; i++) {
		rc = pam_authenticate(h, flags);
		printf("authenticate: %d %s\n", rc, pam_strerror(h, rc));
		fflush(stdout);
		if (times > 1)
			print_resources("after");
	}
	return rc;
}

int
main(int argc, char **argv)
{
	struct script sc = { 0 };
	struct pam_conv pc = { conv, &sc };
	pam_handle_t *h = NULL;
	const char *confdir = NULL, *rhost = NULL, *user;
	const void *item = NULL;
	bool silent = false, acct = false, acct_only = false, show = false;
	bool chauthtok = false;
	long times = 1;
	char *end;
	int c, rc, end_rc;

	static const struct option lo[] = {
		{ "chauthtok", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};

	while (
	    (c = getopt_long(argc, argv, "+C:saAPun:r:f:", lo, NULL)) != -1) {
		switch (c) {
		case 'C':
			confdir = optarg;
			break;
		case 's':
			silent = true;
			break;
		case 'a':
			acct = true;
			break;
		case 'A':
			acct_only = true;
			break;
		case 'P':
			chauthtok = true;
			break;
		case 'u':
			show = true;
			break;
		case 'n':
			times = strtol(optarg, &end, 10);
			if (*end != '\0' || times < 1 || times > 10000)
				usage();
			break;
		case 'r':
			rhost = optarg;
			break;
		case 'f':
			sc.file = fopen(optarg, "re");
			if (sc.file == NULL) {
				perror(optarg);
				return 2;
			}
			break;
		default:
			usage();
		}
	}
	if (argc - optind < 2 || (acct && acct_only))
		usage();
	user = strcmp(argv[optind + 1], "-") == 0 ? NULL : argv[optind + 1];
	sc.argv = argv + optind + 2;
	sc.argc = argc - optind - 2;
	rc = pam_start_confdir(argv[optind], user, &pc, confdir, &h);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "pam_start_confdir: %d\n", rc);
		return rc;
	}
	rc = pam_set_item(h, PAM_FAIL_DELAY, (const void *)no_delay);
	if (rc == PAM_SUCCESS && rhost != NULL)
		rc = pam_set_item(h, PAM_RHOST, rhost);
	if (rc != PAM_SUCCESS)
		goto out;
	if (chauthtok) {
		rc = pam_chauthtok(h, silent ? PAM_SILENT : 0);
		printf("chauthtok: %d %s\n", rc, pam_strerror(h, rc));
		goto out;
	}
	if (!acct_only)
		rc = authenticate(h, silent ? PAM_SILENT : 0, times);
	if (acct_only || (acct && rc == PAM_SUCCESS)) {
		rc = pam_acct_mgmt(h, silent ? PAM_SILENT : 0);
		printf("acct_mgmt: %d %s\n", rc, pam_strerror(h, rc));
	}
	if (show) {
		item = NULL;
		if (pam_get_item(h, PAM_USER, &item) == PAM_SUCCESS &&
		    item != NULL)
			printf("user: %s\n", (const char *)item);
		else
			printf("user: (none)\n");
	}
out:
	end_rc = pam_end(h, rc);
	if (sc.file != NULL)
		fclose(sc.file);
	fflush(stdout);
	return end_rc == PAM_SUCCESS ? rc : end_rc;
}
