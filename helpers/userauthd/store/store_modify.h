/* SPDX-License-Identifier: MIT */
/*
 * user.modify in the store: a user's email, display name, home or shell
 * changed in one transaction; the login, uid, gid and pool stay.
 */
#ifndef UA_STORE_MODIFY_H
#define UA_STORE_MODIFY_H

#include <jansson.h>

#include "userauthd/store/store.h"

struct store_user_mod {
	const char *pool; /* the user must be in it */
	const char *user; /* login or email */
	const char *email, *display_name, *home, *shell; /* NULL: keep */
};

/*
 * Apply m: every field is checked first (as user.add checks it) and at
 * least one must be given; a new email must belong to no other user.
 * Nothing changes unless all of it does.  0 and *ret (the user as
 * user.show has it), or < 0 and err.
 */
int store_user_modify(struct store *s, const struct store_user_mod *m,
    json_t **ret, struct store_err *err);

#endif
