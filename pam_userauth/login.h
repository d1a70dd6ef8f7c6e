/* SPDX-License-Identifier: MIT */
/*
 * The three conversations the module has with userauthd: a login
 * (INITIATE, then a RESPOND per CHALLENGE until a RESULT), an account
 * check (ACCT) and a session note (SESSION), each on a fresh connection.
 */
#ifndef UAPAM_LOGIN_H
#define UAPAM_LOGIN_H

#include <stdbool.h>
#include <security/pam_modules.h>

#include "pam_userauth/client.h"
#include "pam_userauth/options.h"

/* Most challenges one login may bring (password, code, re-asks, MFA). */
#define UAPAM_MAX_ROUNDS 16

/*
 * An identifier as typed (login name or email): 1..UA_MAX_EMAIL bytes of
 * UTF-8 without control characters (C0, DEL, C1), not starting with '-'
 * or '+'.
 */
bool uapam_valid_identifier(const char *s);

/*
 * Log user in.  Returns an enum uapam_outcome, or -errno (see
 * uapam_status; a daemon sending more than UAPAM_MAX_ROUNDS challenges is
 * -ELOOP).  For UAPAM_OUTCOME_OK, *ret_user is the canonical login the
 * daemon named (malloc'ed, checked with ua_valid_name; the caller frees)
 * or NULL when it named none; it is untouched otherwise.  The socket is
 * closed and every answer wiped before this returns.
 */
int uapam_login(pam_handle_t *pamh, const struct uapam_opts *o, int flags,
    const char *user, char **ret_user);

/*
 * One ACCT or SESSION request for user.  Returns an enum uapam_outcome or
 * -errno.
 */
int uapam_ask(pam_handle_t *pamh, const struct uapam_opts *o, int flags,
    uint16_t type, const char *user);

/*
 * One CHPASS request: the daemon checks old and applies new under the
 * pool's policy.  Its MESSAGE (why not) is shown unless PAM_SILENT.
 * Returns an enum uapam_outcome or -errno.
 */
int uapam_chpass(pam_handle_t *pamh, const struct uapam_opts *o, int flags,
    const char *user, const char *old, const char *new);

#endif
