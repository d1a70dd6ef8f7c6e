/* SPDX-License-Identifier: MIT */
/* Other backends' users and groups made to fit beside the store's. */
#ifndef UA_NSSCACHE_MERGE_H
#define UA_NSSCACHE_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "server/cache_writer.h"

/* What a publish left out, for its log line. */
struct nss_merge_stats {
	size_t users, emails, groups;
};

/*
 * u[0..nu): the store's users first (nfirst of them: all kept), then the
 * other backends'.  A later user whose name or uid an earlier one has is
 * left out, a later address another has (or one the alias index cannot
 * hold) is dropped; u is compacted in place, map[old place] = the new
 * one or UINT32_MAX, *ret_nu the users kept.  0 or -ENOMEM.
 */
int nss_merge_users(struct ua_cache_user *u, size_t nu, size_t nfirst,
    uint32_t *map, size_t *ret_nu, struct nss_merge_stats *st);

/*
 * g[0..ng) in the order that wins: a later group whose name or gid an
 * earlier one has is left out; compacted in place.  0 or -ENOMEM.
 */
int nss_merge_groups(struct ua_cache_group *g, size_t ng, size_t *ret_ng,
    struct nss_merge_stats *st);

#endif
