/* SPDX-License-Identifier: MIT */
/*
 * The admin protocol's JSON codec over frames.  Owns serialisation and
 * strict parsing; it must never accept duplicate keys, non-objects or
 * payloads larger than the caller's cap.
 */
#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/frame.h"
#include "client/wipe.h"
#include "server/json_frame.h"

int
ua_json_send(int fd, const json_t *obj, int timeout_ms)
{
	char *s = NULL;
	int r;

	if (!json_is_object(obj))
		return -EINVAL;
	s = json_dumps(obj, JSON_COMPACT);
	if (s == NULL)
		return -ENOMEM;
	r = ua_frame_write(fd, s, strlen(s), timeout_ms);
	/* Requests may carry a password (user.passwd): wipe the text. */
	ua_erase_free(s);
	return r;
}

/*
 * jansson 2.14's lexer drops a failed allocation while it saves a token
 * (lex_save ignores it), then reads on past what it saved: an assertion
 * (SIGABRT) or a wild read (SIGSEGV) when memory runs short in a parse
 * (jansson issue 362; userauthd died so under tests/integration/oom.sh).
 * So a guarded parse never sees NULL: once an allocation has failed, the
 * rest of it is served from a fixed arena, and the parse is thrown away
 * and reported as out of memory.  An arena used up gives NULL again.
 */
#define JSON_ARENA_SIZE (1024 * 1024)
static alignas(max_align_t) unsigned char arena[JSON_ARENA_SIZE];
static size_t arena_used;
static unsigned arena_users; /* guarded parses that took from it */
static pthread_mutex_t arena_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread bool guarded, guard_short;

static bool
in_arena(const void *p)
{
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)arena;

	return a >= lo && a < lo + JSON_ARENA_SIZE;
}

void *
ua_json_malloc(size_t n)
{
	void *p = malloc(n);
	size_t need =
	    (n + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);

	if (p != NULL || !guarded || n > JSON_ARENA_SIZE)
		return p;
	(void)pthread_mutex_lock(&arena_lock);
	if (!guard_short)
		arena_users++;
	guard_short = true;
	if (need <= JSON_ARENA_SIZE - arena_used) {
		p = arena + arena_used;
		arena_used += need;
	}
	(void)pthread_mutex_unlock(&arena_lock);
	return p;
}

void
ua_json_free(void *p)
{
	if (!in_arena(p))
		ua_erase_free(p);
}

/* json_loadb, guarded; -ENOMEM when memory ran short. */
static int
guarded_loadb(const void *p, size_t n, size_t flags, json_t **ret)
{
	json_error_t jerr;
	json_t *o;

	guarded = true;
	guard_short = false;
	o = json_loadb(p, n, flags, &jerr);
	guarded = false;
	if (guard_short) {
		json_decref(o);
		(void)pthread_mutex_lock(&arena_lock);
		if (--arena_users == 0) {
			/* what the parse held (a password, say) goes too */
			explicit_bzero(arena, arena_used);
			arena_used = 0;
		}
		(void)pthread_mutex_unlock(&arena_lock);
		return -ENOMEM;
	}
	*ret = o;
	if (o == NULL)
		return json_error_code(&jerr) == json_error_out_of_memory
		    ? -ENOMEM
		    : -EBADMSG;
	return 0;
}

int
ua_json_loadb(const void *p, size_t n, size_t flags, json_t **ret)
{
	*ret = NULL;
	return guarded_loadb(p, n, flags, ret);
}

int
ua_json_parse(const void *p, size_t n, json_t **ret)
{
	json_t *o = NULL;
	int r;

	if (n == 0)
		return -EBADMSG;
	r = guarded_loadb(p, n, JSON_REJECT_DUPLICATES, &o);
	if (r < 0)
		return r;
	if (!json_is_object(o)) {
		json_decref(o);
		return -EBADMSG;
	}
	*ret = o;
	return 0;
}

int
ua_json_recv(int fd, size_t max, int timeout_ms, json_t **ret)
{
	uint8_t *p = NULL;
	size_t n = 0;
	int r;

	r = ua_frame_read(fd, max, timeout_ms, &p, &n);
	if (r < 0)
		return r;
	r = ua_json_parse(p, n, ret);
	ua_freezero(p, n);
	return r;
}
