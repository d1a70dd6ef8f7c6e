/* SPDX-License-Identifier: MIT */
/*
 * The mail sender: threads of its own, with their own SQLite connection,
 * that deliver the rows of mail_queue (SMTP through libcurl, or the local
 * sendmail), up to MAILER_PARALLEL at once, retry with backoff on the
 * monotonic clock until a code expires, then drop the message.  A stalled
 * relay never delays the event loop (the loop only queues rows, in the
 * transaction that issues the code, and kicks), nor other messages beyond
 * taking one sender while it lasts.  It must never log a message body or a
 * code, and it wipes each body (secure_delete, WAL checkpoint) once the
 * row is done.
 */
#ifndef UA_MAILER_H
#define UA_MAILER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "server/conf.h"
#include "userauthd/store/store.h"

struct mailer;

/* Sender threads: messages in flight at once (SMTP or sendmail). */
#define MAILER_PARALLEL 16
/*
 * A sender thread idle this long ends (what it held goes: the stack pages
 * libcurl and TLS touched, its thread-local state); another starts when
 * mail comes.
 */
#define MAILER_SENDER_IDLE_SECONDS 60
/* mailq.list: rows done this long ago still show; at most this many rows. */
#define MAILER_LIST_DONE_SECONDS 3600
#define MAILER_LIST_MAX 1000

/*
 * Optional, as root before dropping privileges (and before starting other
 * threads): initialise libcurl and read [mail] smtp_password_file, which
 * must be a regular file (no symlink) owned by root or daemon_uid with no
 * permission for group or others (0600, 0400).  mailer_start then uses
 * what was read here instead of reading the file itself.  0, or -errno
 * after logging why.
 */
int mailer_prepare(const struct ua_conf *c, uid_t daemon_uid);

/* What the daemon leaves at the defaults; for the tests.  Zero: default. */
struct mailer_opts {
	int64_t sender_idle_ms; /* MAILER_SENDER_IDLE_SECONDS */
};

/*
 * Start the sender on the database at db_path (made and migrated by
 * store_open before), with o (NULL: the defaults).  The [mail] settings are
 * copied: c may be freed (reloaded) afterwards; [mail] changes take effect at
 * the next start. Checks smtp_ca_file is readable and sendmail executable,
 * reads the password file unless mailer_prepare did.  Rows already queued (from
 * before a restart) are tried at once, whatever next_attempt they hold.
 * 0 and *ret (mailer_stop frees it), or -errno after logging why.
 */
int mailer_start(const struct ua_conf *c, const char *db_path,
    const struct mailer_opts *o, struct mailer **ret);

/*
 * A row was queued (after its transaction committed) or made due: look
 * now rather than at the next one-second tick.  Safe from any thread,
 * never blocks on mail; NULL does nothing.
 */
void mailer_kick(struct mailer *m);

/*
 * Stop the threads (a transfer in flight is abandoned within a second;
 * its row stays queued and is sent after the next start; closing a kept
 * relay connection waits at most the reply timeout) and free everything.
 * NULL does nothing.
 */
void mailer_stop(struct mailer *m);

/* Sender threads running now (0 for NULL). */
size_t mailer_senders(struct mailer *m);

/*
 * Admin op mailq.list, from the event loop's thread: queued rows and rows
 * done in the last MAILER_LIST_DONE_SECONDS, oldest first, as
 * [{"id", "pool", "recipient" (masked), "state", "attempts",
 * "last_error" (or null), "age" (seconds since queued), "expires_in"
 * (seconds, negative once past)}].  0 and *ret, or < 0 and err.
 */
int mailer_list(struct mailer *m, bool full, json_t **ret,
    struct store_err *err);

/*
 * Admin op mailq.flush: make every queued row due now and kick.  *ret is
 * {"queued": rows made due}.  0, or < 0 and err.
 */
int mailer_flush(struct mailer *m, json_t **ret, struct store_err *err);

#endif
