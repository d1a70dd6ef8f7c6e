/* SPDX-License-Identifier: MIT */
/* Unit tests for the worker queue (helpers/userauthd/workq.c). */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

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

static void
test_start_stop_restart(void **state)
{
	struct workq *q = NULL;

	(void)state;
	assert_int_equal(workq_start(0, &q), 0);
	workq_stop(q);
	/* A stopped queue is gone; a new one starts cleanly. */
	assert_int_equal(workq_start(1, &q), 0);
	workq_stop(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_job_comes_back_once),
		cmocka_unit_test(test_start_stop_restart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
