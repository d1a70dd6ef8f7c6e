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
 * Which blocks of a lazily verified image have been checked.  Allocated at
 * open, never on a lookup; bits are only ever set, with relaxed atomics
 * (a bit publishes no data: the image never changes, so a thread that sees
 * it set reads the same bytes the verifier hashed).
 */
struct ua_cache_lazy {
	uint32_t bad; /* atomic: a block failed: refuse all */
	uint32_t nwords;
	uint32_t bits[]; /* atomic: one per block, set once verified */
};

/*
 * One validated image.  The header's tables are copied here at open, so
 * only record contents (and block sums) are read from the image afterwards.
 */
struct ua_cache {
	const uint8_t *base;
	size_t size;
	uint64_t seed;
	uint8_t email_salt[UA_CACHE_SALT_LEN];
	struct ua_cache_table tab[UA_CACHE_NTABLES];
	uint32_t max_probe[UA_CACHE_NINDEXES];
	uint32_t data_end; /* blocks cover [header, data_end) */
	uint32_t nblocks;
	struct ua_cache_lazy *lazy; /* NULL: all verified at open */
	bool mapped;                /* base is our mmap of size bytes */
};

/*
 * Hash used for the indexes (with the header's seed) and, via
 * ua_cache_checksum, for the file checksum.  Not cryptographic.
 */
uint64_t ua_cache_hash(uint64_t seed, const void *p, size_t n);

/*
 * Checksum of an image of len bytes: the hash of the header, with the
 * flags and checksum fields read as zero, and of the block sums table the
 * header names.  0 if len is below the header size or not a multiple of
 * UA_CACHE_ALIGN, or the table is not exactly at the end of the image.
 */
uint64_t ua_cache_checksum(const void *img, size_t len);

/*
 * Sum of block i of an image whose data area ends at data_end (the
 * caller checked data_end <= the image's length).  The block is the
 * bytes [i * UA_CACHE_BLOCK_SIZE, (i + 1) * UA_CACHE_BLOCK_SIZE) that lie
 * in [header size, data_end); it may be empty.
 */
uint64_t ua_cache_block_sum(const void *img, size_t data_end, size_t i);

/*
 * Fill in the block sums table and then the checksum of an image whose
 * header already names its size, block size and sums table (the writer;
 * tests and the fuzzer, to forge a consistent image).  -EBADMSG if those
 * fields do not describe len bytes.
 */
int ua_cache_seal(void *img, size_t len);

/*
 * Validate len bytes at img and describe them in *ret (img is not copied:
 * it must outlive *ret).  Checks size, magic, version, flags, block
 * layout, checksum and that every table lies inside the data area; an
 * image of at most UA_CACHE_EAGER_MAX bytes has every block verified too.
 * A bigger one gets a bitmap (calloc) and its blocks are verified on first
 * use: a lookup reading a corrupt block fails with -EBADMSG, and so does
 * every lookup on *ret after it.  Release *ret with ua_cache_unmap.
 * -EBADMSG on any failure, -EPROTONOSUPPORT for another version, -ENOMEM.
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

/*
 * Release what ua_cache_open_mem or ua_cache_map set up: the bitmap, and
 * for ua_cache_map the mapping (ua_cache_open_mem's image stays the
 * caller's).  NULL and a released cache are ok.
 */
void ua_cache_unmap(struct ua_cache *c);

/*
 * Tests only (the lazy path has no other observable effect): 1 if lookups
 * have verified block i so far, 0 if not (or i is past the last block), -1
 * when every block was verified at open.
 */
int ua_cache_test_block_verified(const struct ua_cache *c, size_t i);

/* The image's stale flag (a plain read of the header). */
bool ua_cache_is_stale(const struct ua_cache *c);

/*
 * An email address as the alias index keys it: ASCII white space around
 * it trimmed, A-Z lowercased, into out (at least UA_CACHE_MAX_EMAIL
 * bytes, not NUL-terminated).  Returns the length, or -ENOENT when what
 * is left is empty, longer than UA_CACHE_MAX_EMAIL or has no '@' (no
 * alias can be called that).
 */
int ua_cache_email_normalize(const char *addr, size_t n, char *out);

/*
 * The alias key of the n bytes at addr: SHA-256 over salt and the
 * normalised address (ua_cache_email_normalize).  0 or its -ENOENT.
 */
int ua_cache_email_digest(const uint8_t salt[UA_CACHE_SALT_LEN],
    const char *addr, size_t n, uint8_t out[UA_CACHE_DIGEST_LEN]);

/*
 * Lookups.  Strings go into buf (buflen bytes); *ret_* is written only on
 * success.  0, -ENOENT (no such entry, or idx past the end), -ERANGE (buf
 * too small: retry with a bigger one), -EBADMSG (the entry is corrupt, or
 * a block of the image failed its sum, now or in an earlier lookup).
 * getpwnam also accepts an email alias, in any case and with white space
 * around it: the image holds only its digest (ua_cache_email_digest),
 * compared in constant time.
 */
int ua_cache_getpwnam(const struct ua_cache *c, const char *name,
    struct passwd *ret_pw, char *buf, size_t buflen);
int ua_cache_getpwuid(const struct ua_cache *c, uid_t uid,
    struct passwd *ret_pw, char *buf, size_t buflen);
int ua_cache_getpwent(const struct ua_cache *c, size_t idx,
    struct passwd *ret_pw, char *buf, size_t buflen);
int ua_cache_getgrnam(const struct ua_cache *c, const char *name,
    struct group *ret_gr, char *buf, size_t buflen);
int ua_cache_getgrgid(const struct ua_cache *c, gid_t gid, struct group *ret_gr,
    char *buf, size_t buflen);
int ua_cache_getgrent(const struct ua_cache *c, size_t idx,
    struct group *ret_gr, char *buf, size_t buflen);

/*
 * Supplementary gids of user name (or email alias), in gid order: copies
 * at most max of them, starting with the first-th, into gids.  Returns the
 * number copied; *ret_total (may be NULL) gets the length of the whole
 * list.  -ENOENT (no such user), -EBADMSG.
 */
int ua_cache_user_gids(const struct ua_cache *c, const char *name, size_t first,
    gid_t *gids, size_t max, size_t *ret_total);

/* A pool's id high-water marks (cache_format.h, struct ua_cache_mark_rec). */
struct ua_cache_mark {
	const char *pool;
	uint32_t uid_next; /* no uid below it may be handed out again */
	uint32_t gid_next; /* likewise for gids */
};

/*
 * The idx-th mark, its pool name copied into buf: 0, -ENOENT past the
 * last, -ERANGE, -EBADMSG.  For the daemon; the NSS module never asks.
 */
int ua_cache_get_mark(const struct ua_cache *c, size_t idx,
    struct ua_cache_mark *ret, char *buf, size_t buflen);

#endif
