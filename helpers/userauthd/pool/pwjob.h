/* SPDX-License-Identifier: MIT */
/*
 * Password work for the worker threads: check a password against a
 * crypt(3) hash, or hash a new one.  Both cost one yescrypt hash (~60 ms,
 * 16 MiB), which must never run on the event loop.  Used by backends that
 * hold hashes (local) and by the conversation's fake checks (a dummy hash,
 * so unknown users cost the same).
 */
#ifndef UA_POOL_PWJOB_H
#define UA_POOL_PWJOB_H

#include <stdbool.h>
#include <stdint.h>

#include "userauthd/pool/backend.h"
#include "userauthd/workq.h"

struct pool_pw_job {
	struct pool_job job;
	char *password;
	char *hash; /* checked against; or (make) the new hash */
	bool make;
	bool ok;     /* the result, once run */
	bool failed; /* a check that could not be made (!ok) */
};

/*
 * Queue PASSWORD for a worker, owned by owner: checked against HASH, or
 * (make, hash NULL) hashed anew.  The finished job comes back from
 * workq_collect as a struct pool_pw_job; pool_job_free frees it.
 * 0, -ENOMEM, or workq_submit's error.
 */
int pool_pw_submit(struct workq *wq, uint64_t owner, const char *password,
    const char *hash, bool make);

#endif
