/* SPDX-License-Identifier: MIT */
/* Telling a running nscd(8) that the pool's users and groups changed. */
#ifndef UACTL_NSCD_H
#define UACTL_NSCD_H

#include <stdbool.h>

/*
 * When an nscd runs, drop its passwd and group caches (nscd -i).  True
 * when none runs or it did; false, after a warning on stderr, otherwise.
 */
bool ctl_nscd_invalidate(void);

#endif
