/* SPDX-License-Identifier: MIT */
/*
 * The daemon's secret key: 32 random bytes in state_dir/daemon.key (0600),
 * made at first start.  It keys the MACs of one-time codes and of login
 * identifiers, so a stolen database alone reveals neither.
 */
#ifndef UA_KEYS_H
#define UA_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define KEYS_LEN 32
#define KEYS_MAC_LEN 32

struct keys {
	uint8_t key[KEYS_LEN];
};

/*
 * Build OpenSSL's algorithms for the whole process, once at start, before
 * anything else fetches one (keys.c says why); 0, or -EIO when the MAC
 * below cannot be made at all.
 */
int keys_crypto_init(void);

/* Load state_dir/daemon.key, creating it when missing. */
int keys_load(const char *state_dir, struct keys *ret);

/* HMAC-SHA-256(key, label || 0x00 || data) into out. */
int keys_mac(const struct keys *k, const char *label, const void *data,
    size_t len, uint8_t out[KEYS_MAC_LEN]);

/*
 * The keyed MAC of a login identifier as limits and throttling count it
 * (S4): trimmed of blanks and ASCII-lowercased, so case variants of one
 * address are one identifier.  ident is at most 254 bytes.
 */
int keys_ident_mac(const struct keys *k, const char *ident,
    uint8_t out[KEYS_MAC_LEN]);

#endif
