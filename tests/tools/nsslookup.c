/* SPDX-License-Identifier: MIT */
/*
 * Test tool: one long-running process that looks names up through glibc
 * (and so through the NSS module, which keeps its mapping between calls).
 * Reads one name per line on stdin and prints, per line, either
 * "NAME UID GID GECOS" or "NAME - errno=E", flushing after each answer, so
 * a test can replace or damage the cache between lookups.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(void)
{
	char *line = NULL, buf[16384];
	struct passwd pw, *res;
	size_t cap = 0;
	int r;

	while (getline(&line, &cap, stdin) >= 0) {
		line[strcspn(line, "\n")] = '\0';
		res = NULL;
		r = getpwnam_r(line, &pw, buf, sizeof(buf), &res);
		if (res != NULL)
			printf("%s %lu %lu %s\n", line, (unsigned long)pw.pw_uid,
			    (unsigned long)pw.pw_gid, pw.pw_gecos);
		else
			printf("%s - errno=%d\n", line, r);
		if (fflush(stdout) != 0)
			break;
	}
	free(line);
	return 0;
}
