/* SPDX-License-Identifier: MIT */
/*
 * The module's arguments (the words after the module path in /etc/pam.d),
 * parsed once per call into struct uapam_opts.  Parsing never touches the
 * PAM handle: the caller logs the reason and returns PAM_SERVICE_ERR.
 */
#ifndef UAPAM_OPTIONS_H
#define UAPAM_OPTIONS_H

#include <stdbool.h>

#include "client/valid.h"

/* sizeof(struct sockaddr_un.sun_path) on Linux. */
#define UAPAM_SOCKET_MAX 108
#define UAPAM_TIMEOUT_DEFAULT 10 /* seconds per request */
#define UAPAM_TIMEOUT_MAX 60

struct uapam_opts {
	char pool[UA_MAX_POOL + 1];
	char socket[UAPAM_SOCKET_MAX]; /* absolute path, NUL-terminated */
	const char *preferred;         /* "PASSWORD", "EMAIL_OTP" or NULL */
	int timeout_ms;                /* per request to the daemon */
	bool debug;                    /* LOG_DEBUG lines */
	bool try_first_pass;           /* answer PASSWORD with PAM_AUTHTOK */
};

/*
 * Parse argc words of argv.  Options: pool=NAME (required), socket=PATH,
 * preferred=password|email_otp, timeout=SECONDS (1..60), debug,
 * try_first_pass.  Each may
 * be given once.  Returns 0 and fills *ret; or -EINVAL with *reterr_arg set
 * to the offending word (NULL when a required option is missing) and
 * *reterr_why to a static English reason.  *ret is written only on
 * success.  reterr_* may be NULL.
 */
int uapam_opts_parse(int argc, const char **argv, struct uapam_opts *ret,
    const char **reterr_arg, const char **reterr_why);

#endif
