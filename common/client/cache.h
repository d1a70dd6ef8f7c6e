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
#include <sys/stat.h>
#include <sys/types.h>

#include "client/cache_format.h"

/*
 * One validated image.  The header's tables are copied here at open, so
 * only record contents are read from the image afterwards.
 */
struct ua_cache {
	const uint8_t *base;
	size_t size;
	uint64_t seed;
	struct ua_cache_table tab[UA_CACHE_NTABLES];
	uint32_t max_probe[UA_CACHE_NINDEXES];
	bool mapped;		/* base is our mmap of size bytes */
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
 * The descriptor is closed before returning; *ret_st (may be NULL) gets
 * the file's fstat, to notice later replacement.  -ENOENT, -EPERM (owner,
 * mode, type, symlink), -EBADMSG (content), other -errno.
 */
int ua_cache_map(const char *path, struct ua_cache *ret, struct stat *ret_st);

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

#endif
