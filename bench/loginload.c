/* SPDX-License-Identifier: MIT */
/*
 * Concurrent logins through libpam for bench/mail.sh and bench/load.sh.
 * Each login runs in its own process, as sshd runs PAM in one process per
 * connection: pam_start_confdir, pam_authenticate, pam_acct_mgmt, pam_end.
 * A password login answers its password.  An OTP login waits for its code
 * to arrive in the SMTP sink's Maildir and answers it; this process (the
 * parent) reads the Maildir once for everybody, through inotify, and hands
 * each code to its worker through a futex in shared memory, so that 250
 * waiting workers do not each rescan the directory.
 *
 * usage: loginload -C DIR -s SERVICE [-M MAILDIR] [-S STAMPS | -D] [-c CONC]
 *                  [-t SECS] [-o RECORDS] SPECFILE
 *   SPECFILE   one login a line: "USER pw PASSWORD" or "USER otp RCPT"
 *   -c CONC    logins started together (a barrier), in waves of CONC;
 *              default: all of them in one wave
 *   -M MAILDIR the sink's Maildir (needed for otp logins)
 *   -S STAMPS  the sink's --stamp file ("RCPT EPOCH_NS PEER" a line): the
 *              mail latency is its stamp minus the moment the worker got
 *              the EMAIL_OTP challenge (CLOCK_REALTIME, same machine)
 *   -D         no stamps: the mail latency ends when this process sees the
 *              message in MAILDIR/new (inotify; CLOCK_REALTIME), for a
 *              server that stamps nothing finer than a second (Postfix).
 *              Delivery comes after acceptance, so this is an upper bound
 *              of "accepted"; the SMTP connections are not counted.
 *              The recipient is the message's X-RcptTo (the aiosmtpd
 *              sink) or X-Original-To (Postfix's virtual agent) header.
 *   -t SECS    how long a worker waits for its mail (default 60)
 *   -o FILE    one line per login: USER KIND AUTH_RC ACCT_RC LATENCY_MS
 *              ISSUED_MS (challenge seen, since the release; -1: none)
 *              MAIL_MS (stamp - issued; 0: none) ERROR
 *
 * Latency of a login: from the release of its wave (every worker has its
 * PAM handle and waits at the barrier) to the end of pam_acct_mgmt.  Waiting
 * for a CPU is part of it: that is what a user connecting at that moment
 * waits for too.  Prints one line of key=value figures on stdout; every
 * failed login is named on stderr and counted in errors=.  Exit status 1
 * when any login failed, 2 when the run could not be made.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <security/pam_appl.h>

#define MAX_LOGINS 20000
#define HUNG_GRACE_S 60 /* beyond the mail wait: the daemon's own limits */

enum kind { KIND_PW, KIND_OTP };

enum err {
	E_NONE,
	E_START,   /* pam_start_confdir failed */
	E_PROMPT,  /* a prompt this kind of login should not see */
	E_NOMAIL,  /* no code arrived in time */
	E_REASKED, /* the code was asked for again (refused) */
	E_AUTH,    /* pam_authenticate failed */
	E_ACCT,    /* pam_acct_mgmt failed */
	E_HUNG,    /* killed after the wave's deadline */
	E_CRASH,   /* the worker died */
	E_BUSY,    /* refused at once as busy: counted apart, not an error */
};

static const char *const err_names[] = {
	"ok",
	"pam_start",
	"unexpected_prompt",
	"no_mail",
	"code_reasked",
	"auth",
	"acct",
	"hung",
	"crash",
	"busy",
};

/* One login; lives in a shared mapping, written by its worker. */
struct slot {
	char user[64];
	char secret[256]; /* password, or the recipient */
	enum kind kind;
	int wave;
	pid_t pid;
	uint32_t code_ready; /* futex word: set by the parent */
	char code[16];
	int ndup;                 /* further mails to this recipient */
	int64_t t0_mono, t0_real; /* release of the wave */
	int64_t issued_real;      /* EMAIL_OTP challenge seen (realtime) */
	int64_t seen_real; /* its code read from the Maildir (realtime) */
	int64_t end_mono;
	int64_t mail_ns; /* stamp - issued_real, once known */
	int auth_rc, acct_rc;
	bool saw_busy; /* the daemon's "busy" text was shown */
	enum err err;
	char errtext[320];
	bool done;
};

static struct slot *slots;
static size_t nslots;
static int wait_s = 60;

static int64_t
now_ns(clockid_t c)
{
	struct timespec ts;

	(void)clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void set_err(struct slot *s, enum err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_err(struct slot *s, enum err e, const char *fmt, ...)
{
	va_list ap;

	if (s->err != E_NONE)
		return; /* the first cause is the one that matters */
	s->err = e;
	va_start(ap, fmt);
	(void)vsnprintf(s->errtext, sizeof(s->errtext), fmt, ap);
	va_end(ap);
}

/* Wait for the parent to hand over the code; false after wait_s. */
static bool
wait_code(struct slot *s)
{
	int64_t end = now_ns(CLOCK_MONOTONIC) + (int64_t)wait_s * 1000000000;

	while (__atomic_load_n(&s->code_ready, __ATOMIC_ACQUIRE) == 0) {
		int64_t left = end - now_ns(CLOCK_MONOTONIC);
		struct timespec ts;

		if (left <= 0)
			return false;
		ts.tv_sec = left / 1000000000;
		ts.tv_nsec = left % 1000000000;
		/* Not FUTEX_PRIVATE: the word is shared between processes. */
		(void)syscall(SYS_futex, &s->code_ready, FUTEX_WAIT, 0, &ts,
		    NULL, 0);
	}
	return true;
}

static const char *
answer_for(struct slot *s, const struct pam_message *m, const char *shown)
{
	bool code_prompt = strcmp(m->msg, "Code: ") == 0;

	if (s->kind == KIND_PW) {
		if (strcmp(m->msg, "Password: ") == 0 && s->issued_real == 0) {
			s->issued_real = -1; /* asked once */
			return s->secret;
		}
		set_err(s, E_PROMPT, "password login asked %s", m->msg);
		return NULL;
	}
	if (!code_prompt) {
		set_err(s, E_PROMPT, "otp login asked %s", m->msg);
		return NULL;
	}
	if (s->issued_real != 0) {
		set_err(s, E_REASKED, "code asked again: %s", shown);
		return NULL;
	}
	s->issued_real = now_ns(CLOCK_REALTIME);
	if (!wait_code(s)) {
		set_err(s, E_NOMAIL, "no mail to %s in time", s->secret);
		return NULL;
	}
	return s->code;
}

static int
conv(int n, const struct pam_message **msg, struct pam_response **ret,
    void *data)
{
	struct slot *s = data;
	struct pam_response *r;
	const char *shown = "";
	int i;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_ERROR_MSG) {
			shown = msg[i]->msg;
			if (strstr(shown, "service is busy") != NULL)
				s->saw_busy = true;
		}
	for (i = 0; i < n; i++) {
		const char *a;

		if (msg[i]->msg_style != PAM_PROMPT_ECHO_ON &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_OFF)
			continue;
		a = answer_for(s, msg[i], shown);
		if (a == NULL || (r[i].resp = strdup(a)) == NULL) {
			for (i = 0; i < n; i++)
				free(r[i].resp);
			free(r);
			return PAM_CONV_ERR;
		}
	}
	*ret = r;
	return PAM_SUCCESS;
}

/* libpam's failure delay is not slept: it would only measure itself. */
static void
no_delay(int status, unsigned usec, void *data)
{
	(void)status;
	(void)usec;
	(void)data;
}

static void
worker(struct slot *s, const char *service, const char *confdir, int go,
    int ready)
{
	struct pam_conv pc = { conv, s };
	pam_handle_t *h = NULL;
	char b;
	int rc;

	rc = pam_start_confdir(service, s->user, &pc, confdir, &h);
	if (rc == PAM_SUCCESS)
		rc = pam_set_item(h, PAM_FAIL_DELAY, (const void *)no_delay);
	if (rc != PAM_SUCCESS) {
		set_err(s, E_START, "pam_start_confdir: %s",
		    pam_strerror(h, rc));
	}
	(void)!write(ready, "r", 1);
	close(ready);
	/* The barrier: EOF once the parent closes its end. */
	while (read(go, &b, 1) < 0 && errno == EINTR)
		;
	if (s->err == E_NONE) {
		s->auth_rc = pam_authenticate(h, 0);
		if (s->auth_rc == PAM_AUTHINFO_UNAVAIL && s->saw_busy)
			set_err(s, E_BUSY, "refused as busy");
		else if (s->auth_rc != PAM_SUCCESS)
			set_err(s, E_AUTH, "authenticate: %s",
			    pam_strerror(h, s->auth_rc));
		else {
			s->acct_rc = pam_acct_mgmt(h, 0);
			if (s->acct_rc != PAM_SUCCESS)
				set_err(s, E_ACCT, "acct_mgmt: %s",
				    pam_strerror(h, s->acct_rc));
		}
	}
	s->end_mono = now_ns(CLOCK_MONOTONIC);
	if (h != NULL)
		(void)pam_end(h, s->auth_rc);
	s->done = true;
	_exit(0);
}

/* --- the parent: reading the Maildir -------------------------------------- */

static void
give_code(const char *rcpt, const char *code, int64_t seen)
{
	size_t i;

	for (i = 0; i < nslots; i++) {
		struct slot *s = &slots[i];

		if (s->kind != KIND_OTP || s->pid == 0 ||
		    strcasecmp(s->secret, rcpt) != 0)
			continue;
		if (__atomic_load_n(&s->code_ready, __ATOMIC_ACQUIRE)) {
			s->ndup++;
			return;
		}
		(void)snprintf(s->code, sizeof(s->code), "%s", code);
		s->seen_real = seen;
		__atomic_store_n(&s->code_ready, 1, __ATOMIC_RELEASE);
		(void)syscall(SYS_futex, &s->code_ready, FUTEX_WAKE, 1, NULL,
		    NULL, 0);
		return;
	}
}

/* The recipient header of one stored message and the lone 8-digit run of
 * its body; SEEN is when its inotify event was read. */
static void
read_mail(const char *dir, const char *name, int64_t seen)
{
	char path[PATH_MAX], buf[65536], rcpt[256] = "", code[9] = "";
	char *body, *p, *e;
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	body = strstr(buf, "\n\n");
	if (body == NULL && (body = strstr(buf, "\r\n\r\n")) == NULL)
		return;
	*body++ = '\0';
	for (p = buf; p != NULL; p = (e = strchr(p, '\n')) ? e + 1 : NULL) {
		if (strncasecmp(p, "X-RcptTo:", 9) == 0)
			p += 9;
		else if (strncasecmp(p, "X-Original-To:", 14) == 0)
			p += 14;
		else
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		e = p;
		while (*e != '\0' && *e != '\r' && *e != '\n')
			e++;
		(void)snprintf(rcpt, sizeof(rcpt), "%.*s", (int)(e - p), p);
		break;
	}
	for (p = body; *p != '\0'; p++) {
		size_t k = 0;

		if (!isdigit((unsigned char)*p) ||
		    (p > body && isdigit((unsigned char)p[-1])))
			continue;
		while (isdigit((unsigned char)p[k]))
			k++;
		if (k == 8) {
			memcpy(code, p, 8);
			break;
		}
	}
	if (rcpt[0] != '\0' && code[0] != '\0')
		give_code(rcpt, code, seen);
}

static void
drain_inotify(int ifd, const char *dir)
{
	char buf[16384]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(ifd, buf, sizeof(buf))) > 0) {
		/* Taken before the files are read: every message of this batch
		 * was there by now, and reading them is our cost, not the
		 * server's. */
		int64_t seen = now_ns(CLOCK_REALTIME);
		char *p = buf;

		while (p < buf + n) {
			struct inotify_event *ev = (struct inotify_event *)p;

			if (ev->mask & IN_Q_OVERFLOW)
				fprintf(stderr,
				    "loginload: inotify queue "
				    "overflow: some codes may be missed\n");
			else if (ev->len > 0 && ev->name[0] != '.')
				read_mail(dir, ev->name, seen);
			p += sizeof(*ev) + ev->len;
		}
	}
}

/* --- the parent: waves ------------------------------------------------------
 */

static void
reap(pid_t pid, int status)
{
	size_t i;

	for (i = 0; i < nslots; i++) {
		if (slots[i].pid != pid)
			continue;
		if (!slots[i].done) {
			char why[64];

			(void)snprintf(why, sizeof(why), "%s %d",
			    WIFSIGNALED(status) ? "signal" : "exit",
			    WIFSIGNALED(status) ? WTERMSIG(status)
						: WEXITSTATUS(status));
			set_err(&slots[i],
			    slots[i].err == E_NONE && WIFSIGNALED(status) &&
				    WTERMSIG(status) == SIGKILL
				? E_HUNG
				: E_CRASH,
			    "worker ended: %s", why);
		}
		slots[i].pid = -1;
		return;
	}
}

static int
run_wave(size_t first, size_t count, int wave, const char *service,
    const char *confdir, int ifd, const char *newdir)
{
	int go[2], ready[2];
	size_t i, left = count, got = 0;
	int64_t deadline;
	char b[256];

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0) {
		perror("loginload: pipe");
		return -1;
	}
	fflush(NULL);
	for (i = first; i < first + count; i++) {
		pid_t pid;

		slots[i].wave = wave;
		pid = fork();
		if (pid < 0) {
			perror("loginload: fork");
			return -1;
		}
		if (pid == 0) {
			close(go[1]);
			close(ready[0]);
			if (ifd >= 0)
				close(ifd);
			worker(&slots[i], service, confdir, go[0], ready[1]);
		}
		slots[i].pid = pid;
	}
	close(go[0]);
	close(ready[1]);
	/* Every worker holds its PAM handle before the wave is released. */
	while (got < count) {
		ssize_t n = read(ready[0], b, sizeof(b));

		if (n <= 0 && errno != EINTR)
			break;
		if (n > 0)
			got += (size_t)n;
	}
	close(ready[0]);
	for (i = first; i < first + count; i++) {
		slots[i].t0_mono = now_ns(CLOCK_MONOTONIC);
		slots[i].t0_real = now_ns(CLOCK_REALTIME);
	}
	close(go[1]);
	deadline = now_ns(CLOCK_MONOTONIC) +
	    (int64_t)(wait_s + HUNG_GRACE_S) * 1000000000;
	while (left > 0) {
		struct pollfd pfd = { ifd, POLLIN, 0 };
		int status;
		pid_t pid;

		if (ifd >= 0 && poll(&pfd, 1, 20) > 0)
			drain_inotify(ifd, newdir);
		else if (ifd < 0)
			(void)poll(NULL, 0, 20);
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			reap(pid, status);
			left--;
		}
		if (now_ns(CLOCK_MONOTONIC) > deadline)
			for (i = first; i < first + count; i++)
				if (slots[i].pid > 0)
					(void)kill(slots[i].pid, SIGKILL);
	}
	return 0;
}

/* --- figures ----------------------------------------------------------------
 */

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest value with at least p of them at or below. */
static double
pct_ms(int64_t *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return -1;
	k = (size_t)(p * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	return (double)v[(k > n ? n : k) - 1] / 1e6;
}

static void
print_stats(const char *pfx, int64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_i64);
	printf(" %sn=%zu", pfx, n);
	if (n == 0)
		return; /* no figure rather than a made-up one */
	printf(" %sp50_ms=%.1f %sp99_ms=%.1f %smax_ms=%.1f", pfx,
	    pct_ms(v, n, 0.50), pfx, pct_ms(v, n, 0.99), pfx,
	    pct_ms(v, n, 1.0));
}

/* Mail latency with -D: when the code was seen in the Maildir. */
static void
seen_figures(int64_t *v, size_t *ret_n, size_t *missing)
{
	size_t i, n = 0;

	*missing = 0;
	for (i = 0; i < nslots; i++) {
		struct slot *s = &slots[i];

		if (s->kind != KIND_OTP || s->issued_real <= 0)
			continue;
		if (s->seen_real <= 0) {
			(*missing)++;
			continue;
		}
		/*
		 * Seen before the login stamped its challenge: the worker was
		 * not scheduled between reading the prompt and the stamp, and
		 * the mail was faster than that: 0.
		 */
		s->mail_ns = v[n++] = s->seen_real > s->issued_real
		    ? s->seen_real - s->issued_real
		    : 0;
	}
	*ret_n = n;
}

/* Mail latency: each OTP login's first stamp at or after its wave. */
static int
mail_figures(const char *stamps, int64_t *v, size_t *ret_n, size_t *missing,
    size_t *ret_conns)
{
	char rcpt[256], peer[128], (*peers)[128] = NULL;
	size_t i, n = 0, npeers = 0;
	long long ns;
	FILE *f;

	for (i = 0; i < nslots; i++)
		if (slots[i].kind == KIND_OTP && slots[i].issued_real > 0)
			v[i] = -1;
	f = fopen(stamps, "re");
	if (f == NULL) {
		perror(stamps);
		return -1;
	}
	peers = calloc(nslots + 1, sizeof(*peers));
	if (peers == NULL) {
		fclose(f);
		return -1;
	}
	while (fscanf(f, "%255s %lld %127s", rcpt, &ns, peer) == 3) {
		bool ours = false;

		for (i = 0; i < nslots; i++) {
			struct slot *s = &slots[i];

			if (s->kind != KIND_OTP || s->issued_real <= 0 ||
			    strcasecmp(s->secret, rcpt) != 0 || ns < s->t0_real)
				continue;
			ours = true;
			if (v[i] == -1)
				s->mail_ns = v[i] = ns - s->issued_real;
		}
		if (!ours)
			continue;
		for (i = 0; i < npeers; i++)
			if (strcmp(peers[i], peer) == 0)
				break;
		if (i == npeers && npeers < nslots + 1)
			(void)snprintf(peers[npeers++], sizeof(*peers), "%s",
			    peer);
	}
	fclose(f);
	free(peers);
	*missing = 0;
	for (i = 0; i < nslots; i++) {
		if (slots[i].kind != KIND_OTP || slots[i].issued_real <= 0)
			continue;
		if (v[i] == -1)
			(*missing)++;
		else
			v[n++] = v[i];
	}
	*ret_n = n;
	*ret_conns = npeers;
	return 0;
}

static int
load_specs(const char *path)
{
	char user[64], kind[8], secret[256];
	FILE *f = fopen(path, "re");

	if (f == NULL) {
		perror(path);
		return -1;
	}
	while (nslots < MAX_LOGINS &&
	    fscanf(f, "%63s %7s %255s", user, kind, secret) == 3) {
		struct slot *s = &slots[nslots++];

		(void)snprintf(s->user, sizeof(s->user), "%s", user);
		(void)snprintf(s->secret, sizeof(s->secret), "%s", secret);
		s->kind = strcmp(kind, "otp") == 0 ? KIND_OTP : KIND_PW;
	}
	fclose(f);
	return nslots > 0 ? 0 : -1;
}

static void
usage(void)
{
	fputs("usage: loginload -C DIR -s SERVICE [-M MAILDIR] "
	      "[-S STAMPS | -D] [-c CONC] [-t SECS] [-o RECORDS] SPECFILE\n",
	    stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *confdir = NULL, *service = NULL, *maildir = NULL;
	const char *stamps = NULL, *records = NULL;
	char newdir[PATH_MAX];
	size_t conc = 0, i, first, nerr = 0, counts[E_BUSY + 1] = { 0 };
	size_t nall = 0, npw = 0, notp = 0, nmail = 0, missing = 0, conns = 0;
	size_t ndup = 0;
	int64_t *all, *pw, *otp, *mail, t_start, t_end;
	int c, ifd = -1, wave = 0;
	bool seen_mode = false;

	while ((c = getopt(argc, argv, "C:s:M:S:Dc:t:o:")) != -1) {
		switch (c) {
		case 'C':
			confdir = optarg;
			break;
		case 's':
			service = optarg;
			break;
		case 'M':
			maildir = optarg;
			break;
		case 'S':
			stamps = optarg;
			break;
		case 'D':
			seen_mode = true;
			break;
		case 'c':
			conc = strtoul(optarg, NULL, 10);
			break;
		case 't':
			wait_s = atoi(optarg) > 0 ? atoi(optarg) : 60;
			break;
		case 'o':
			records = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 || confdir == NULL || service == NULL ||
	    (seen_mode && (stamps != NULL || maildir == NULL)))
		usage();
	slots = mmap(NULL, MAX_LOGINS * sizeof(*slots), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED) {
		perror("loginload: mmap");
		return 2;
	}
	if (load_specs(argv[optind]) < 0) {
		fprintf(stderr, "loginload: no logins in %s\n", argv[optind]);
		return 2;
	}
	if (maildir != NULL) {
		(void)snprintf(newdir, sizeof(newdir), "%s/new", maildir);
		ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		/* Python's Maildir.add links the finished file into new/. */
		if (ifd < 0 ||
		    inotify_add_watch(ifd, newdir, IN_CREATE | IN_MOVED_TO) <
			0) {
			perror(newdir);
			return 2;
		}
	}
	if (conc == 0 || conc > nslots)
		conc = nslots;
	t_start = now_ns(CLOCK_MONOTONIC);
	for (first = 0; first < nslots; first += conc, wave++)
		if (run_wave(first,
			nslots - first < conc ? nslots - first : conc, wave,
			service, confdir, ifd, newdir) < 0)
			return 2;
	t_end = now_ns(CLOCK_MONOTONIC);

	all = calloc(nslots, sizeof(*all));
	pw = calloc(nslots, sizeof(*pw));
	otp = calloc(nslots, sizeof(*otp));
	mail = calloc(nslots, sizeof(*mail));
	if (all == NULL || pw == NULL || otp == NULL || mail == NULL)
		return 2;
	for (i = 0; i < nslots; i++) {
		struct slot *s = &slots[i];
		int64_t lat = s->end_mono - s->t0_mono;

		ndup += (size_t)s->ndup;
		counts[s->err]++;
		if (s->err == E_BUSY)
			continue; /* a clear refusal, reported as busy= */
		if (s->err != E_NONE) {
			nerr++;
			fprintf(stderr, "loginload: %s (%s): %s: %s\n", s->user,
			    s->kind == KIND_OTP ? "otp" : "pw",
			    err_names[s->err], s->errtext);
			continue;
		}
		all[nall++] = lat;
		if (s->kind == KIND_PW)
			pw[npw++] = lat;
		else
			otp[notp++] = lat;
	}
	if (stamps != NULL &&
	    mail_figures(stamps, mail, &nmail, &missing, &conns) < 0)
		return 2;
	if (seen_mode)
		seen_figures(mail, &nmail, &missing);
	if (records != NULL) {
		FILE *f = fopen(records, "we");

		for (i = 0; f != NULL && i < nslots; i++)
			fprintf(f, "%s %s %d %d %.1f %.1f %.1f %s\n",
			    slots[i].user,
			    slots[i].kind == KIND_OTP ? "otp" : "pw",
			    slots[i].auth_rc, slots[i].acct_rc,
			    (double)(slots[i].end_mono - slots[i].t0_mono) /
				1e6,
			    slots[i].issued_real > 0
				? (double)(slots[i].issued_real -
				      slots[i].t0_real) /
				    1e6
				: -1.0,
			    (double)slots[i].mail_ns / 1e6,
			    err_names[slots[i].err]);
		if (f != NULL)
			fclose(f);
	}
	printf("logins=%zu errors=%zu waves=%d wall_ms=%.0f", nslots, nerr,
	    wave, (double)(t_end - t_start) / 1e6);
	for (i = 1; i <= E_CRASH; i++)
		if (counts[i] > 0)
			printf(" err_%s=%zu", err_names[i], counts[i]);
	printf(" busy=%zu", counts[E_BUSY]);
	print_stats("", all, nall);
	print_stats("pw_", pw, npw);
	print_stats("otp_", otp, notp);
	if (stamps != NULL || seen_mode) {
		print_stats("mail_", mail, nmail);
		printf(" mail_missing=%zu", missing);
	}
	if (stamps != NULL)
		printf(" mail_conns=%zu", conns);
	printf(" dup_mails=%zu\n", ndup);
	return nerr > 0 || missing > 0 ? 1 : 0;
}
