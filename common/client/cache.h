/* SPDX-License-Identifier: MIT */
/*
 * NSS cache reader: validates an image (from memory or a mapped file) and
 * answers passwd/group lookups by copying into the caller's buffer.  Libc
 * only; lookups never allocate, lock or make a syscall, and never trust a
 * byte of the image without a bounds check.
 */
#ifndef UA_CACHE_H
#define UA_CACHE_H

#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "client/cache_format.h"

/*
 * One validated image (a "generation").  The header's tables are copied
 * here at open, so only record contents are read from the image later.
 * Fields below "handle bookkeeping" belong to struct ua_cache_handle.
 */
struct ua_cache {
	const uint8_t *base;
	size_t size;
	uint64_t seed;
	struct ua_cache_table tab[UA_CACHE_NTABLES];
	uint32_t max_probe[UA_CACHE_NINDEXES];
	/* handle bookkeeping */
	unsigned long readers;	/* lookups holding this generation */
	int state;		/* free, current or retired */
	bool mapped;		/* base is our mmap of size bytes */
	bool stale_seen;	/* was stale when opened: ignore the flag */
	dev_t dev;		/* identity of the mapped file */
	ino_t ino;
	off_t st_size;
	struct timespec mtim;
	struct timespec ctim;
};

/*
 * Hash used for the indexes (with the header's seed) and, via
 * ua_cache_checksum, for the file checksum.  Not cryptographic.
 */
uint64_t ua_cache_hash(uint64_t seed, const void *p, size_t n);

/*
 * Checksum of an image of len bytes (len >= header size and a multiple of
 * UA_CACHE_ALIGN, else 0): the hash of the whole image with the flags and
 * checksum fields read as zero.
 */
uint64_t ua_cache_checksum(const void *img, size_t len);

/*
 * Validate len bytes at img and describe them in *ret (img is not copied:
 * it must outlive *ret).  Checks size, magic, version, flags, checksum and
 * that every table lies inside the image.  -EBADMSG on any failure,
 * -EPROTONOSUPPORT for another version.
 */
int ua_cache_open_mem(const void *img, size_t len, struct ua_cache *ret);

/*
 * Open path (no symlink), check it is a regular file not writable by
 * group/other, owned by root or by the owner of its parent directory (which
 * must not be writable by group/other), map it read-only and validate it.
 * The descriptor is closed before returning.  -ENOENT, -EPERM (owner,
 * mode, type), -EBADMSG (content), other -errno from the system.
 */
int ua_cache_map(const char *path, struct ua_cache *ret);

/* Unmap a ua_cache_map result; no-op for ua_cache_open_mem.  NULL ok. */
void ua_cache_unmap(struct ua_cache *c);

/* The image's stale flag (a plain read of the header). */
bool ua_cache_is_stale(const struct ua_cache *c);

/*
 * Lookups.  Strings go into buf (buflen bytes); *ret_* is written only on
 * success.  0, -ENOENT (no such entry, or idx past the end), -ERANGE (buf
 * too small: retry with a bigger one), -EBADMSG (the entry is corrupt).
 * getpwnam also accepts an email alias, matched case-insensitively.
 */
int ua_cache_getpwnam(const struct ua_cache *c, const char *name,
    struct passwd *ret_pw, char *buf, size_t buflen);
int ua_cache_getpwuid(const struct ua_cache *c, uid_t uid,
    struct passwd *ret_pw, char *buf, size_t buflen);
int ua_cache_getpwent(const struct ua_cache *c, size_t idx,
    struct passwd *ret_pw, char *buf, size_t buflen);
int ua_cache_getgrnam(const struct ua_cache *c, const char *name,
    struct group *ret_gr, char *buf, size_t buflen);
int ua_cache_getgrgid(const struct ua_cache *c, gid_t gid,
    struct group *ret_gr, char *buf, size_t buflen);
int ua_cache_getgrent(const struct ua_cache *c, size_t idx,
    struct group *ret_gr, char *buf, size_t buflen);

/*
 * Supplementary gids of user name (or email alias), in gid order: copies
 * at most max of them, starting with the first-th, into gids.  Returns the
 * number copied; *ret_total (may be NULL) gets the length of the whole
 * list.  -ENOENT (no such user), -EBADMSG.
 */
int ua_cache_user_gids(const struct ua_cache *c, const char *name,
    size_t first, gid_t *gids, size_t max, size_t *ret_total);

/*
 * A long-lived reader of the cache at one path, shared by all threads of
 * a process (the NSS module has one, initialised with
 * UA_CACHE_HANDLE_INIT(UA_NSS_CACHE_PATH)).
 *
 * Each published generation is immutable; a lookup pins one with a reader
 * count and a generation is unmapped only once it is no longer current and
 * its count is zero, so no lookup can read unmapped memory.  The fast path
 * reads the current generation's stale flag and the monotonic clock (vDSO)
 * only; at most once a second, or as soon as the flag is set, one thread
 * stat()s the path and reopens if the file changed (inode, size, times).
 * A refused or missing file means no answers (fail closed) until a good
 * one appears; opening is retried at most once a second.
 */
#define UA_CACHE_GENERATIONS 4

struct ua_cache_handle {
	const char *path;
	struct ua_cache *cur;		/* atomic */
	uint64_t next_check_ns;		/* atomic: CLOCK_MONOTONIC */
	int last_err;			/* atomic: answer while cur is NULL */
	int lock_pid;			/* atomic: slow path owner, 0 free */
	struct ua_cache gen[UA_CACHE_GENERATIONS];
};

#define UA_CACHE_HANDLE_INIT(p) { .path = (p) }

/*
 * Pin the current generation in *ret for lookups; give it back with
 * ua_cache_release.  -ENOENT (no cache file), -EPERM, -EBADMSG,
 * -EPROTONOSUPPORT (refused file), other -errno.
 */
int ua_cache_acquire(struct ua_cache_handle *h, struct ua_cache **ret);
void ua_cache_release(struct ua_cache *c);

/* Unmap everything (tests, exit): no lookup may run or follow. */
void ua_cache_handle_close(struct ua_cache_handle *h);

#endif
