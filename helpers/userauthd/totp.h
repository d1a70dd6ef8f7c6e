/* SPDX-License-Identifier: MIT */
/*
 * TOTP (RFC 6238) for staff MFA, on liboath: secrets from the kernel's
 * CSPRNG, base32 for people and authenticator apps, the otpauth:// URI,
 * and verification within +-1 step that checks every step of the window
 * (no early exit) and refuses a step at or before the last accepted one
 * (SECURITY.md S12).  Time is always an argument: there is no clock
 * override anywhere, tests pass explicit times.
 */
#ifndef UA_TOTP_H
#define UA_TOTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "server/conf.h"

#define TOTP_SECRET_LEN 20 /* 160 bits */
#define TOTP_BASE32_MAX 64 /* base32 of a secret, with NUL */
#define TOTP_WINDOW 1      /* steps either side */

struct totp_params {
	unsigned digits; /* 6 or 8 */
	unsigned period; /* seconds */
	enum ua_totp_alg alg;
};

/* The pool's parameters. */
void totp_params_of(const struct ua_pool_conf *pc, struct totp_params *ret);

/*
 * The issuer apps show for the pool's keys: its totp_issuer, or when
 * unset the host name read at start (hostname.h), never the pool's name.
 */
const char *totp_issuer(const struct ua_pool_conf *pc);

/* A new secret from getrandom(2): 0 or -errno. */
int totp_new_secret(uint8_t secret[TOTP_SECRET_LEN]);

/* Base32 (RFC 4648, no padding) of len bytes into out: 0 or -ENOSPC. */
int totp_base32(const uint8_t *secret, size_t len, char *out, size_t outsz);

/* The code for time t into out (digits + 1 bytes): 0 or -EINVAL. */
int totp_code(const uint8_t *secret, size_t len, const struct totp_params *p,
    time_t t, char *out, size_t outsz);

/*
 * Check code at time now.  Every step in [step(now) - 1, step(now) + 1] is
 * computed and compared in constant time.  A match at a step <= last_step
 * (a replay, or an older code after a newer one; last_step < 0: none yet)
 * is refused.  Returns 0 and *ret_step, -EACCES (no match or a refused
 * step: the same answer), -EINVAL for a code that is not exactly
 * p->digits digits.
 */
int totp_verify(const uint8_t *secret, size_t len, const struct totp_params *p,
    time_t now, const char *code, int64_t last_step, int64_t *ret_step);

/*
 * otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=...&algorithm=...
 * &digits=...&period=... with ISSUER and ACCOUNT percent-encoded.
 * Returns a malloc'ed string, or NULL.
 */
char *totp_uri(const char *issuer, const char *account, const char *base32,
    const struct totp_params *p);

/*
 * What MFA_SETUP shows: a QR code of the otpauth URI, the key and the URI
 * A malloc'ed string (wipe it), or NULL.
 */
char *totp_setup_text(const char *issuer, const char *account,
    const char *base32, const struct totp_params *p);

#endif
