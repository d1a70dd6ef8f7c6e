/* SPDX-License-Identifier: MIT */
/*
 * Corpus replay for `make check`: runs every file of each corpus directory
 * once through the linked LLVMFuzzerTestOneInput and prints one TAP line
 * per directory.  It must stay libc-only and never skip a file silently:
 * a crash or abort in the target kills the run, which the TAP driver
 * reports as an error.
 *
 * Usage: replay_<t> [corpus-dir...].  Without arguments the directory is
 * $top_srcdir/tests/fuzz/corpus/<t>, <t> taken from the program's name
 * (tests/local.mk exports top_srcdir to every test).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a target, as with libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* libFuzzer's default -max_len is far below this; bigger files are errors. */
#define REPLAY_MAX_FILE (1024 * 1024)

/* Read the whole regular file at path: 0, or -errno. */
static int
read_file(const char *path, uint8_t **ret, size_t *ret_len)
{
	struct stat st;
	uint8_t *p = NULL;
	size_t got = 0;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	if (st.st_size > REPLAY_MAX_FILE) {
		r = -EFBIG;
		goto out;
	}
	/* One spare byte so a 0-byte file still has a real pointer. */
	p = malloc((size_t)st.st_size + 1);
	if (p == NULL) {
		r = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, p + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*ret = p;
	*ret_len = got;
	p = NULL;
	r = 0;
out:
	free(p);
	(void)close(fd);
	return r;
}

static int
only_files(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* Replay one directory; prints its TAP line.  Returns 0 if it passed. */
static int
replay_dir(unsigned int num, const char *dir)
{
	struct dirent **ents = NULL;
	char path[PATH_MAX];
	uint8_t *p = NULL;
	size_t len = 0;
	int n, i, r = 0, done = 0;

	n = scandir(dir, &ents, only_files, alphasort);
	if (n < 0) {
		printf("not ok %u - %s: %s\n", num, dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (r == 0) {
			if (snprintf(path, sizeof(path), "%s/%s", dir,
				ents[i]->d_name) >= (int)sizeof(path))
				r = -ENAMETOOLONG;
			else
				r = read_file(path, &p, &len);
			if (r == 0) {
				/* Flush first: the target may crash. */
				(void)fflush(stdout);
				(void)LLVMFuzzerTestOneInput(p, len);
				free(p);
				done++;
			} else
				printf("# %s: %s\n", ents[i]->d_name,
				    strerror(-r));
		}
		free(ents[i]);
	}
	free(ents);
	if (r == 0 && done == 0) {
		printf("not ok %u - %s: empty corpus\n", num, dir);
		return -1;
	}
	printf("%sok %u - %s: %d inputs\n", r == 0 ? "" : "not ", num, dir,
	    done);
	return r == 0 ? 0 : -1;
}

/* $top_srcdir/tests/fuzz/corpus/<t> for a program called [lt-]replay_<t>. */
static int
default_dir(const char *argv0, char *out, size_t outsz)
{
	const char *top = getenv("top_srcdir"), *name;

	name = strrchr(argv0, '/');
	name = name == NULL ? argv0 : name + 1;
	if (strncmp(name, "lt-", 3) == 0)
		name += 3;
	if (strncmp(name, "replay_", 7) != 0 || name[7] == '\0' || top == NULL)
		return -1;
	name += 7;
	if (snprintf(out, outsz, "%s/tests/fuzz/corpus/%.*s", top,
		(int)strcspn(name, "."), name) >= (int)outsz)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	char dir[PATH_MAX];
	int i, failed = 0;

	if (LLVMFuzzerInitialize != NULL)
		(void)LLVMFuzzerInitialize(&argc, &argv);
	if (argc < 2) {
		if (default_dir(argv[0], dir, sizeof(dir)) < 0) {
			printf("Bail out! usage: %s corpus-dir... "
			       "(or set top_srcdir)\n",
			    argv[0]);
			return 2;
		}
		printf("1..1\n");
		failed = replay_dir(1, dir) < 0;
	} else {
		printf("1..%d\n", argc - 1);
		for (i = 1; i < argc; i++)
			failed += replay_dir((unsigned int)i, argv[i]) < 0;
	}
	return failed == 0 ? 0 : 1;
}
