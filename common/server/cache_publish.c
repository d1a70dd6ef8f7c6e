/* SPDX-License-Identifier: MIT */
/*
 * Publishes a built NSS cache image (cache_writer.c builds it): tmp file
 * O_EXCL 0644, fsync, rename, fsync of the directory, then the stale flag
 * in the file it replaced.  It never writes into a published file except
 * for that flag.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/cache.h"
#include "server/cache_writer.h"

/* ---- publishing ---------------------------------------------------------- */

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
fsync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n;
	int fd, r = 0;

	if (slash == NULL) {
		memcpy(dir, ".", 2);
	} else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	(void)close(fd);
	return r;
}

/*
 * The file being replaced, opened before the rename so the stale flag lands
 * in exactly that inode.  -1 when there is none or it is not one of ours.
 */
static int
open_old(const char *path)
{
	struct ua_cache_header hdr;
	struct stat st;
	int fd;

	fd =
	    open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size < (off_t)sizeof(hdr) ||
	    pread(fd, &hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    hdr.magic != UA_CACHE_MAGIC) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* Readers that still map the old file see this and reopen. */
static int
mark_stale(int fd)
{
	const off_t at = (off_t)offsetof(struct ua_cache_header, flags);
	uint32_t flags;
	ssize_t n;

	if (pread(fd, &flags, sizeof(flags), at) != (ssize_t)sizeof(flags))
		return -EIO;
	flags |= UA_CACHE_F_STALE;
	n = pwrite(fd, &flags, sizeof(flags), at);
	if (n < 0)
		return -errno;
	if (n != (ssize_t)sizeof(flags))
		return -EIO;
	if (fsync(fd) < 0)
		return -errno;
	return 0;
}

static int
write_tmp(const char *tmp, const uint8_t *img, size_t len)
{
	int fd, r;

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd < 0 && errno == EEXIST) { /* left by a crash */
		(void)unlink(tmp);
		fd = open(tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	}
	if (fd < 0)
		return -errno;
	r = fchmod(fd, 0644) < 0 ? -errno : 0; /* whatever the umask */
	if (r == 0)
		r = write_all(fd, img, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

int
ua_cache_write_input(const char *path, const struct ua_cache_input *in)
{
	char tmp[PATH_MAX];
	uint8_t *img = NULL;
	size_t len = 0;
	int oldfd = -1, r, n;
	bool created = false;

	r = ua_cache_build_input(in, &img, &len);
	if (r < 0)
		return r;
	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		r = -ENAMETOOLONG;
		goto out;
	}
	created = true;
	r = write_tmp(tmp, img, len);
	if (r < 0)
		goto out;
	oldfd = open_old(path);
	if (rename(tmp, path) < 0) {
		r = -errno;
		goto out;
	}
	created = false;
	r = fsync_dir(path);
	if (r == 0 && oldfd >= 0)
		r = mark_stale(oldfd);
out:
	if (created)
		(void)unlink(tmp);
	if (oldfd >= 0)
		(void)close(oldfd);
	free(img);
	return r;
}

int
ua_cache_write(const char *path, const struct ua_cache_user *users,
    size_t nusers, const struct ua_cache_group *groups, size_t ngroups)
{
	const struct ua_cache_input in = { users, nusers, groups, ngroups, NULL,
		0 };

	return ua_cache_write_input(path, &in);
}
