/* SPDX-License-Identifier: MIT */
/*
 * The module's side of the public socket: a checked connection to the
 * daemon, requests built from PAM items, one call per request with the
 * configured deadline, and the one mapping of errors to PAM return values.
 */
#ifndef UAPAM_CLIENT_H
#define UAPAM_CLIENT_H

#include <security/pam_modules.h>

#include "client/proto.h"
#include "pam_userauth/options.h"

/* Connect deadline (SECURITY.md S24). */
#define UAPAM_CONNECT_MS 1000

/* What a RESULT says (doc/PROTOCOL.md OUTCOME). */
enum uapam_outcome {
	UAPAM_OUTCOME_OK,
	UAPAM_OUTCOME_FAIL,
	UAPAM_OUTCOME_DENIED,
	UAPAM_OUTCOME_UNAVAILABLE,
};

/*
 * Module-side verdicts that travel as negative errno values up to
 * uapam_status(): they are not transport errors.
 */
#define UAPAM_E_UNKNOWN_CHALLENGE ENOTSUP /* -> PAM_AUTH_ERR */
#define UAPAM_E_CONV ECANCELED            /* -> PAM_CONV_ERR */
#define UAPAM_E_ANSWER_TOO_LONG EOVERFLOW /* -> PAM_AUTH_ERR */
#define UAPAM_E_BAD_CHOICE EDOM           /* -> PAM_AUTH_ERR */

/*
 * Connect to o->socket and make sure root is listening (SECURITY.md S15):
 * the socket's directory must not be writable by group or others, the
 * socket file must be owned by root, and the listener's SO_PEERCRED uid
 * must be 0 (userauthd binds and listens as root, then drops privileges;
 * the kernel keeps the credentials of listen()).  Returns 0 and an
 * O_CLOEXEC fd above 2 the caller closes; -ENOENT, -ECONNREFUSED,
 * -ETIMEDOUT, -EPERM, -errno.
 */
int uapam_connect(const struct uapam_opts *o, int *ret_fd);

/*
 * A new request of type (INITIATE, ACCT or SESSION) carrying POOL, USER,
 * SERVICE and the PAM items the type has (doc/PROTOCOL.md); empty items are
 * left out.  On failure *ret is cleared.  -ENOMEM, -EMSGSIZE, -EINVAL.
 */
int uapam_request(pam_handle_t *pamh, const struct uapam_opts *o, uint16_t type,
    const char *user, struct ua_msg *ret);

/*
 * Send req and read the reply within o->timeout_ms each way.  The reply
 * must be of type want or RESULT, else -EBADMSG.  On success the caller
 * clears *ret (ua_msg_clear); on failure it holds nothing.
 */
int uapam_call(int fd, const struct uapam_opts *o, const struct ua_msg *req,
    uint16_t want, struct ua_msg *ret);

/* The OUTCOME of a RESULT (enum uapam_outcome), or -EBADMSG. */
int uapam_outcome(const struct ua_msg *result);

/* A negative errno from this module or libua_client as a PAM value. */
int uapam_status(int r);

#endif
