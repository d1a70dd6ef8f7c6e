/* SPDX-License-Identifier: MIT */
/*
 * Validators: one function per kind of outside value, called once at the
 * boundary.  Each returns 0, or -EINVAL and (when reterr_why is non-NULL)
 * a static English reason fit for an error message.
 */
#ifndef UA_VALID_H
#define UA_VALID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UA_MAX_LOGIN 32 /* login and group names */
#define UA_MAX_POOL 32  /* pool names */
#define UA_MAX_EMAIL 254
#define UA_MAX_GECOS 256     /* display name, bytes */
#define UA_MAX_PATHFIELD 255 /* home, shell */
#define UA_MAX_PASSWORD 1024
#define UA_MIN_PASSWORD_MAX 64 /* we always accept at least this long */
#define UA_OTP_DIGITS 8        /* an emailed (or invitation) code */

/*
 * n bytes at s are well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF,
 * stray continuation bytes or truncated sequences).  U+0000 is well-formed
 * UTF-8: callers that must refuse NUL check for it (ua_valid_password).
 */
bool ua_valid_utf8(const char *s, size_t n);

/*
 * POSIX-portable login or group name: [a-z_][a-z0-9_.-]*, optional final
 * '$', 1..UA_MAX_LOGIN bytes, not all digits, no leading '-' or '+'.
 */
int ua_valid_name(const char *s, const char **reterr_why);

/* Pool name: [a-z][a-z0-9_-]*, 1..UA_MAX_POOL bytes. */
int ua_valid_pool(const char *s, const char **reterr_why);

/*
 * Email as we store it: printable ASCII, no spaces, exactly one '@' with a
 * non-empty local part (<= 64) and a domain with a dot, <= UA_MAX_EMAIL,
 * all lowercase.  Use ua_email_normalize first for user input.
 */
int ua_valid_email(const char *s, const char **reterr_why);

/*
 * Copy in to out (outsz bytes) lowercased (ASCII) and validate it with
 * ua_valid_email.  -ENAMETOOLONG / -EINVAL.
 */
int ua_email_normalize(const char *in, char *out, size_t outsz,
    const char **reterr_why);

/* Display name (GECOS): valid UTF-8, <= UA_MAX_GECOS, no control chars, no ':'.
 */
int ua_valid_gecos(const char *s, const char **reterr_why);

/* Home or shell: absolute path, <= UA_MAX_PATHFIELD, UTF-8, no control chars,
 * no ':'. */
int ua_valid_path_field(const char *s, const char **reterr_why);

/*
 * Password as typed: 1..UA_MAX_PASSWORD bytes, valid UTF-8, no NUL (the
 * length is given, so an embedded NUL is caught).
 */
int ua_valid_password(const char *s, size_t n, const char **reterr_why);

/*
 * An emailed code as typed: exactly UA_OTP_DIGITS ASCII digits, nothing
 * else (no spaces, no sign).  Anything else is no answer to a code at all.
 */
int ua_valid_otp(const char *s, const char **reterr_why);

/*
 * Parse a decimal unsigned integer in [min, max]: digits only, no sign,
 * no spaces, no leading zeros except "0".  -EINVAL / -ERANGE.
 */
int ua_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *ret);

/*
 * snprintf that reports truncation: returns the length written, or
 * -ENAMETOOLONG when it did not fit (out still NUL-terminated), -EINVAL.
 */
int ua_snprintf(char *out, size_t outsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
