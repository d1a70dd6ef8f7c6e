/* SPDX-License-Identifier: MIT */
/*
 * Secret wiping helpers.  Every buffer that held a password, code, key or
 * hash dies through one of these; never through memset or _pam_overwrite,
 * which optimisers may delete (see STYLE.md 2.3).
 */
#ifndef UA_WIPE_H
#define UA_WIPE_H

#include <stddef.h>

/* Overwrite n bytes at p with zeros; never optimised away.  p may be NULL. */
void ua_wipe(void *p, size_t n);

/* Wipe n bytes at p, then free p.  p may be NULL. */
void ua_freezero(void *p, size_t n);

/*
 * Wipe the whole allocation (malloc_usable_size bytes) and free it: for
 * strings whose length is unknown or was changed (PAM replies, jansson
 * strings).  p must come from malloc or NULL.
 */
void ua_erase_free(void *p);

#endif
