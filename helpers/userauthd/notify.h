/* SPDX-License-Identifier: MIT */
/*
 * Readiness for a service manager: sd_notify(3)'s datagram protocol
 * without libsystemd.  It only ever sends; it never reads the socket and
 * never changes how the daemon runs.
 */
#ifndef UA_NOTIFY_H
#define UA_NOTIFY_H

/*
 * Send state ("READY=1", "STOPPING=1"; newline-separated assignments) as
 * one datagram to the AF_UNIX socket named by $NOTIFY_SOCKET: a path
 * starting with '/', or an abstract name written with a leading '@'.
 * Returns 1 when sent, 0 when NOTIFY_SOCKET is unset or empty (no service
 * manager is listening: nothing to do), -EINVAL for any other name,
 * -ENAMETOOLONG when it does not fit sun_path, -EMSGSIZE for a state
 * over 4 KiB, or the -errno of socket(2) or sendto(2).
 */
int notify_send(const char *state);

#endif
