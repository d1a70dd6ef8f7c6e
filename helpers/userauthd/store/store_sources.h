/* SPDX-License-Identifier: MIT */
#ifndef UA_STORE_SOURCES_H
#define UA_STORE_SOURCES_H

#include <stdbool.h>
#include <stdint.h>

#include "userauthd/store/store.h"

/*
 * A sign-in of user_id from net at now: recorded, and *ret_new set when
 * the user has signed in before but not from net within window seconds
 * (their very first sign-in is no news).  0, or < 0 and err.
 */
int store_login_source(struct store *s, int64_t user_id, const char *net,
    int64_t now, int64_t window, bool *ret_new, struct store_err *err);

#endif
