/* SPDX-License-Identifier: MIT */
/*
 * Logging for the daemon and the CLI: syslog authpriv, or stderr in the
 * foreground.  Never give it a secret.  Functions log once, at the caller
 * that decides (common/ code logs at debug only).
 */
#ifndef UA_LOG_H
#define UA_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

/* to_stderr: foreground (-f) or CLI; otherwise syslog(LOG_AUTHPRIV). */
void ua_log_open(const char *ident, bool to_stderr);
/* Messages above maxprio (e.g. LOG_DEBUG when maxprio is LOG_INFO) are dropped.
 */
void ua_log_set_level(int maxprio);
/*
 * While on, messages at LOG_ERR and worse go to stderr as well as syslog:
 * a daemon started in the background says why it could not start even
 * where no syslog daemon runs (containers, minimal boxes).
 */
void ua_log_errors_to_stderr(bool on);
void ua_log(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Log with errno set to -r (so %m names it) and return r (< 0). */
int ua_log_errno(int prio, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Quote a user-supplied value for a key=value audit line into out: wraps it
 * in single quotes, escapes quotes, backslashes and non-printables as \xNN,
 * truncates at outsz.  Returns out.
 */
const char *ua_log_quote(const char *s, char *out, size_t outsz);

#endif
