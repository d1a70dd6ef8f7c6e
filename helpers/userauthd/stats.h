/* SPDX-License-Identifier: MIT */
/*
 * The daemon's small in-memory counters for "userauthctl status": when it
 * started, when the NSS cache was last published, and the logins of the
 * last hour by challenge in a ring of per-minute buckets.  It must never
 * write to disk, block, or hold anything about a user (no names, no
 * secrets): only counts and times.
 */
#ifndef UA_STATS_H
#define UA_STATS_H

#include <jansson.h>

/* Minutes the login counters cover (one bucket each). */
#define STATS_MINUTES 60

/* The daemon starts serving (uptime counts from here). */
void stats_start(void);

/*
 * One audited login decision: challenge is an enum policy_challenge (the
 * one last asked), result the audit word ("ok", "fail", "retry"; others
 * are not counted).
 */
void stats_auth(int challenge, const char *result);

/* The NSS cache was published. */
void stats_published(void);

/*
 * The figures as {"started": epoch, "uptime": s, "nss_published": epoch
 * or null, "nss_age": s or null, "window": s, "logins": [{"challenge",
 * "ok", "fail", "retry"}, ...]} (challenges with no count are left out).
 * Returns a new object, or NULL for ENOMEM.
 */
json_t *stats_json(void);

#endif
