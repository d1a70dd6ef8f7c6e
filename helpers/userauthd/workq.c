/* SPDX-License-Identifier: MIT */
/*
 * Worker threads: a FIFO of jobs in, a FIFO of finished jobs out, and a
 * pipe byte per finished job to wake the event loop.  Workers never touch
 * the loop's state; the loop never waits for a worker.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "userauthd/workq.h"

#define WORKQ_MAX_THREADS 64

struct workq {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct workq_job *in_head, *in_tail;
	struct workq_job *out_head, *out_tail;
	bool stopping;
	size_t waiting;  /* jobs queued or running */
	uint64_t avg_us; /* moving average of a job's run time */
	int pipe[2];
	size_t nthreads;
	pthread_t threads[WORKQ_MAX_THREADS];
};

static uint64_t
mono_us(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Append a finished job (lock held). */
static void
out_push(struct workq *q, struct workq_job *job)
{
	job->next = NULL;
	if (q->out_tail != NULL)
		q->out_tail->next = job;
	else
		q->out_head = job;
	q->out_tail = job;
}

static void *
worker(void *arg)
{
	struct workq *q = arg;
	struct workq_job *job;
	uint64_t t0, took;
	char b = 1;

	for (;;) {
		pthread_mutex_lock(&q->lock);
		while (q->in_head == NULL && !q->stopping)
			pthread_cond_wait(&q->cond, &q->lock);
		job = q->in_head;
		if (job == NULL) {
			pthread_mutex_unlock(&q->lock);
			return NULL;
		}
		q->in_head = job->next;
		if (q->in_head == NULL)
			q->in_tail = NULL;
		pthread_mutex_unlock(&q->lock);

		t0 = mono_us();
		job->run(job);
		took = mono_us() - t0;

		pthread_mutex_lock(&q->lock);
		q->waiting--;
		/* 1/8 of each new run: a burst moves it within a few jobs */
		q->avg_us = q->avg_us == 0 ? took : (7 * q->avg_us + took) / 8;
		out_push(q, job);
		pthread_mutex_unlock(&q->lock);
		/* Non-blocking: a full pipe already means "wake up". */
		(void)!write(q->pipe[1], &b, 1);
	}
}

int
workq_start(size_t nthreads, struct workq **ret)
{
	struct workq *q;
	long n;
	int r;

	if (nthreads == 0) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		nthreads = n > 0 ? (size_t)n : 1;
	}
	if (nthreads > WORKQ_MAX_THREADS)
		nthreads = WORKQ_MAX_THREADS;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return -ENOMEM;
	if (pipe2(q->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		r = -errno;
		free(q);
		return r;
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	for (; q->nthreads < nthreads; q->nthreads++) {
		r = pthread_create(&q->threads[q->nthreads], NULL, worker, q);
		if (r != 0) {
			workq_stop(q);
			return -r;
		}
	}
	*ret = q;
	return 0;
}

int
workq_fd(const struct workq *q)
{
	return q->pipe[0];
}

int
workq_submit(struct workq *q, struct workq_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&q->lock);
	if (q->stopping) {
		pthread_mutex_unlock(&q->lock);
		return -ESHUTDOWN;
	}
	if (q->in_tail != NULL)
		q->in_tail->next = job;
	else
		q->in_head = job;
	q->in_tail = job;
	q->waiting++;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

void
workq_done(struct workq *q, struct workq_job *job)
{
	char b = 1;

	pthread_mutex_lock(&q->lock);
	out_push(q, job);
	pthread_mutex_unlock(&q->lock);
	(void)!write(q->pipe[1], &b, 1);
}

struct workq_job *
workq_collect(struct workq *q)
{
	struct workq_job *job;
	char buf[64];

	/* Drain wake-ups first: a job finishing after this leaves a byte. */
	while (read(q->pipe[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&q->lock);
	job = q->out_head;
	if (job != NULL) {
		q->out_head = job->next;
		if (q->out_head == NULL)
			q->out_tail = NULL;
		job->next = NULL;
	}
	pthread_mutex_unlock(&q->lock);
	return job;
}

struct workq_job *
workq_cancel(struct workq *q, uint64_t owner)
{
	struct workq_job **pp, *job, *taken = NULL;

	pthread_mutex_lock(&q->lock);
	q->in_tail = NULL;
	for (pp = &q->in_head; (job = *pp) != NULL;) {
		if (job->owner == owner) {
			*pp = job->next;
			job->next = taken;
			taken = job;
			q->waiting--;
		} else {
			q->in_tail = job;
			pp = &job->next;
		}
	}
	pthread_mutex_unlock(&q->lock);
	return taken;
}

size_t
workq_threads(const struct workq *q)
{
	return q->nthreads;
}

uint64_t
workq_drain_ms(struct workq *q)
{
	uint64_t ms;

	pthread_mutex_lock(&q->lock);
	ms = (uint64_t)q->waiting * q->avg_us / q->nthreads / 1000u;
	pthread_mutex_unlock(&q->lock);
	return ms;
}

void
workq_stop(struct workq *q)
{
	size_t i;

	if (q == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	q->stopping = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	for (i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	close(q->pipe[0]);
	close(q->pipe[1]);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->cond);
	free(q);
}
