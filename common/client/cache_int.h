/* SPDX-License-Identifier: MIT */
/*
 * Shared by the cache reader's two files (cache.c: open and verification;
 * cache_lookup.c: lookups).  Nothing outside common/client includes it.
 */
#ifndef UA_CACHE_INT_H
#define UA_CACHE_INT_H

#include <errno.h>

#include "client/cache.h"

/*
 * Blocks of a lazily verified image holding [off, off + len): hash the
 * ones not verified yet.  0, or -EBADMSG (the range leaves the data area,
 * or a block failed its sum: the image is marked bad).
 */
int ua_cache_verify_blocks(const struct ua_cache *c, size_t off, size_t len);

/*
 * Make sure the blocks holding image bytes [off, off + len) have matched
 * their sums before any of those bytes is used.  Every read of the image
 * after open goes through here; an image verified whole at open costs a
 * test.
 */
static inline int
ua_cache_verify(const struct ua_cache *c, size_t off, size_t len)
{
	if (c->lazy == NULL || len == 0)
		return 0;
	return ua_cache_verify_blocks(c, off, len);
}

/*
 * Checked by every lookup first: once any block failed, even answers from
 * verified blocks (or a "not found") are withheld, as if the file had been
 * refused at open.
 */
static inline int
ua_cache_usable(const struct ua_cache *c)
{
	if (c->lazy != NULL &&
	    __atomic_load_n(&c->lazy->bad, __ATOMIC_RELAXED) != 0)
		return -EBADMSG;
	return 0;
}

#endif
