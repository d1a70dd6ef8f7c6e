/* SPDX-License-Identifier: MIT */
/*
 * The one-time-code mail: a short plain-text RFC 5322 message built from
 * a pool's mail_from, mail_subject and mail_template.  It must never let
 * a value break out of its header (no CR, LF or control character gets
 * into one) and never leave a copy of the code behind in freed memory.
 */
#ifndef UA_MAILMSG_H
#define UA_MAILMSG_H

#include <time.h>

#include "server/conf.h"

/* The longest message mailmsg_compose makes, in bytes. */
#define MAILMSG_MAX (16 * 1024)

/*
 * Compose the code mail for to (an address as stored: lowercase, checked
 * with ua_valid_email) from pool p at time now: headers Date, From, To,
 * Subject (RFC 2047 encoded when not plain ASCII), Message-ID,
 * MIME-Version, Content-Type text/plain; charset=utf-8,
 * Content-Transfer-Encoding 8bit and Auto-Submitted: auto-generated, then
 * the template with %c = code, %m = valid_seconds in whole minutes (at
 * least 1), %p = the pool's name and %% = '%'.  CRLF line ends throughout.
 *
 * code: 1 to 16 ASCII digits.  On success returns 0, *ret_body is the
 * whole message (NUL-terminated; it holds the code: free it with
 * ua_erase_free) and *ret_message_id the Message-ID with its angle
 * brackets, "<32 hex digits@domain of mail_from>" (caller frees).
 * -EINVAL: p has no mail_from, or to, code, the subject or the template
 * is not acceptable; -EIO: no randomness; -ENOMEM; -EMSGSIZE over
 * MAILMSG_MAX.  Nothing is written to ret_* on failure.
 */
enum mailmsg_kind {
	MAILMSG_CODE,
	MAILMSG_INVITE,
	MAILMSG_TEST,
	MAILMSG_NOTICE
};

int mailmsg_compose(const struct ua_pool_conf *p, const char *to,
    const char *code, unsigned valid_seconds, time_t now, char **ret_body,
    char **ret_message_id);

/*
 * The same for an invitation (user add --invite): the fixed subject
 * "Your invitation" and the invitation text instead of the pool's
 * template: it names the host (hostname.h) and the pool, gives the
 * validity in words ("valid for 3 days"), and speaks of choosing a
 * password only where the pool has passwords.
 */
int mailmsg_compose_invite(const struct ua_pool_conf *p, const char *to,
    const char *code, unsigned valid_seconds, time_t now, char **ret_body,
    char **ret_message_id);

/* A new-login notice: text is its body, with '%' doubled. */
int mailmsg_compose_notice(const struct ua_pool_conf *p, const char *to,
    const char *text, time_t now, char **ret_body, char **ret_message_id);

/* userauthctl mail test's message: no code, the host and pool named. */
int mailmsg_compose_test(const struct ua_pool_conf *p, const char *to,
    time_t now, char **ret_body, char **ret_message_id);

/*
 * The envelope sender of a message made by mailmsg_compose: the address
 * of its From header, copied into out (outsz > UA_MAX_EMAIL).  -EINVAL
 * when the header block holds no single valid From line.
 */
int mailmsg_from(const char *msg, char *out, size_t outsz);

#endif
