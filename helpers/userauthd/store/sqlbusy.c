/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <time.h>

#include "client/frame.h"
#include "userauthd/store/sqlbusy.h"

/*
 * count: how many times SQLite called us for this statement (0 first).  A
 * statement waits in one thread from start to end, so the start of its
 * wait can live in a thread-local.
 */
static int
busy_wait(void *arg, int count)
{
	static _Thread_local int64_t start;
	int64_t limit_ms = (int64_t)(intptr_t)arg;
	struct timespec ts = { .tv_nsec = SQLBUSY_STEP_US * 1000L };

	if (count == 0)
		start = ua_now_ms();
	else if (ua_now_ms() - start >= limit_ms)
		return 0;
	(void)nanosleep(&ts, NULL);
	return 1;
}

void
sqlbusy_set(sqlite3 *db, int limit_ms)
{
	(void)sqlite3_busy_handler(db, busy_wait, (void *)(intptr_t)limit_ms);
}
