/* SPDX-License-Identifier: MIT */
/*
 * One delivery attempt of one queued message: a libcurl SMTP transfer
 * (driven by the mailer's multi handle) or a run of the local sendmail.
 * It must never log or keep the message after the attempt: the copy in
 * struct mailsend_xfer is wiped by mailsend_xfer_free.
 */
#ifndef UA_MAILSEND_H
#define UA_MAILSEND_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/mask.h"
#include "client/valid.h"

/* The [mail] settings the mailer copied at start (secrets included). */
struct mailsend_cfg {
	char *url;
	char *user;		/* NULL: no AUTH */
	char *password;		/* secret; NULL with user */
	char *ca_file;		/* NULL: the system's trust store */
	char *sendmail;		/* set: no SMTP */
	bool tls;		/* require TLS (STARTTLS or smtps) */
	uint32_t retry_max_ms;
};

enum mailsend_outcome {
	MAILSEND_SENT,
	MAILSEND_RETRY,		/* 4xx, no connection, timeout, TLS failure */
	MAILSEND_FAILED,	/* 5xx, or a message we cannot send */
};

/* One message in flight. */
struct mailsend_xfer {
	int64_t id;			/* mail_queue row */
	int64_t expires;		/* epoch seconds */
	int64_t attempts;		/* before this one */
	char pool[UA_MAX_POOL + 1];
	char masked[UA_MASK_EMAIL_MAX];	/* the recipient, for logs */
	char from[UA_MAX_EMAIL + 3];	/* "<address>" */
	char to[UA_MAX_EMAIL + 3];
	char *msg;			/* the whole message: secret */
	size_t len, off;
	CURL *easy;
	struct curl_slist *rcpt;
	char errbuf[CURL_ERROR_SIZE];
};

/*
 * Fill x's envelope from its message (From header) and recipient.
 * -EINVAL when either is not a valid address.
 */
int mailsend_envelope(struct mailsend_xfer *x, const char *recipient);

/*
 * Make x->easy ready for the multi handle.  0, or -EINVAL/-ENOMEM with a
 * reason in err (errsz bytes).
 */
int mailsend_curl_setup(const struct mailsend_cfg *cfg,
    struct mailsend_xfer *x, char *err, size_t errsz);

/*
 * Judge a finished transfer: SENT, FAILED on a 5xx reply, RETRY
 * otherwise; err gets curl's message and the last SMTP reply code
 * (printable ASCII, never a secret).
 */
enum mailsend_outcome mailsend_curl_result(struct mailsend_xfer *x,
    CURLcode rc, char *err, size_t errsz);

/*
 * Pipe x's message to "cfg->sendmail -i -f FROM -t" (no shell, a clean
 * environment, no inherited fds, at most UA_MAIL_ATTEMPT_TIMEOUT seconds,
 * then SIGKILL).  Exit 0 is SENT; EX_TEMPFAIL, EX_UNAVAILABLE, EX_OSERR,
 * EX_IOERR, 127 (could not run), a signal or the timeout are RETRY; any
 * other status FAILED.  Blocks the calling thread.
 */
enum mailsend_outcome mailsend_sendmail(const struct mailsend_cfg *cfg,
    struct mailsend_xfer *x, char *err, size_t errsz);

/* Wipe the message, free the handle.  NULL does nothing. */
void mailsend_xfer_free(struct mailsend_xfer *x);

#endif
