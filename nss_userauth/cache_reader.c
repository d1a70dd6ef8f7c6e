/* SPDX-License-Identifier: MIT */
/*
 * Generation handling for the NSS module (see cache_reader.h): pin, refresh,
 * retire, unmap.  It must never unmap memory a lookup may still read, and
 * never make a syscall or take a lock on the fast path.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nss_userauth/cache_reader.h"

#define NS_PER_S UINT64_C(1000000000)
#define LOCK_WAIT_MS 5000 /* a first open of a huge file, worst case */

enum {
	UANSS_GEN_FREE, /* zero: a new reader is all free */
	UANSS_GEN_CURRENT,
	UANSS_GEN_RETIRED,
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return UINT64_MAX; /* check always rather than never */
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static struct uanss_gen *
pin(struct uanss_reader *h)
{
	struct uanss_gen *g;

	for (;;) {
		g = __atomic_load_n(&h->cur, __ATOMIC_SEQ_CST);
		if (g == NULL)
			return NULL;
		__atomic_fetch_add(&g->readers, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&h->cur, __ATOMIC_SEQ_CST) == g)
			return g;
		/* replaced meanwhile: it may be unmapped, do not touch it */
		__atomic_fetch_sub(&g->readers, 1, __ATOMIC_SEQ_CST);
	}
}

void
uanss_release(struct uanss_gen *g)
{
	__atomic_fetch_sub(&g->readers, 1, __ATOMIC_SEQ_CST);
}

static bool
needs_reopen(const struct uanss_gen *g)
{
	return !g->stale_seen && ua_cache_is_stale(&g->cache);
}

/*
 * The refresh lock holds the owner's thread id rather than being a mutex:
 * a child forked while its parent refreshed inherits a taken lock whose
 * owner is no thread of the child's, so it takes the lock over instead of
 * deadlocking.  Only the slow path gets here.
 */
static bool
lock_refresh(struct uanss_reader *h, bool wait)
{
	const struct timespec ms = { 0, 1000000 };
	pid_t me = gettid(), owner;
	int i;

	for (i = 0; i < LOCK_WAIT_MS; i++) {
		owner = 0;
		if (__atomic_compare_exchange_n(&h->lock_tid, &owner, me, false,
			__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
		if (owner == me ||
		    (tgkill(getpid(), owner, 0) < 0 && errno == ESRCH)) {
			if (__atomic_compare_exchange_n(&h->lock_tid, &owner,
				me, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
				return true;
			continue;
		}
		if (!wait)
			return false;
		(void)nanosleep(&ms, NULL);
	}
	return false;
}

static void
unlock_refresh(struct uanss_reader *h)
{
	__atomic_store_n(&h->lock_tid, 0, __ATOMIC_RELEASE);
}

static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static bool
file_changed(const struct uanss_reader *h, const struct uanss_gen *g)
{
	struct stat st;

	if (stat(h->path, &st) < 0)
		return true;
	return !same_file(&st, &g->st);
}

/* A file's identity in one word, never 0 (0: no file). */
static uint64_t
sig_of(const struct stat *st)
{
	const uint64_t m = UINT64_C(0x100000001b3);
	const uint64_t v[] = { (uint64_t)st->st_dev, (uint64_t)st->st_ino,
		(uint64_t)st->st_size, (uint64_t)st->st_mtim.tv_sec,
		(uint64_t)st->st_mtim.tv_nsec, (uint64_t)st->st_ctim.tv_sec,
		(uint64_t)st->st_ctim.tv_nsec };
	uint64_t x = UINT64_C(0xcbf29ce484222325);
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		x = (x ^ v[i]) * m;
	return x | 1;
}

static uint64_t
path_sig(const struct uanss_reader *h)
{
	struct stat st;

	return stat(h->path, &st) == 0 ? sig_of(&st) : 0;
}

/*
 * With nothing to serve: whether the path names another file than when
 * opening last failed (one appeared, or was replaced, chmod'ed, ...).
 */
static bool
refused_changed(const struct uanss_reader *h)
{
	return path_sig(h) !=
	    __atomic_load_n(&h->refused_sig, __ATOMIC_ACQUIRE);
}

/*
 * Under the refresh lock: opening failed at now; sig is what was at the
 * path just before the open (a file renamed there after it is then told
 * apart at the next lookup, not taken for the refused one).
 */
static void
note_refused(struct uanss_reader *h, uint64_t now, uint64_t sig)
{
	__atomic_store_n(&h->refused_sig, sig, __ATOMIC_RELEASE);
	h->retry_ns = now + UANSS_RETRY_NS;
}

/* Unmap retired generations nobody pins any more. */
static void
sweep(struct uanss_reader *h)
{
	struct uanss_gen *g;
	int i;

	for (i = 0; i < UANSS_GENERATIONS; i++) {
		g = &h->gen[i];
		if (g->state != UANSS_GEN_RETIRED ||
		    __atomic_load_n(&g->readers, __ATOMIC_SEQ_CST) != 0)
			continue;
		ua_cache_unmap(&g->cache);
		g->state = UANSS_GEN_FREE;
	}
}

static struct uanss_gen *
free_slot(struct uanss_reader *h)
{
	int i;

	for (i = 0; i < UANSS_GENERATIONS; i++)
		if (h->gen[i].state == UANSS_GEN_FREE)
			return &h->gen[i];
	return NULL;
}

static int
open_gen(struct uanss_reader *h, struct uanss_gen *g)
{
	int tries, r;

	for (tries = 0;; tries++) {
		r = ua_cache_map(h->path, &g->cache, &g->st);
		if (r < 0)
			return r;
		g->stale_seen = ua_cache_is_stale(&g->cache);
		/* opened just before a rename: the new file is there now */
		if (!g->stale_seen || tries == 2)
			return 0;
		ua_cache_unmap(&g->cache);
	}
}

static void
publish(struct uanss_reader *h, struct uanss_gen *g, int err)
{
	struct uanss_gen *old = h->cur;

	if (g != NULL)
		g->state = UANSS_GEN_CURRENT;
	__atomic_store_n(&h->last_err, err, __ATOMIC_RELAXED);
	__atomic_store_n(&h->cur, g, __ATOMIC_SEQ_CST);
	if (old != NULL)
		old->state = UANSS_GEN_RETIRED;
}

/*
 * force: the current generation was already stale when it was mapped and
 * the path now names another file, so look now rather than at the next
 * timed check.
 */
static void
refresh(struct uanss_reader *h, uint64_t now, bool force)
{
	struct uanss_gen *cur, *g;
	bool due;
	uint64_t sig;
	int r;

	cur = __atomic_load_n(&h->cur, __ATOMIC_SEQ_CST);
	/* with nothing to serve, wait for a refresh running elsewhere */
	if (!lock_refresh(h, cur == NULL))
		return;
	cur = h->cur;
	due = now >= __atomic_load_n(&h->next_check_ns, __ATOMIC_RELAXED);
	if (!due && !force && (cur == NULL || !needs_reopen(cur)))
		goto out; /* another thread just did it */
	if (due)
		__atomic_store_n(&h->next_check_ns, now + UANSS_CHECK_NS,
		    __ATOMIC_RELAXED);
	sweep(h);
	/* stat first: a truncated file's mapping must not be read */
	if (cur != NULL && !file_changed(h, cur) && !needs_reopen(cur))
		goto out;
	/* what is at the path before the open: one stat for both uses */
	sig = path_sig(h);
	/* nothing to serve: the same file again at most every RETRY_NS */
	if (cur == NULL && now < h->retry_ns &&
	    sig == __atomic_load_n(&h->refused_sig, __ATOMIC_ACQUIRE))
		goto out;
	g = free_slot(h);
	if (g == NULL)
		goto out; /* every slot pinned: serve cur a bit longer */
	r = open_gen(h, g);
	publish(h, r < 0 ? NULL : g, r);
	if (r < 0)
		note_refused(h, now, sig);
	__atomic_store_n(&h->next_check_ns, now + UANSS_CHECK_NS,
	    __ATOMIC_RELAXED);
	sweep(h);
out:
	unlock_refresh(h);
}

int
uanss_acquire(struct uanss_reader *h, struct uanss_gen **ret)
{
	uint64_t now = h->clock != NULL ? h->clock() : now_ns();
	struct uanss_gen *g;
	int saved = errno, e;
	bool force = false;

	if (now < __atomic_load_n(&h->next_check_ns, __ATOMIC_RELAXED)) {
		g = pin(h);
		if (g != NULL && !needs_reopen(g) &&
		    !(g->stale_seen && file_changed(h, g))) {
			*ret = g;
			return 0;
		}
		if (g == NULL && !refused_changed(h))
			goto none; /* the same file, or still none */
		if (g != NULL) {
			force = g->stale_seen;
			uanss_release(g);
		} else
			force = true; /* another file: look now */
	}
	refresh(h, now, force);
	errno = saved;
	g = pin(h);
	if (g != NULL) {
		*ret = g;
		return 0;
	}
none:
	e = __atomic_load_n(&h->last_err, __ATOMIC_RELAXED);
	return e < 0 ? e : -ENOENT;
}

void
uanss_reader_close(struct uanss_reader *h)
{
	int i;

	__atomic_store_n(&h->cur, NULL, __ATOMIC_SEQ_CST);
	for (i = 0; i < UANSS_GENERATIONS; i++) {
		ua_cache_unmap(&h->gen[i].cache);
		h->gen[i].state = UANSS_GEN_FREE;
	}
	h->next_check_ns = 0;
	h->last_err = 0;
	h->retry_ns = 0;
	h->refused_sig = 0;
}
