/* SPDX-License-Identifier: MIT */
/*
 * Times lookups through glibc (so through whatever nsswitch.conf names):
 *   nssbench OP COUNT N REPS
 * OP: pwnam, pwuid, grnam, grouplist (user u1), or enum (one getpwent pass).
 * OP mem (N, REPS ignored) instead looks up one user, uCOUNT, and prints
 * "mem RSS_KIB PSS_KIB MOD_KIB": what the process gained by that first
 * lookup in VmRSS and Pss, and the resident size of the NSS modules' own
 * mappings (libnss_*.so*, anything under /var/cache) afterwards.
 * Keys are random among COUNT users u1..uCOUNT (uid = UID_BASE + i, env
 * BENCH_UID_BASE, default 400000); grnam asks for their private groups.  Prints
 * "OP median_ns min_ns max_ns" per lookup over REPS runs of N lookups;
 * exits 1 if any lookup fails (a failing benchmark measures nothing).
 */
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Whole /proc file into buf with read(2): stdio would malloc a buffer
 * between the two samples and count itself in the figure.
 */
static size_t
slurp(const char *path, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	while (n + 1 < len && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)r;
	(void)close(fd);
	buf[n] = '\0';
	return n;
}

/* The kB value of the first line starting with key, or -1. */
static long
field_kib(const char *text, const char *key)
{
	const char *p = text;
	size_t k = strlen(key);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, k) == 0)
			return strtol(p + k, NULL, 10);
		p = strchr(p, '\n');
		p = p != NULL ? p + 1 : NULL;
	}
	return -1;
}

/* Sum of Rss over the mappings of NSS modules and cache files. */
static long
module_kib(const char *smaps)
{
	const char *line = smaps, *end;
	bool ours = false;
	long kib = 0;

	for (; *line != '\0'; line = *end != '\0' ? end + 1 : end) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		/* field lines are "Name: value"; mapping lines start in hex */
		if (strncmp(line, "Rss:", 4) == 0) {
			if (ours)
				kib += strtol(line + 4, NULL, 10);
		} else if (memchr(line, '-', (size_t)(end - line)) != NULL &&
		    strchr("0123456789abcdef", line[0]) != NULL) {
			const char *m = memchr(line, '/', (size_t)(end - line));
			size_t len = m != NULL ? (size_t)(end - m) : 0;

			ours = m != NULL &&
			    ((memmem(m, len, "/libnss_", 8)) ||
				(len > 11 &&
				    memcmp(m, "/var/cache/", 11) == 0));
		}
	}
	return kib;
}

static int
mem_op(unsigned long count)
{
	static char before[4096], after[4096], smaps[1 << 20];
	static char buf[1 << 16];
	long rss0, rss1, pss0, pss1;
	struct passwd pw, *pr = NULL;
	char name[24];

	(void)snprintf(name, sizeof(name), "u%lu", count);
	/* touch the buffers first: their pages are not the lookup's */
	(void)slurp("/proc/self/status", after, sizeof(after));
	(void)slurp("/proc/self/smaps_rollup", smaps, sizeof(smaps));
	memset(buf, 0, sizeof(buf));
	(void)slurp("/proc/self/status", before, sizeof(before));
	(void)slurp("/proc/self/smaps_rollup", smaps, sizeof(smaps));
	rss0 = field_kib(before, "VmRSS:");
	pss0 = field_kib(smaps, "Pss:");
	if (getpwnam_r(name, &pw, buf, sizeof(buf), &pr) != 0 || pr == NULL) {
		(void)fprintf(stderr, "nssbench: mem: no user %s\n", name);
		return 1;
	}
	(void)slurp("/proc/self/status", after, sizeof(after));
	(void)slurp("/proc/self/smaps_rollup", smaps, sizeof(smaps));
	rss1 = field_kib(after, "VmRSS:");
	pss1 = field_kib(smaps, "Pss:");
	(void)slurp("/proc/self/smaps", smaps, sizeof(smaps));
	if (rss0 < 0 || rss1 < 0 || pss0 < 0 || pss1 < 0)
		return 1;
	(void)printf("mem %ld %ld %ld\n", rss1 - rss0, pss1 - pss0,
	    module_kib(smaps));
	return 0;
}

int
main(int argc, char **argv)
{
	const char *op, *base_s = getenv("BENCH_UID_BASE");
	unsigned long count, n, reps, i, r, fails = 0;
	unsigned long base = base_s ? strtoul(base_s, NULL, 10) : 400000;
	static char buf[1 << 16];
	char(*names)[24];
	unsigned *ids;
	double *t;

	if (argc != 5) {
		(void)fprintf(stderr, "usage: nssbench OP COUNT N REPS\n");
		return 2;
	}
	op = argv[1];
	count = strtoul(argv[2], NULL, 10);
	n = strtoul(argv[3], NULL, 10);
	reps = strtoul(argv[4], NULL, 10);
	if (count == 0 || n == 0 || reps == 0)
		return 2;
	if (strcmp(op, "mem") == 0)
		return mem_op(count);
	names = calloc(n, sizeof(*names));
	ids = calloc(n, sizeof(*ids));
	t = calloc(reps, sizeof(*t));
	if (names == NULL || ids == NULL || t == NULL)
		return 1;
	srandom(42);
	for (i = 0; i < n; i++) {
		unsigned long k = 1 + (unsigned long)random() % count;

		/* grnam: the users' private groups (COUNT of them). */
		(void)snprintf(names[i], sizeof(names[i]), "u%lu", k);
		ids[i] = (unsigned)(base + k);
	}
	for (r = 0; r < reps; r++) {
		double t0 = now_ns();

		for (i = 0; i < n; i++) {
			struct passwd pw, *pr = NULL;
			struct group gr, *gp = NULL;

			if (strcmp(op, "pwnam") == 0) {
				if (getpwnam_r(names[i], &pw, buf, sizeof(buf),
					&pr) != 0 ||
				    pr == NULL)
					fails++;
			} else if (strcmp(op, "pwuid") == 0) {
				if (getpwuid_r(ids[i], &pw, buf, sizeof(buf),
					&pr) != 0 ||
				    pr == NULL)
					fails++;
			} else if (strcmp(op, "grnam") == 0) {
				if (getgrnam_r(names[i], &gr, buf, sizeof(buf),
					&gp) != 0 ||
				    gp == NULL)
					fails++;
			} else if (strcmp(op, "grouplist") == 0) {
				gid_t g[256];
				int ng = 256;

				if (getgrouplist("u1", (gid_t)(base + 1), g,
					&ng) < 0)
					fails++;
			} else if (strcmp(op, "enum") == 0) {
				unsigned long seen = 0;

				setpwent();
				while (getpwent() != NULL)
					seen++;
				endpwent();
				if (seen < count)
					fails++;
			} else
				return 2;
		}
		t[r] = (now_ns() - t0) / (double)n;
	}
	qsort(t, reps, sizeof(*t), cmp_d);
	(void)printf("%s %.0f %.0f %.0f\n", op, t[reps / 2], t[0], t[reps - 1]);
	free(names);
	free(ids);
	free(t);
	if (fails > 0) {
		(void)fprintf(stderr,
		    "nssbench: %lu of %lu %s lookups failed\n", fails, n * reps,
		    op);
		return 1;
	}
	return 0;
}
