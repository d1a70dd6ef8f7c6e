/* SPDX-License-Identifier: MIT */
/*
 * On-disk layout of the NSS cache (doc/PROTOCOL.md, "NSS cache file").  The
 * daemon writes it once and never again except for the stale flag; readers
 * must treat every value in it as hostile and check it before use.
 */
#ifndef UA_CACHE_FORMAT_H
#define UA_CACHE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Integers are in host byte order (the file never leaves the machine); the
 * magic read as a u64 is "UANSSC01" on a little-endian host, so a file
 * from the other byte order is refused.
 */
#define UA_CACHE_MAGIC UINT64_C(0x31304353534e4155)
#define UA_CACHE_VERSION 3
/*
 * Ids below this are the system's own (root, sudo, disk, ...): a cache that
 * names one is refused, so whoever can write the cache cannot grant them.
 */
#define UA_CACHE_MIN_ID 1000u

/* Header flags. */
#define UA_CACHE_F_STALE 0x1u /* a newer file replaced this one */
#define UA_CACHE_F_KNOWN UA_CACHE_F_STALE

/* Limits enforced by the writer and the reader. */
#define UA_CACHE_MAX_SIZE (UINT32_C(1) << 30)    /* whole file, bytes */
#define UA_CACHE_MAX_RECORDS (UINT32_C(1) << 24) /* users, groups each */
#define UA_CACHE_MAX_STR 4096                    /* one string, bytes */
#define UA_CACHE_MAX_EMAIL 254                   /* alias query, bytes */
#define UA_CACHE_MAX_MARKS 4096                  /* id marks (pools) */

/*
 * Email aliases are never stored, only SHA-256(salt || address) of the
 * normalised address (surrounding ASCII white space trimmed, ASCII
 * letters lowercased), with a random salt per file in the header.
 */
#define UA_CACHE_SALT_LEN 16
#define UA_CACHE_DIGEST_LEN 32
#define UA_CACHE_ALIGN 8 /* tables and file size */

/*
 * Integrity in blocks: the file is cut at multiples of the block size and
 * the block sums table (at the end of the file) holds one sum per block of
 * the data area, so a reader can verify only the blocks a lookup reads.
 * 64 KiB is the kernel's fault-around window: verifying a block touches
 * the pages the first read of it would map anyway.  Files up to the eager
 * limit are verified whole at open (a corrupt one is refused there); a
 * bigger file is verified block by block on first use.
 */
#define UA_CACHE_BLOCK_SHIFT 16
#define UA_CACHE_BLOCK_SIZE (UINT32_C(1) << UA_CACHE_BLOCK_SHIFT)
#define UA_CACHE_EAGER_MAX (UINT32_C(1) << 20) /* bytes */

/* A table: off bytes from the start of the file, count elements. */
struct ua_cache_table {
	uint32_t off;
	uint32_t count;
};

enum ua_cache_table_id {
	UA_CACHE_T_USERS,         /* struct ua_cache_user_rec, sorted by uid */
	UA_CACHE_T_GROUPS,        /* struct ua_cache_group_rec, sorted by gid */
	UA_CACHE_T_MEMBERS,       /* uint32_t user record index */
	UA_CACHE_T_GIDS,          /* uint32_t gid (per-user initgroups lists) */
	UA_CACHE_T_STRINGS,       /* bytes: the string pool */
	UA_CACHE_T_MARKS,         /* struct ua_cache_mark_rec, one per pool */
	UA_CACHE_T_IDX_USER_NAME, /* struct ua_cache_slot ... */
	UA_CACHE_T_IDX_USER_EMAIL,
	UA_CACHE_T_IDX_USER_UID,
	UA_CACHE_T_IDX_GROUP_NAME,
	UA_CACHE_T_IDX_GROUP_GID,
	UA_CACHE_NTABLES
};

#define UA_CACHE_T_FIRST_INDEX UA_CACHE_T_IDX_USER_NAME
#define UA_CACHE_NINDEXES (UA_CACHE_NTABLES - UA_CACHE_T_FIRST_INDEX)

struct ua_cache_header {
	uint64_t magic;    /* UA_CACHE_MAGIC */
	uint32_t version;  /* UA_CACHE_VERSION */
	uint32_t flags;    /* UA_CACHE_F_*; outside the checksum */
	uint64_t size;     /* whole file, a multiple of 8 */
	uint64_t checksum; /* ua_cache_checksum(): header and sums */
	uint64_t seed;     /* index hash seed, random per file */
	uint64_t created;  /* CLOCK_REALTIME seconds; informational */
	uint8_t email_salt[UA_CACHE_SALT_LEN]; /* random per file */
	struct ua_cache_table tables[UA_CACHE_NTABLES];
	uint32_t max_probe[UA_CACHE_NINDEXES]; /* longest probes */
	uint32_t block_size;                   /* UA_CACHE_BLOCK_SIZE */
	/*
	 * u64 block sums, ending the file: off is also the end of the data
	 * area [header, off), count is ceil(off / block_size).
	 */
	struct ua_cache_table sums;
};

/* A string in the pool: len bytes at pool + off (NUL follows, unread). */
struct ua_cache_str {
	uint32_t off;
	uint32_t len;
};

struct ua_cache_user_rec {
	uint32_t uid;
	uint32_t gid;
	struct ua_cache_str name;
	/* SHA-256(salt || address); zero when the user has no alias */
	uint8_t email_digest[UA_CACHE_DIGEST_LEN];
	struct ua_cache_str gecos;
	struct ua_cache_str home;
	struct ua_cache_str shell;
	uint32_t gids_first; /* into UA_CACHE_T_GIDS */
	uint32_t ngids;
};

struct ua_cache_group_rec {
	uint32_t gid;
	uint32_t nmembers;
	struct ua_cache_str name;
	uint32_t members_first; /* into UA_CACHE_T_MEMBERS */
	uint32_t reserved;      /* zero */
};

/*
 * The daemon's id high-water marks: every uid below uid_next and every gid
 * below gid_next may have been handed out by the pool, now or earlier
 * (users since deleted included).  The NSS module never reads them; the
 * daemon reads them back at start so that a database lost or replaced
 * cannot make it hand out an id again.
 */
struct ua_cache_mark_rec {
	struct ua_cache_str pool; /* the pool's name */
	uint32_t uid_next;
	uint32_t gid_next;
};

/*
 * Open addressing, linear probing, slot count a power of two (0 for an
 * empty index).  The search starts at hash & (count - 1); hash holds the
 * key hash's upper 32 bits; ref is record index + 1, 0 marks an empty slot
 * (end of the chain).  No key needs more than max_probe slots.
 */
struct ua_cache_slot {
	uint32_t hash;
	uint32_t ref;
};

_Static_assert(offsetof(struct ua_cache_header, flags) == 12, "flags");
_Static_assert(offsetof(struct ua_cache_header, checksum) == 24, "sum");
_Static_assert(offsetof(struct ua_cache_header, email_salt) == 48, "salt");
_Static_assert(offsetof(struct ua_cache_header, sums) == 176, "sums");
_Static_assert(sizeof(struct ua_cache_header) == 184, "header size");
_Static_assert(UA_CACHE_EAGER_MAX % UA_CACHE_BLOCK_SIZE == 0, "eager");
_Static_assert(sizeof(struct ua_cache_user_rec) == 80, "user size");
_Static_assert(sizeof(struct ua_cache_mark_rec) == 16, "mark size");
_Static_assert(sizeof(struct ua_cache_group_rec) == 24, "group size");
_Static_assert(sizeof(struct ua_cache_slot) == 8, "slot size");

#endif
