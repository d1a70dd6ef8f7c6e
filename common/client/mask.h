/* SPDX-License-Identifier: MIT */
/*
 * Masking of email addresses for people to read ("a***@e******.com"): in
 * the login prompt and in the admin view of the mail queue.  A masked
 * address lets its owner recognise it and tells others little: the local
 * part's length never shows.
 */
#ifndef UA_MASK_H
#define UA_MASK_H

#include <stddef.h>

/* Room for any masked address of at most UA_MAX_EMAIL bytes, with NUL. */
#define UA_MASK_EMAIL_MAX 260

/*
 * Write email masked into out (outsz bytes): the first character of the
 * local part and "***"; "@"; the first character of the domain, one '*'
 * for every further character up to its last '.', and the last '.' with
 * what follows it unmasked (the top-level domain).  A domain without a
 * '.' keeps only its first character.
 *   alice@example.com      -> a***@e******.com
 *   bob@mail.example.co.uk -> b***@m**************.uk
 * email must be printable ASCII without spaces, at most 254 bytes, with
 * exactly one '@' between a non-empty local part and a non-empty domain.
 * Returns the length written; -EINVAL for anything else (out is then "");
 * -ENAMETOOLONG when out is too small (UA_MASK_EMAIL_MAX always fits).
 * Never logs, never allocates.
 */
int ua_mask_email(const char *email, char *out, size_t outsz);

#endif
