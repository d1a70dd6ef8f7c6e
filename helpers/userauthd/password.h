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
/*
 * 1 when password matches hash, 0 when not (a "*" or "!" lock matches
 * nothing), -EIO when libcrypt could not compute it (out of memory, a
 * hash it cannot read): no verdict, which must not count as a wrong
 * password.
 */
int password_verify(const char *password, const char *hash);

#endif
