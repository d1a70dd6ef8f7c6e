/* SPDX-License-Identifier: MIT */
/*
 * Times lookups through glibc (so through whatever nsswitch.conf names):
 *   nssbench OP COUNT N REPS
 * OP: pwnam, pwuid, grnam, grouplist (user u1), or enum (one getpwent pass).
 * Keys are random among COUNT users u1..uCOUNT (uid = UID_BASE + i, env
 * BENCH_UID_BASE, default 400000); grnam asks for their private groups.  Prints
 * "OP median_ns min_ns max_ns" per lookup over REPS runs of N lookups;
 * exits 1 if any lookup fails (a failing benchmark measures nothing).
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

int
main(int argc, char **argv)
{
	const char *op, *base_s = getenv("BENCH_UID_BASE");
	unsigned long count, n, reps, i, r, fails = 0;
	unsigned long base = base_s ? strtoul(base_s, NULL, 10) : 400000;
	static char buf[1 << 16];
	char (*names)[24];
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
					&pr) != 0 || pr == NULL)
					fails++;
			} else if (strcmp(op, "pwuid") == 0) {
				if (getpwuid_r(ids[i], &pw, buf, sizeof(buf),
					&pr) != 0 || pr == NULL)
					fails++;
			} else if (strcmp(op, "grnam") == 0) {
				if (getgrnam_r(names[i], &gr, buf, sizeof(buf),
					&gp) != 0 || gp == NULL)
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
	(void)printf("%s %.0f %.0f %.0f\n", op, t[reps / 2], t[0],
	    t[reps - 1]);
	free(names);
	free(ids);
	free(t);
	if (fails > 0) {
		(void)fprintf(stderr, "nssbench: %lu of %lu %s lookups failed\n",
		    fails, n * reps, op);
		return 1;
	}
	return 0;
}
