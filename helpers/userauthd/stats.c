/* SPDX-License-Identifier: MIT */
/*
 * In-memory counters for the status op (stats.h).  One set per process,
 * kept in this file's statics on purpose: the login conversation, the
 * event loop and the admin op each call one function here, and passing a
 * pointer through auth_ctx, the server and the admin context would touch
 * every one of them for three integers.  A mutex makes the calls safe
 * from any thread; none of them does any I/O.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "userauthd/policy.h"
#include "userauthd/stats.h"

#define NCHAL 8 /* enum policy_challenge values, with room */

struct bucket {
	int64_t minute; /* monotonic minute it counts; -1 unused */
	uint32_t ok[NCHAL], fail[NCHAL], retry[NCHAL];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct bucket ring[STATS_MINUTES];
static bool ring_ready;
static int64_t started_wall, started_mono;     /* seconds */
static int64_t published_wall, published_mono; /* 0: never */

static int64_t
mono_s(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

/* Under lock. */
static void
ring_init(void)
{
	size_t i;

	if (ring_ready)
		return;
	for (i = 0; i < STATS_MINUTES; i++) {
		memset(&ring[i], 0, sizeof(ring[i]));
		ring[i].minute = -1;
	}
	ring_ready = true;
}

void
stats_start(void)
{
	(void)pthread_mutex_lock(&lock);
	ring_init();
	started_wall = (int64_t)time(NULL);
	started_mono = mono_s();
	(void)pthread_mutex_unlock(&lock);
}

void
stats_auth(int challenge, const char *result)
{
	uint32_t *slot;
	struct bucket *b;
	int64_t minute = mono_s() / 60;

	if (challenge < 0 || challenge >= NCHAL || result == NULL)
		return;
	(void)pthread_mutex_lock(&lock);
	ring_init();
	b = &ring[minute % STATS_MINUTES];
	if (b->minute != minute) {
		memset(b, 0, sizeof(*b));
		b->minute = minute;
	}
	slot = strcmp(result, "ok") == 0   ? b->ok
	    : strcmp(result, "fail") == 0  ? b->fail
	    : strcmp(result, "retry") == 0 ? b->retry
					   : NULL;
	if (slot != NULL && slot[challenge] < UINT32_MAX)
		slot[challenge]++;
	(void)pthread_mutex_unlock(&lock);
}

void
stats_published(void)
{
	(void)pthread_mutex_lock(&lock);
	published_wall = (int64_t)time(NULL);
	published_mono = mono_s();
	(void)pthread_mutex_unlock(&lock);
}

/* Under lock: the counts of the last STATS_MINUTES minutes. */
static json_t *
logins_json(int64_t now_minute)
{
	uint64_t ok[NCHAL] = { 0 }, fail[NCHAL] = { 0 }, retry[NCHAL] = { 0 };
	json_t *a, *o;
	size_t i;
	int c;

	ring_init();
	for (i = 0; i < STATS_MINUTES; i++) {
		if (ring[i].minute < 0 ||
		    ring[i].minute <= now_minute - STATS_MINUTES)
			continue;
		for (c = 0; c < NCHAL; c++) {
			ok[c] += ring[i].ok[c];
			fail[c] += ring[i].fail[c];
			retry[c] += ring[i].retry[c];
		}
	}
	if ((a = json_array()) == NULL)
		return NULL;
	for (c = 0; c < NCHAL; c++) {
		if (ok[c] + fail[c] + retry[c] == 0)
			continue;
		o = json_pack("{s:s s:I s:I s:I}", "challenge",
		    c == POLICY_NONE ? "NONE"
				     : policy_name((enum policy_challenge)c),
		    "ok", (json_int_t)ok[c], "fail", (json_int_t)fail[c],
		    "retry", (json_int_t)retry[c]);
		if (o == NULL || json_array_append_new(a, o) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

json_t *
stats_json(void)
{
	int64_t now = mono_s();
	json_t *o, *logins;

	(void)pthread_mutex_lock(&lock);
	logins = logins_json(now / 60);
	o = logins == NULL
	    ? NULL
	    : json_pack("{s:I s:I s:o s:o s:i s:o}", "started",
		  (json_int_t)started_wall, "uptime",
		  (json_int_t)(now - started_mono), "nss_published",
		  published_mono == 0 && published_wall == 0
		      ? json_null()
		      : json_integer(published_wall),
		  "nss_age",
		  published_mono == 0 && published_wall == 0
		      ? json_null()
		      : json_integer(now - published_mono),
		  "window", STATS_MINUTES * 60, "logins", logins);
	(void)pthread_mutex_unlock(&lock);
	return o;
}
