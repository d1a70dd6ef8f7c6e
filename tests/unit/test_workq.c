/* SPDX-License-Identifier: MIT */
/* Unit tests for the worker queue (helpers/userauthd/workq.c). */
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "userauthd/workq.h"

struct job {
	struct workq_job job;
	int in, out;
};

static void
square(struct workq_job *j)
{
	struct job *x = (struct job *)j;

	x->out = x->in * x->in;
}

static void
test_every_job_comes_back_once(void **state)
{
	enum { N = 200 };
	static struct job jobs[N];
	static int seen[N];
	struct workq *q = NULL;
	struct workq_job *j;
	struct pollfd p;
	int i, got = 0;

	(void)state;
	assert_int_equal(workq_start(3, &q), 0);
	assert_int_equal(workq_threads(q), 3);
	for (i = 0; i < N; i++) {
		jobs[i].job.run = square;
		jobs[i].job.owner = (uint64_t)i;
		jobs[i].in = i;
		assert_int_equal(workq_submit(q, &jobs[i].job), 0);
	}
	while (got < N) {
		p = (struct pollfd){ .fd = workq_fd(q), .events = POLLIN };
		assert_int_equal(poll(&p, 1, 5000), 1);
		while ((j = workq_collect(q)) != NULL) {
			struct job *x = (struct job *)j;

			assert_int_equal(x->out, x->in * x->in);
			assert_int_equal(seen[j->owner], 0);
			seen[j->owner] = 1;
			got++;
		}
	}
	assert_null(workq_collect(q));
	workq_stop(q);
}

/* A job that holds its worker until the test lets it go. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open, gate_entered;

static void
gate(struct workq_job *j)
{
	(void)j;
	pthread_mutex_lock(&gate_lock);
	gate_entered = 1;
	pthread_cond_broadcast(&gate_cond);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
}

/*
 * Jobs of a client that went away leave the queue before a worker takes
 * them (head, middle and tail positions); the rest still run, and the
 * queue takes new jobs after the tail was removed.
 */
static void
test_cancel_takes_back_queued_jobs(void **state)
{
	enum { N = 6 };
	static struct job jobs[N + 1], blocker, late;
	/* owners: 7 at the head, in the middle and at the tail */
	static const uint64_t owner[N] = { 7, 1, 7, 2, 3, 7 };
	struct workq *q = NULL;
	struct workq_job *j, *next;
	struct pollfd p;
	int i, got = 0, cancelled = 0;

	(void)state;
	assert_int_equal(workq_start(1, &q), 0);
	blocker.job.run = gate;
	blocker.job.owner = 99;
	assert_int_equal(workq_submit(q, &blocker.job), 0);
	pthread_mutex_lock(&gate_lock);
	while (!gate_entered)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
	for (i = 0; i < N; i++) {
		jobs[i].job.run = square;
		jobs[i].job.owner = owner[i];
		jobs[i].in = i;
		assert_int_equal(workq_submit(q, &jobs[i].job), 0);
	}
	for (j = workq_cancel(q, 7); j != NULL; j = next) {
		next = j->next;
		assert_int_equal(j->owner, 7);
		cancelled++;
	}
	assert_int_equal(cancelled, 3);
	assert_null(workq_cancel(q, 7));
	late.job.run = square;
	late.job.owner = 4;
	late.in = 5;
	assert_int_equal(workq_submit(q, &late.job), 0);
	pthread_mutex_lock(&gate_lock);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	/* the blocker, owners 1, 2, 3 and the late one */
	while (got < 5) {
		p = (struct pollfd){ .fd = workq_fd(q), .events = POLLIN };
		assert_int_equal(poll(&p, 1, 5000), 1);
		while ((j = workq_collect(q)) != NULL) {
			assert_true(j->owner != 7);
			got++;
		}
	}
	assert_int_equal(late.out, 25);
	workq_stop(q);
}

static void
test_start_stop_restart(void **state)
{
	struct workq *q = NULL;

	(void)state;
	assert_int_equal(workq_start(0, &q), 0);
	/* 0: one per CPU online */
	assert_int_equal(workq_threads(q),
	    (size_t)sysconf(_SC_NPROCESSORS_ONLN));
	workq_stop(q);
	/* A stopped queue is gone; a new one starts cleanly. */
	assert_int_equal(workq_start(1, &q), 0);
	workq_stop(q);
}

/* At least 20 ms, as a password hash takes its ~60 ms. */
static void
nap(struct workq_job *j)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	(void)j;
	while (nanosleep(&ts, &ts) < 0)
		;
}

static void
held(struct workq_job *j)
{
	gate(j);
	nap(j);
}

static void
collect_n(struct workq *q, int n)
{
	struct pollfd p;

	while (n > 0) {
		p = (struct pollfd){ .fd = workq_fd(q), .events = POLLIN };
		assert_int_equal(poll(&p, 1, 5000), 1);
		while (workq_collect(q) != NULL)
			n--;
	}
}

/*
 * The drain estimate the loop refuses new logins by: jobs waiting or
 * running times the recent run time, over the workers.  No clock is
 * compared: a job takes at least 20 ms, so ten of them on one worker are
 * at least 200 ms of work.
 */
static void
test_drain_estimate_follows_the_queue(void **state)
{
	static struct job jobs[10];
	struct workq *q = NULL;
	struct workq_job *back, *next;
	uint64_t full, after;
	int i, n = 0;

	(void)state;
	gate_open = 0;
	assert_int_equal(workq_start(1, &q), 0);
	assert_int_equal(workq_drain_ms(q), 0); /* nothing known yet */
	jobs[0].job.run = nap;
	assert_int_equal(workq_submit(q, &jobs[0].job), 0);
	collect_n(q, 1);
	assert_int_equal(workq_drain_ms(q), 0); /* idle again */
	jobs[0].job.run = held;
	jobs[0].job.owner = 1;
	assert_int_equal(workq_submit(q, &jobs[0].job), 0);
	for (i = 1; i < 10; i++) {
		jobs[i].job.run = nap;
		jobs[i].job.owner = 2;
		assert_int_equal(workq_submit(q, &jobs[i].job), 0);
	}
	full = workq_drain_ms(q);
	assert_true(full >= 200);
	for (back = workq_cancel(q, 2); back != NULL; back = next, n++)
		next = back->next;
	assert_int_equal(n, 9);
	after = workq_drain_ms(q);
	assert_true(after * 5 <= full); /* one job left, not ten */
	pthread_mutex_lock(&gate_lock);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	collect_n(q, 1);
	assert_int_equal(workq_drain_ms(q), 0);
	workq_stop(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_job_comes_back_once),
		cmocka_unit_test(test_cancel_takes_back_queued_jobs),
		cmocka_unit_test(test_start_stop_restart),
		cmocka_unit_test(test_drain_estimate_follows_the_queue),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
