/* SPDX-License-Identifier: MIT */
/*
 * Writes the NSS cache file (format: common/client/cache_format.h and
 * doc/PROTOCOL.md) from plain arrays: tmp file O_EXCL 0644, fsync, rename,
 * fsync of the dir, then the old file's header is marked stale so readers
 * that still map it reopen.  Contains no secrets, and no email address:
 * only a salted digest of each.
 */
#ifndef UA_CACHE_WRITER_H
#define UA_CACHE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "client/cache.h"

struct ua_cache_user {
	const char *name;  /* login name */
	const char *email; /* alias for getpwnam (any case); may be NULL */
	const char *gecos; /* may be "" */
	const char *home;
	const char *shell;
	uint32_t uid;
	uint32_t gid; /* primary group */
};

struct ua_cache_group {
	const char *name;
	uint32_t gid;
	const uint32_t *members; /* indexes into the users array */
	size_t nmembers;
};

/* Everything one image holds; the marks are the daemon's (may be none). */
struct ua_cache_input {
	const struct ua_cache_user *users;
	size_t nusers;
	const struct ua_cache_group *groups;
	size_t ngroups;
	const struct ua_cache_mark *marks; /* one per pool, names unique */
	size_t nmarks;
};

/*
 * Build the cache image in memory (for tests and fuzz seeds).  *ret is
 * malloc'ed; -EINVAL for an out-of-range member index or a duplicate
 * name/email/uid/gid/mark pool, -EMSGSIZE past the format's limits,
 * -ENOMEM, or getrandom's error.
 */
int ua_cache_build_input(const struct ua_cache_input *in, uint8_t **ret,
    size_t *ret_len);

/* Build and publish atomically at path (see above). */
int ua_cache_write_input(const char *path, const struct ua_cache_input *in);

/* The same without marks. */
int ua_cache_build(const struct ua_cache_user *users, size_t nusers,
    const struct ua_cache_group *groups, size_t ngroups, uint8_t **ret,
    size_t *ret_len);
int ua_cache_write(const char *path, const struct ua_cache_user *users,
    size_t nusers, const struct ua_cache_group *groups, size_t ngroups);

#endif
