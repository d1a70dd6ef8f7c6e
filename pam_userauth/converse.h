/* SPDX-License-Identifier: MIT */
/*
 * The PAM conversation for one CHALLENGE from the daemon: every text that
 * belongs to a prompt travels in the same conversation call as the prompt
 * (sshd holds lone info messages back), and a password is asked with
 * exactly "Password: " (sudo -S replaces that prompt with its own).
 */
#ifndef UAPAM_CONVERSE_H
#define UAPAM_CONVERSE_H

#include <security/pam_modules.h>

#include "client/proto.h"

/* The prompts, part of the module's interface (pam_userauth(8)). */
#define UAPAM_PROMPT_PASSWORD "Password: "
#define UAPAM_PROMPT_CODE "Code: "
#define UAPAM_PROMPT_TOTP "Verification code: "
#define UAPAM_PROMPT_NEW_PASSWORD "New password: "
#define UAPAM_PROMPT_RETYPE "Retype new password: "
#define UAPAM_PROMPT_CURRENT "Current password: "
#define UAPAM_SELECT_TRIES 3
#define UAPAM_NEWPW_TRIES 3

/*
 * Ask the user for the answer to chal, a CHALLENGE message:
 *   PASSWORD          [INFO unless PAM_SILENT] [MESSAGE] "Password: "
 *   EMAIL_OTP         [INFO, or "A code was sent to DESTINATION."]
 *                     [MESSAGE] "Code: "
 *   SELECT_CHALLENGE  "Sign in with: 1) password 2) a code by email"
 *                     [MESSAGE] "Choice [1/2]: " (echo on; asked again
 *                     up to UAPAM_SELECT_TRIES times on a bad choice)
 *   SOFTWARE_TOKEN_MFA [MESSAGE] "Verification code: "
 *   MFA_SETUP         INFO (the enrolment text: QR, key, URI) [MESSAGE]
 *                     "Verification code: "
 *   NEW_PASSWORD_REQUIRED [INFO] [MESSAGE] "New password: " "Retype new
 *                     password: " (both echo off, one call; asked again
 *                     up to UAPAM_NEWPW_TRIES times when they differ)
 * Returns 0 and *ret_answer, a malloc'ed string the caller wipes with
 * ua_erase_free (for SELECT_CHALLENGE the chosen challenge's name).
 * (For NEW_PASSWORD_REQUIRED, -EDOM when the two never matched.)
 * -ENOTSUP (UAPAM_E_UNKNOWN_CHALLENGE) for a challenge this module does
 * not know, -ECANCELED when the conversation fails, -EOVERFLOW for an
 * answer over UA_MAX_PASSWORD bytes, -EDOM when no valid choice was made,
 * -EBADMSG for a challenge that lacks a field it needs, -ENOMEM.
 */
int uapam_converse(pam_handle_t *pamh, int flags, const struct ua_msg *chal,
    char **ret_answer);

#endif
