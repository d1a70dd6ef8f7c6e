/* SPDX-License-Identifier: MIT */
/*
 * A small pool of worker threads for work that must not block the event
 * loop (password hashing: ~60 ms and 16 MiB each).  Sized to the cores, it
 * also bounds the memory hashing can take under load.  Results come back
 * through a pipe the loop polls.
 */
#ifndef UA_WORKQ_H
#define UA_WORKQ_H

#include <stddef.h>
#include <stdint.h>

struct workq;

struct workq_job {
	void (*run)(struct workq_job *job); /* in a worker thread */
	uint64_t owner; /* who to hand the result to (a client serial) */
	struct workq_job *next;
};

/* Start nthreads workers (0 = number of online CPUs, at least 1). */
int workq_start(size_t nthreads, struct workq **ret);

/* The fd that becomes readable when finished jobs are waiting. */
int workq_fd(const struct workq *q);

/* Queue a job; it is handed back by workq_collect once run. */
int workq_submit(struct workq *q, struct workq_job *job);

/*
 * Hand back a job that ran elsewhere (the HTTP thread of a network
 * backend): workq_collect returns it like one a worker ran.  Any thread.
 * It never counts as queued hashing.
 */
void workq_done(struct workq *q, struct workq_job *job);

/* Take one finished job, or NULL.  Call until NULL: one wake-up may stand
 * for several jobs. */
struct workq_job *workq_collect(struct workq *q);

/*
 * Take back the jobs of OWNER that no worker has started yet (its client
 * went away): returned as a list through ->next, for the caller to free.
 * A job already running is not stopped; workq_collect hands it back.
 */
struct workq_job *workq_cancel(struct workq *q, uint64_t owner);

/*
 * How long the jobs queued or running now would keep every worker busy,
 * in ms, from the recent average run time (0 before the first job).  The
 * loop refuses new logins while this exceeds what a client can wait.
 */
/* How many worker threads the queue runs. */
size_t workq_threads(const struct workq *q);
uint64_t workq_drain_ms(struct workq *q);

/*
 * Stop the workers after the queued jobs and free the queue.  Jobs not yet
 * collected are dropped (their owners are gone too: the loop has stopped).
 */
void workq_stop(struct workq *q);

#endif
