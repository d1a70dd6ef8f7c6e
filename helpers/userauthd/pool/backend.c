/* SPDX-License-Identifier: MIT */
/*
 * What every pool backend shares: freeing its jobs and itself.  It must
 * stay free of any one backend's knowledge.
 */
#include <stddef.h>

#include "userauthd/pool/backend.h"

void
pool_job_free(struct workq_job *job)
{
	struct pool_job *j = (struct pool_job *)job;

	if (j != NULL)
		j->free(j);
}

void
pool_backend_free(struct pool_backend *be)
{
	if (be != NULL)
		be->ops->free(be);
}
