/* SPDX-License-Identifier: MIT */
/*
 * Every default and limit of userauth.conf in one place, so that the
 * parser, --dump-config and userauth.conf(5) cannot drift apart.  Only
 * constants live here; nothing in this header may depend on the host.
 */
#ifndef UA_DEFAULTS_H
#define UA_DEFAULTS_H

#include <syslog.h>

/* config.h (forced in by AM_CPPFLAGS) holds the configure-time paths. */
#define UA_DEFAULT_CONFIG	UA_CONFIG_PATH

/* [daemon] */
#define UA_DEFAULT_USER		"userauth"
#define UA_DEFAULT_RUNTIME_DIR	UA_RUNTIME_DIR
#define UA_DEFAULT_STATE_DIR	UA_STATE_DIR
#define UA_DEFAULT_NSS_CACHE	UA_NSS_CACHE_PATH
/* admin_group: none, only root may use the admin socket. */
#define UA_DEFAULT_MAX_CLIENTS	256
#define UA_MIN_MAX_CLIENTS	1
#define UA_MAX_MAX_CLIENTS	65536
#define UA_DEFAULT_CLIENT_TIMEOUT 5	/* seconds; SECURITY.md S24 */
#define UA_MIN_CLIENT_TIMEOUT	1
#define UA_MAX_CLIENT_TIMEOUT	60
#define UA_DEFAULT_LOG_LEVEL	LOG_INFO

/* Pool keys ([defaults], then the built-in values below). */
#define UA_DEFAULT_BACKEND	UA_BACKEND_LOCAL
/*
 * One pool can use these as they are; a second pool must set its own
 * ranges (the parser refuses two pools that both inherit them).  Above
 * the login.defs UID_MAX (60000), below systemd's container ranges.
 */
#define UA_DEFAULT_UID_MIN	200000
#define UA_DEFAULT_UID_MAX	299999
#define UA_DEFAULT_GID_MIN	300000
#define UA_DEFAULT_GID_MAX	399999
#define UA_DEFAULT_HOME		"/home/%u"
#define UA_DEFAULT_SHELL	"/bin/bash"

/* Every uid_* and gid_* value lies in [UA_ID_MIN, UA_ID_MAX]. */
#define UA_ID_MIN		1000		/* system accounts live below */
#define UA_ID_MAX		2147483647	/* fits a signed 32-bit id */
/* No range may contain these: nobody/nogroup and (uid_t)-1 as 16 bit. */
#define UA_ID_NOBODY		65534
#define UA_ID_16BIT_INVALID	65535

#endif
