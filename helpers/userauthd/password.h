/* SPDX-License-Identifier: MIT */
/*
 * Password hashes: making one (yescrypt, libcrypt's "$y$" with its
 * default cost) and checking a password against one in constant time.
 * Both take tens of milliseconds: call them on the worker threads
 * (pool/pwjob.c), not on the event loop.
 */
#ifndef UA_USERAUTHD_PASSWORD_H
#define UA_USERAUTHD_PASSWORD_H

#include <stdbool.h>

/* A new hash of password in *ret (free with ua_erase_free): 0, -EINVAL
 * when libcrypt refuses it, -ENOMEM. */
int password_hash(const char *password, char **ret);
/* Whether password matches hash; false for a hash libcrypt cannot
 * read (a "*" or "!" lock, an unknown method) and on any failure. */
bool password_verify(const char *password, const char *hash);

#endif
