/* SPDX-License-Identifier: MIT */
/*
 * Secret wiping: the only way passwords, codes and keys leave memory.
 * It must never use memset or a byte loop, which the optimiser may drop.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "client/wipe.h"

void
ua_wipe(void *p, size_t n)
{
	if (p == NULL || n == 0)
		return;
	explicit_bzero(p, n);
}

void
ua_freezero(void *p, size_t n)
{
	if (p == NULL)
		return;
	ua_wipe(p, n);
	free(p);
}

void
ua_erase_free(void *p)
{
	if (p == NULL)
		return;
	/*
	 * The caller may not know how long the secret was (a PAM reply that
	 * was shortened in place): wipe everything the allocator gave us.
	 */
	ua_wipe(p, malloc_usable_size(p));
	free(p);
}
