/* SPDX-License-Identifier: MIT */
/*
 * One delivery attempt of one queued message: a blocking libcurl SMTP
 * transfer on a sender thread's own handle (which keeps its connection to
 * the relay for the next message), or a run of the local sendmail; and the
 * [mail] settings those need, read once at start.  It must never log or
 * keep the message after the attempt (struct mailsend_xfer is wiped by
 * mailsend_xfer_free), never put a secret into an error, and never wait on
 * a relay or a child without a deadline.
 */
#ifndef UA_MAILSEND_H
#define UA_MAILSEND_H

#include <curl/curl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "client/mask.h"
#include "client/valid.h"
#include "server/conf.h"

/* A kept connection idle this long is not used again but closed. */
#define MAILSEND_IDLE_SECONDS 10

/* The [mail] settings the mailer copied at start (secrets included). */
struct mailsend_cfg {
	char *url;
	char *user;     /* NULL: no AUTH */
	char *password; /* secret; NULL with user */
	char *ca_file;  /* NULL: the system's trust store */
	char *sendmail; /* set: no SMTP */
	bool tls;       /* require TLS (STARTTLS or smtps) */
	uint32_t retry_max_ms;
	const atomic_bool *stop; /* set: abandon attempts in flight */
};

enum mailsend_outcome {
	MAILSEND_SENT,
	MAILSEND_RETRY,     /* 4xx, no connection, timeout, TLS failure */
	MAILSEND_FAILED,    /* 5xx, or a message we cannot send */
	MAILSEND_ABANDONED, /* *cfg->stop: not tried to the end */
};

/* One message in flight. */
struct mailsend_xfer {
	int64_t id;       /* mail_queue row */
	int64_t attempts; /* before this one */
	char pool[UA_MAX_POOL + 1];
	char masked[UA_MASK_EMAIL_MAX]; /* the recipient, for logs */
	char from[UA_MAX_EMAIL + 3];    /* "<address>" */
	char to[UA_MAX_EMAIL + 3];
	char *msg; /* the whole message: secret */
	size_t len, off;
	struct curl_slist *rcpt;
	char errbuf[CURL_ERROR_SIZE];
};

/*
 * As root before dropping privileges (and before other threads start):
 * initialise libcurl and read [mail] smtp_password_file, which must be a
 * regular file (no symlink) owned by root or daemon_uid with no permission
 * for group or others.  mailsend_cfg_init then takes what was read here.
 * 0, or -errno after logging why.
 */
int mailsend_prepare(const struct ua_conf *c, uid_t daemon_uid);

/*
 * Copy c's [mail] settings into *cfg (zeroed by the caller), initialising
 * libcurl unless mailsend_prepare did; check smtp_ca_file is readable and
 * sendmail executable; read the password file unless mailsend_prepare
 * did.  0, or -errno after logging why; mailsend_cfg_free either way.
 */
int mailsend_cfg_init(const struct ua_conf *c, struct mailsend_cfg *cfg);

/* Free and wipe what mailsend_cfg_init made. */
void mailsend_cfg_free(struct mailsend_cfg *cfg);

/*
 * Fill x's envelope from its message (From header) and recipient.
 * -EINVAL when either is not a valid address.
 */
int mailsend_envelope(struct mailsend_xfer *x, const char *recipient);

/*
 * A sender thread's SMTP client: one libcurl handle whose connection to
 * the relay stays open between messages (libcurl does not use one that
 * the relay closed, nor one idle for MAILSEND_IDLE_SECONDS).  Used by one
 * thread at a time.
 */
struct mailsend_smtp;

/* A new client, or NULL (ENOMEM). */
struct mailsend_smtp *mailsend_smtp_new(void);

/*
 * Close the kept connection (QUIT, waiting at most the reply timeout) and
 * free.  NULL does nothing.
 */
void mailsend_smtp_free(struct mailsend_smtp *s);

/* True when s keeps a connection idle since MAILSEND_IDLE_SECONDS. */
bool mailsend_smtp_stale(const struct mailsend_smtp *s);

/*
 * Send x through s, blocking this thread for at most
 * UA_MAIL_ATTEMPT_TIMEOUT seconds (connect and greeting
 * UA_MAIL_CONNECT_TIMEOUT, each reply UA_MAIL_RESPONSE_TIMEOUT).  When a
 * kept connection turns out closed or dead before any of the message went
 * out, the message goes once more on a new connection within the same
 * time.  SENT only after the relay's 2xx to the end of DATA; FAILED on a
 * 5xx; RETRY otherwise; ABANDONED when *cfg->stop was set.  err gets
 * curl's message and the last SMTP reply code (printable ASCII, never a
 * secret).
 */
enum mailsend_outcome mailsend_smtp_send(struct mailsend_smtp *s,
    const struct mailsend_cfg *cfg, struct mailsend_xfer *x, char *err,
    size_t errsz);

/*
 * Pipe x's message to "cfg->sendmail -i -f FROM -t" (no shell, a clean
 * environment, no inherited fds, at most UA_MAIL_ATTEMPT_TIMEOUT seconds,
 * then SIGKILL).  Exit 0 is SENT; EX_TEMPFAIL, EX_UNAVAILABLE, EX_OSERR,
 * EX_IOERR, 127 (could not run), a signal or the timeout are RETRY; any
 * other status FAILED; ABANDONED (child killed) when *cfg->stop was set.
 * Blocks the calling thread.
 */
enum mailsend_outcome mailsend_sendmail(const struct mailsend_cfg *cfg,
    struct mailsend_xfer *x, char *err, size_t errsz);

/* Wipe the message, free the envelope.  NULL does nothing. */
void mailsend_xfer_free(struct mailsend_xfer *x);

#endif
