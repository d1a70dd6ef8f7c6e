/* SPDX-License-Identifier: MIT */
/*
 * Publishes the NSS cache from the store: every pool user, a private group
 * per user (gid = uid), and every named group with its members.
 */
#ifndef UA_NSSCACHE_H
#define UA_NSSCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "userauthd/store/store.h"

/*
 * Users and groups of pools whose users live elsewhere (Cognito), as the
 * sync last saw them: shared, reference-counted, never changed once made.
 * Its groups' members index its own users.
 */
struct nss_extra;

/* Take n's contents (n is left empty): NULL only for -ENOMEM. */
struct nss_extra *nss_extra_new(struct store_nss *n);
/* One extra of several (each a reference taken, none copied). */
struct nss_extra *nss_extra_join(struct nss_extra *const *parts, size_t n);
struct nss_extra *nss_extra_ref(struct nss_extra *x);
void nss_extra_unref(struct nss_extra *x); /* NULL is fine */
const struct store_nss *nss_extra_get(const struct nss_extra *x);

/*
 * Snapshot the store and write the cache at path atomically, with every
 * pool's id counters as its id marks, and extra's users and groups
 * (NULL: none) after the store's.
 */
int nsscache_publish(struct store *s, const char *path,
    const struct nss_extra *extra);

/*
 * The id marks of the cache at path (for store_marks_attach at start):
 * 0 and a malloc'ed array (free with nsscache_marks_free), or the
 * reader's -errno: -ENOENT no file, -EPROTONOSUPPORT an older format
 * (which had none), -EBADMSG, -EPERM.
 */
int nsscache_read_marks(const char *path, struct store_id_mark **ret,
    size_t *ret_n);
void nsscache_marks_free(struct store_id_mark *m, size_t n);

/*
 * The publisher: a thread with its own connection to the database that
 * runs nsscache_publish off the event loop (0.4 s at 100,000 users, 7 s at
 * 1,000,000: the loop must not stop for it).  The loop asks for "a cache
 * at least as new as generation gen" and learns through the fd when a
 * publish ended; requests made meanwhile fold into one more publish.
 */
struct publisher;

int publisher_start(const char *db_path, const char *cache_path,
    struct publisher **ret);
/* What the next publishes add to the store's (a reference is taken). */
void publisher_set_extra(struct publisher *p, struct nss_extra *x);

/* Readable when a publish has ended (success or not). */
int publisher_fd(const struct publisher *p);

/* Publish the database as it is now, standing for generation gen. */
void publisher_request(struct publisher *p, uint64_t gen);

/* After a failed publish: publish again even if nothing changed since. */
void publisher_retry(struct publisher *p, uint64_t gen);

/*
 * After publisher_fd was readable: true when a publish ended since the
 * last call, with the generation it stood for and 0 or the -errno it
 * failed with (-ENOSPC, -EACCES, ...; already logged).
 */
bool publisher_collect(struct publisher *p, uint64_t *ret_gen, int *ret_err);

/* Let a running publish end, stop the thread, close its connection. */
void publisher_stop(struct publisher *p);

#endif
