/* SPDX-License-Identifier: MIT */
/*
 * Benchmark pools without the daemon:
 *   mkpool USERS GROUPS CACHE PASSWD GROUPFILE
 * Users u1..uUSERS (uid = gid = 400000 + i), groups g1..gGROUPS (gid =
 * 300000 + j); u1 is in 20 of the groups, every other user in one.
 * Writes the NSS cache with ua_cache_write (timed: the rebuild figure)
 * and the same users appended to PASSWD and GROUPFILE (copies of the
 * system files made by the caller) for nss_files.  Prints
 * "cache_write_ms MS bytes SIZE".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "server/cache_writer.h"

static double
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	size_t nu, ng, i, j, k;
	struct ua_cache_user *u;
	struct ua_cache_group *g;
	uint32_t **mem;
	size_t *nmem;
	char *strs;
	FILE *pf, *gf;
	struct stat st;
	double t0, t1;
	int r;

	if (argc != 6)
		return 2;
	nu = strtoul(argv[1], NULL, 10);
	ng = strtoul(argv[2], NULL, 10);
	u = calloc(nu, sizeof(*u));
	g = calloc(nu + ng, sizeof(*g));
	strs = malloc(nu * 64 + ng * 24);
	mem = calloc(ng, sizeof(*mem));
	nmem = calloc(ng, sizeof(*nmem));
	if (!u || !g || !strs || !mem || !nmem)
		return 1;
	for (i = 0; i < nu; i++) {
		char *s = strs + i * 64;

		(void)snprintf(s, 24, "u%zu", i + 1);
		(void)snprintf(s + 24, 40, "u%zu@example.com", i + 1);
		u[i] = (struct ua_cache_user){ s, s + 24, "", "/nonexistent",
			"/bin/sh", (uint32_t)(400001 + i),
			(uint32_t)(400001 + i) };
		g[i] = (struct ua_cache_group){ s, (uint32_t)(400001 + i), NULL,
			0 };
	}
	for (j = 0; j < ng; j++) {
		mem[j] = calloc(nu / ng + 3, sizeof(uint32_t));
		if (mem[j] == NULL)
			return 1;
	}
	for (i = 0; i < nu; i++) {
		size_t times = i == 0 ? (ng < 20 ? ng : 20) : (ng ? 1 : 0);

		for (k = 0; k < times; k++) {
			j = i == 0 ? k * (ng / 20 ? ng / 20 : 1) : i % ng;
			if (nmem[j] < nu / ng + 2)
				mem[j][nmem[j]++] = (uint32_t)i;
		}
	}
	for (j = 0; j < ng; j++) {
		char *s = strs + nu * 64 + j * 24;

		(void)snprintf(s, 24, "g%zu", j + 1);
		g[nu + j] = (struct ua_cache_group){ s, (uint32_t)(300001 + j),
			mem[j], nmem[j] };
	}
	t0 = now_ms();
	r = ua_cache_write(argv[3], u, nu, g, nu + ng);
	t1 = now_ms();
	if (r < 0) {
		(void)fprintf(stderr, "mkpool: ua_cache_write: %s\n",
		    strerror(-r));
		return 1;
	}
	pf = fopen(argv[4], "a");
	gf = fopen(argv[5], "a");
	if (pf == NULL || gf == NULL)
		return 1;
	for (i = 0; i < nu; i++) {
		(void)fprintf(pf, "%s:x:%u:%u::/nonexistent:/bin/sh\n",
		    u[i].name, u[i].uid, u[i].gid);
		(void)fprintf(gf, "%s:x:%u:\n", u[i].name, u[i].gid);
	}
	for (j = 0; j < ng; j++) {
		(void)fprintf(gf, "%s:x:%u:", g[nu + j].name, g[nu + j].gid);
		for (k = 0; k < nmem[j]; k++)
			(void)fprintf(gf, "%s%s", k ? "," : "",
			    u[mem[j][k]].name);
		(void)fputc('\n', gf);
	}
	if (fclose(pf) != 0 || fclose(gf) != 0 || stat(argv[3], &st) < 0)
		return 1;
	(void)printf("cache_write_ms %.1f bytes %lld\n", t1 - t0,
	    (long long)st.st_size);
	for (j = 0; j < ng; j++)
		free(mem[j]);
	free(mem);
	free(nmem);
	free(strs);
	free(u);
	free(g);
	return 0;
}
