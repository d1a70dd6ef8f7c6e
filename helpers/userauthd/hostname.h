/* SPDX-License-Identifier: MIT */
/*
 * The host's name as the daemon shows it to people: the default TOTP
 * issuer (a pool's totp_issuer unset) and the name in invitation mails.
 * Read once from gethostname(2) at start; never from the environment.
 */
#ifndef UA_HOSTNAME_H
#define UA_HOSTNAME_H

/*
 * Read the host name now (userauthd calls it at start).  A name that is
 * empty, unreadable or not printable ASCII becomes "localhost".  0, or
 * -errno from gethostname (with "localhost" kept).
 */
int hostname_init(void);

/* The name read by hostname_init (which it calls first if need be). */
const char *hostname_get(void);

#endif
