/* SPDX-License-Identifier: MIT */
/*
 * Password checks and hashing on the worker threads.  It owns copies of
 * the password and hash it is given and must wipe them, whoever frees the
 * job and whenever.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/wipe.h"
#include "userauthd/password.h"
#include "userauthd/pool/pwjob.h"

static void
pw_free(struct pool_job *job)
{
	struct pool_pw_job *j = (struct pool_pw_job *)job;

	ua_erase_free(j->password);
	ua_erase_free(j->hash);
	ua_freezero(j, sizeof(*j));
}

/* Runs in a worker: one hash, compared in constant time (or kept). */
static void
pw_run(struct workq_job *job)
{
	struct pool_pw_job *j = (struct pool_pw_job *)job;

	int r;

	if (j->make) {
		j->ok = password_hash(j->password, &j->hash) == 0;
		return;
	}
	r = password_verify(j->password, j->hash);
	j->ok = r == 1;
	j->failed = r < 0;
}

int
pool_pw_submit(struct workq *wq, uint64_t owner, const char *password,
    const char *hash, bool make)
{
	struct pool_pw_job *j = calloc(1, sizeof(*j));
	int r;

	if (j == NULL)
		return -ENOMEM;
	j->job.wq.run = pw_run;
	j->job.wq.owner = owner;
	j->job.free = pw_free;
	j->make = make;
	j->password = strdup(password);
	if (j->password == NULL ||
	    (!make && (j->hash = strdup(hash)) == NULL)) {
		pw_free(&j->job);
		return -ENOMEM;
	}
	r = workq_submit(wq, &j->job.wq);
	if (r < 0) {
		pw_free(&j->job);
		return r;
	}
	return 0;
}
