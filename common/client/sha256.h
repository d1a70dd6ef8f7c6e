/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 (FIPS 180-4) for code that may link nothing but libc: the NSS
 * cache's email-alias digests, computed the same way by the daemon's
 * writer and by the NSS module.  Not for keys or passwords (the daemon
 * uses OpenSSL for those); no secret is ever hashed here.
 */
#ifndef UA_SHA256_H
#define UA_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UA_SHA256_LEN 32
#define UA_SHA256_BLOCK 64

struct ua_sha256 {
	uint32_t h[8];
	uint64_t total;               /* bytes hashed so far */
	uint8_t buf[UA_SHA256_BLOCK]; /* the partial block */
	size_t used;                  /* bytes in buf */
};

/* Start a digest. */
void ua_sha256_init(struct ua_sha256 *c);

/* Hash n more bytes at p (p may be NULL when n is 0). */
void ua_sha256_update(struct ua_sha256 *c, const void *p, size_t n);

/* Write the 32-byte digest to out; c must be initialised again for reuse. */
void ua_sha256_final(struct ua_sha256 *c, uint8_t out[UA_SHA256_LEN]);

/* The digest of n bytes at p in one call. */
void ua_sha256(const void *p, size_t n, uint8_t out[UA_SHA256_LEN]);

/*
 * Whether two digests are equal, in time that does not depend on where
 * they differ.
 */
bool ua_sha256_equal(const uint8_t a[UA_SHA256_LEN],
    const uint8_t b[UA_SHA256_LEN]);

#endif
