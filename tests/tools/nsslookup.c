/* SPDX-License-Identifier: MIT */
/*
 * Test tool for the NSS module.
 *
 *   nsslookup
 *	One long-running process looking names up through glibc (and so
 *	through the module, which keeps its mapping between calls).  Reads
 *	one name per line on stdin and prints "NAME UID GID GECOS" or
 *	"NAME - errno=E", flushing after each, so a test can replace or
 *	damage the cache between lookups.
 *   nsslookup -p MODULE NAME BUFLEN
 *	Calls the module's getpwnam_r directly (dlopen) with a BUFLEN-byte
 *	buffer and prints "status=S errno=E [name]".
 *   nsslookup -g MODULE USER PRIMARY LIMIT
 *	Calls initgroups_dyn directly, starting from glibc's usual array
 *	{PRIMARY} of size 1, and prints "status=S size=N gids=G,...".
 */
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum nss_status getpwnam_fn(const char *, struct passwd *, char *,
    size_t, int *);
typedef enum nss_status initgroups_fn(const char *, gid_t, long int *,
    long int *, gid_t **, long int, int *);

static void *
sym(const char *module, const char *name)
{
	void *h = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	void *f = h != NULL ? dlsym(h, name) : NULL;

	if (f == NULL) {
		(void)fprintf(stderr, "nsslookup: %s: %s\n", module, dlerror());
		exit(1);
	}
	return f;
}

static int
direct_getpwnam(const char *module, const char *name, const char *len)
{
	getpwnam_fn *fn =
	    (getpwnam_fn *)sym(module, "_nss_userauth_getpwnam_r");
	size_t buflen = strtoul(len, NULL, 10);
	char *buf = malloc(buflen > 0 ? buflen : 1);
	struct passwd pw;
	enum nss_status st;
	int err = 0;

	if (buf == NULL)
		return 1;
	st = fn(name, &pw, buf, buflen, &err);
	printf("status=%d errno=%d", (int)st, err);
	if (st == NSS_STATUS_SUCCESS)
		printf(" %s", pw.pw_name);
	printf("\n");
	free(buf);
	return 0;
}

static int
direct_initgroups(const char *module, const char *user, const char *primary,
    const char *limit)
{
	initgroups_fn *fn =
	    (initgroups_fn *)sym(module, "_nss_userauth_initgroups_dyn");
	long int start = 1, size = 1, i;
	gid_t *groups = malloc(sizeof(gid_t));
	enum nss_status st;
	int err = 0;

	if (groups == NULL)
		return 1;
	groups[0] = (gid_t)strtoul(primary, NULL, 10);
	st = fn(user, groups[0], &start, &size, &groups,
	    strtol(limit, NULL, 10), &err);
	printf("status=%d size=%ld gids=", (int)st, size);
	for (i = 0; i < start; i++)
		printf("%s%lu", i > 0 ? "," : "", (unsigned long)groups[i]);
	printf("\n");
	free(groups);
	return 0;
}

int
main(int argc, char **argv)
{
	char *line = NULL, buf[16384];
	struct passwd pw, *res;
	size_t cap = 0;
	int r;

	if (argc == 5 && strcmp(argv[1], "-p") == 0)
		return direct_getpwnam(argv[2], argv[3], argv[4]);
	if (argc == 6 && strcmp(argv[1], "-g") == 0)
		return direct_initgroups(argv[2], argv[3], argv[4], argv[5]);
	while (getline(&line, &cap, stdin) >= 0) {
		line[strcspn(line, "\n")] = '\0';
		res = NULL;
		r = getpwnam_r(line, &pw, buf, sizeof(buf), &res);
		if (res != NULL)
			printf("%s %lu %lu %s\n", line,
			    (unsigned long)pw.pw_uid, (unsigned long)pw.pw_gid,
			    pw.pw_gecos);
		else
			printf("%s - errno=%d\n", line, r);
		if (fflush(stdout) != 0)
			break;
	}
	free(line);
	return 0;
}
