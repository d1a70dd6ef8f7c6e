/* SPDX-License-Identifier: MIT */
/*
 * The libpam driver of the PAM benchmark (bench/pam.sh): full logins
 * (pam_start, pam_authenticate, pam_acct_mgmt, pam_end) timed in worker
 * processes, the resident memory a stack adds to its host, and the time of
 * one password hash.  Any failed login fails the run: a figure must never
 * come from logins that did not happen.
 *
 * usage: pamlogin login DIR SERVICE USER P K   P workers, K logins each
 *        pamlogin mem DIR SERVICE USER         one login, RSS around it
 *        pamlogin crypt COST                   a yescrypt hash at COST
 *        pamlogin hashtime SETTING N           N verifications, timed
 * The password is the first line of standard input (never argv: ps would
 * show it).  DIR is given to pam_start_confdir, as tests/tools/pamconv -C.
 *
 * Output, one line, numbers only (bench/pam.sh parses it):
 *   login:    LOGINS MEDIAN_NS P90_NS MIN_NS MAX_NS WALL_NS
 *   mem:      RSS0 HWM0 RSS1 HWM1 RSS2 HWM2   (KiB; before pam_start,
 *             after pam_acct_mgmt with the modules loaded, after pam_end)
 *   crypt:    the hash
 *   hashtime: MEDIAN_NS MIN_NS MAX_NS
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <security/pam_appl.h>

#define MAX_WORKERS 1024
#define MAX_PER_WORKER 100000
#define MAX_PASSWORD 1024

/*
 * libcrypt is opened only by the hash modes.  Linked in, it would be mapped
 * before pam_start in the memory mode too and hide part of what pam_unix
 * (which needs it) adds to its host.
 */
typedef char *(*crypt_r_fn)(const char *, const char *, void *);
typedef char *(
    *gensalt_fn)(const char *, unsigned long, const char *, int, char *, int);
/* libxcrypt's struct crypt_data is 32 KiB; give it room to spare. */
#define CRYPT_DATA_SIZE (64 * 1024)

static char password[MAX_PASSWORD + 1];

static void
usage(void)
{
	fputs("usage: pamlogin login DIR SERVICE USER P K\n"
	      "       pamlogin mem DIR SERVICE USER\n"
	      "       pamlogin crypt COST\n"
	      "       pamlogin hashtime SETTING N   (password on stdin)\n",
	    stderr);
	exit(2);
}

static long
parse_num(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "pamlogin: bad number '%s' (%ld..%ld)\n", s,
		    min, max);
		exit(2);
	}
	return v;
}

static void
read_password(void)
{
	size_t n;

	if (fgets(password, sizeof(password), stdin) == NULL) {
		fputs("pamlogin: no password on stdin\n", stderr);
		exit(2);
	}
	n = strcspn(password, "\n");
	password[n] = '\0';
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Echo-off prompts get the password; an echo-on prompt is not expected. */
static int
conv(int n, const struct pam_message **msg, struct pam_response **ret,
    void *data)
{
	struct pam_response *r;
	int i;

	(void)data;
	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			goto fail;
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF)
			continue;
		r[i].resp = strdup(password);
		if (r[i].resp == NULL)
			goto fail;
	}
	*ret = r;
	return PAM_SUCCESS;
fail:
	for (i = 0; i < n; i++)
		if (r[i].resp != NULL) {
			explicit_bzero(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	free(r);
	return PAM_CONV_ERR;
}

/*
 * A failed login is an error here, and libpam would otherwise sleep the
 * failure delay pam_unix asks for before reporting it.
 */
static void
no_delay(int status, unsigned usec, void *data)
{
	(void)status;
	(void)usec;
	(void)data;
}

/* One full login; 0 or the PAM code, with the phase that failed. */
static int
one_login(const char *dir, const char *service, const char *user,
    const char **ret_phase)
{
	struct pam_conv pc = { conv, NULL };
	pam_handle_t *h = NULL;
	int rc;

	*ret_phase = "pam_start_confdir";
	rc = pam_start_confdir(service, user, &pc, dir, &h);
	if (rc != PAM_SUCCESS)
		return rc;
	*ret_phase = "pam_set_item";
	rc = pam_set_item(h, PAM_FAIL_DELAY, (const void *)no_delay);
	if (rc == PAM_SUCCESS) {
		*ret_phase = "pam_authenticate";
		rc = pam_authenticate(h, 0);
	}
	if (rc == PAM_SUCCESS) {
		*ret_phase = "pam_acct_mgmt";
		rc = pam_acct_mgmt(h, 0);
	}
	if (pam_end(h, rc) != PAM_SUCCESS && rc == PAM_SUCCESS) {
		*ret_phase = "pam_end";
		rc = PAM_SYSTEM_ERR;
	}
	return rc;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorted v: the median (mean of the middle two) and nearest-rank p90. */
static uint64_t
median_of(const uint64_t *v, size_t n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint64_t
p90_of(const uint64_t *v, size_t n)
{
	size_t k = (n * 9 + 9) / 10;

	return v[k > 0 ? k - 1 : 0];
}

static int
cmd_login(char **argv)
{
	const char *dir = argv[0], *service = argv[1], *user = argv[2];
	long p = parse_num(argv[3], 1, MAX_WORKERS);
	long k = parse_num(argv[4], 1, MAX_PER_WORKER);
	size_t n = (size_t)p * (size_t)k, i;
	uint64_t *lat, t0, wall;
	int go[2], status, failed = 0;
	pid_t *pids;
	long w;

	read_password();
	/* Workers write their latencies straight into shared memory. */
	lat = mmap(NULL, n * sizeof(*lat), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pids = calloc((size_t)p, sizeof(*pids));
	if (lat == MAP_FAILED || pids == NULL || pipe(go) < 0) {
		perror("pamlogin");
		return 1;
	}
	fflush(NULL);
	for (w = 0; w < p; w++) {
		pids[w] = fork();
		if (pids[w] < 0) {
			perror("pamlogin: fork");
			return 1;
		}
		if (pids[w] == 0) {
			const char *phase;
			char c;
			long j;
			int rc;

			/* Start together: wait for the parent to close go[1].
			 */
			close(go[1]);
			if (read(go[0], &c, 1) < 0)
				_exit(1);
			for (j = 0; j < k; j++) {
				uint64_t t = now_ns();

				rc = one_login(dir, service, user, &phase);
				lat[(size_t)w * (size_t)k + (size_t)j] =
				    now_ns() - t;
				if (rc != PAM_SUCCESS) {
					fprintf(stderr,
					    "pamlogin: worker %ld "
					    "login %ld: %s: %d %s\n",
					    w, j, phase, rc,
					    pam_strerror(NULL, rc));
					_exit(1);
				}
			}
			_exit(0);
		}
	}
	close(go[0]);
	t0 = now_ns();
	close(go[1]);
	for (w = 0; w < p; w++) {
		if (waitpid(pids[w], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			failed++;
	}
	wall = now_ns() - t0;
	if (failed) {
		fprintf(stderr, "pamlogin: %d of %ld workers failed\n", failed,
		    p);
		return 1;
	}
	qsort(lat, n, sizeof(*lat), cmp_u64);
	for (i = 0; i < n; i++)
		if (lat[i] == 0) {
			fputs("pamlogin: a login was not recorded\n", stderr);
			return 1;
		}
	printf("%zu %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
	       "\n",
	    n, median_of(lat, n), p90_of(lat, n), lat[0], lat[n - 1], wall);
	free(pids);
	return 0;
}

/* VmRSS and VmHWM of this process, KiB. */
static int
rss(long *ret_rss, long *ret_hwm)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	int found = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0) {
			*ret_rss = strtol(line + 6, NULL, 10);
			found |= 1;
		} else if (strncmp(line, "VmHWM:", 6) == 0) {
			*ret_hwm = strtol(line + 6, NULL, 10);
			found |= 2;
		}
	}
	fclose(f);
	return found == 3 ? 0 : -1;
}

/*
 * The same steps as one_login(), with the RSS read while the modules are
 * still loaded: pam_end unloads them, so "after" alone would miss what
 * they hold during a login.
 */
static int
cmd_mem(char **argv)
{
	struct pam_conv pc = { conv, NULL };
	pam_handle_t *h = NULL;
	long r0, h0, r1, h1, r2, h2;
	int rc;

	read_password();
	if (rss(&r0, &h0) < 0)
		return 1;
	rc = pam_start_confdir(argv[1], argv[2], &pc, argv[0], &h);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "pamlogin: pam_start_confdir: %d\n", rc);
		return 1;
	}
	rc = pam_set_item(h, PAM_FAIL_DELAY, (const void *)no_delay);
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(h, 0);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(h, 0);
	if (rss(&r1, &h1) < 0)
		rc = PAM_SYSTEM_ERR;
	if (pam_end(h, rc) != PAM_SUCCESS || rc != PAM_SUCCESS) {
		fprintf(stderr, "pamlogin: login failed: %d %s\n", rc,
		    pam_strerror(NULL, rc));
		return 1;
	}
	if (rss(&r2, &h2) < 0)
		return 1;
	printf("%ld %ld %ld %ld %ld %ld\n", r0, h0, r1, h1, r2, h2);
	return 0;
}

static void *
libcrypt(void)
{
	void *l = dlopen("libcrypt.so.1", RTLD_NOW | RTLD_LOCAL);

	if (l == NULL) {
		fprintf(stderr, "pamlogin: %s\n", dlerror());
		exit(1);
	}
	return l;
}

static int
cmd_crypt(char **argv)
{
	long cost = parse_num(argv[0], 0, 11);
	char salt[128], *h;
	void *l = libcrypt(), *cd;
	gensalt_fn gensalt;
	crypt_r_fn crypt_r_p;

	read_password();
	gensalt = (gensalt_fn)dlsym(l, "crypt_gensalt_rn");
	crypt_r_p = (crypt_r_fn)dlsym(l, "crypt_r");
	cd = calloc(1, CRYPT_DATA_SIZE);
	if (gensalt == NULL || crypt_r_p == NULL || cd == NULL)
		return 1;
	/* Cost 0 is libxcrypt's default, what Debian uses without a setting. */
	if (gensalt("$y$", (unsigned long)cost, NULL, 0, salt,
		(int)sizeof(salt)) == NULL)
		return 1;
	h = crypt_r_p(password, salt, cd);
	if (h == NULL || h[0] == '*')
		return 1;
	printf("%s\n", h);
	free(cd);
	return 0;
}

/* The work the daemon does for one login: one crypt_r against the hash. */
static int
cmd_hashtime(char **argv)
{
	const char *setting = argv[0];
	long n = parse_num(argv[1], 1, 1000), i;
	void *l = libcrypt(), *cd;
	crypt_r_fn crypt_r_p;
	uint64_t *t;
	char *h;

	read_password();
	crypt_r_p = (crypt_r_fn)dlsym(l, "crypt_r");
	cd = calloc(1, CRYPT_DATA_SIZE);
	t = calloc((size_t)n, sizeof(*t));
	if (crypt_r_p == NULL || cd == NULL || t == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		h = crypt_r_p(password, setting, cd);
		t[i] = now_ns() - t0;
		if (h == NULL || strcmp(h, setting) != 0) {
			fputs("pamlogin: the hash does not verify\n", stderr);
			return 1;
		}
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_u64);
	printf("%" PRIu64 " %" PRIu64 " %" PRIu64 "\n", median_of(t, (size_t)n),
	    t[0], t[n - 1]);
	free(t);
	free(cd);
	return 0;
}

int
main(int argc, char **argv)
{
	int r;

	if (argc == 7 && strcmp(argv[1], "login") == 0)
		r = cmd_login(argv + 2);
	else if (argc == 5 && strcmp(argv[1], "mem") == 0)
		r = cmd_mem(argv + 2);
	else if (argc == 3 && strcmp(argv[1], "crypt") == 0)
		r = cmd_crypt(argv + 2);
	else if (argc == 4 && strcmp(argv[1], "hashtime") == 0)
		r = cmd_hashtime(argv + 2);
	else
		usage();
	explicit_bzero(password, sizeof(password));
	return r;
}
