/* SPDX-License-Identifier: MIT */
/*
 * Publishes the NSS cache from the store: every pool user, a private group
 * per user (gid = uid), and every named group with its members.
 */
#ifndef UA_NSSCACHE_H
#define UA_NSSCACHE_H

#include "userauthd/store.h"

/* Snapshot the store and write the cache at path atomically. */
int nsscache_publish(struct store *s, const char *path);

#endif
