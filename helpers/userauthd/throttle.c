/* SPDX-License-Identifier: MIT */
/*
 * Throttling of failed factors (throttle.h): the arithmetic of the three
 * buckets and their verdict.  The rows live in the store
 * (store_throttle.c); nothing here runs SQL.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "userauthd/store/store_throttle.h"
#include "userauthd/throttle.h"

int64_t
throttle_delay(int64_t failures, uint32_t after, uint32_t cap)
{
	int64_t over;

	if (after == 0 || failures < (int64_t)after)
		return 0;
	over = failures - (int64_t)after;
	if (over >= 31)
		return cap;
	return ((int64_t)1 << over) < (int64_t)cap ? (int64_t)1 << over
						   : (int64_t)cap;
}

void
throttle_account_user(char out[THROTTLE_ACCOUNT_MAX], int64_t user_id)
{
	(void)snprintf(out, THROTTLE_ACCOUNT_MAX, "u%lld", (long long)user_id);
}

void
throttle_account_ident(char out[THROTTLE_ACCOUNT_MAX], const uint8_t *mac,
    size_t maclen)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, n = maclen;

	if (n > (THROTTLE_ACCOUNT_MAX - 2) / 2)
		n = (THROTTLE_ACCOUNT_MAX - 2) / 2;
	out[0] = 'i';
	for (i = 0; i < n; i++) {
		out[1 + 2 * i] = hex[mac[i] >> 4];
		out[2 + 2 * i] = hex[mac[i] & 15];
	}
	out[1 + 2 * n] = '\0';
}

static const enum store_bucket_kind kinds[] = {
	STORE_BUCKET_PAIR,
	STORE_BUCKET_ACCOUNT,
	STORE_BUCKET_HOST,
};

static uint32_t
after_of(const struct throttle_limits *l, enum store_bucket_kind k)
{
	return k == STORE_BUCKET_PAIR   ? l->pair_after
	    : k == STORE_BUCKET_ACCOUNT ? l->account_after
					: l->host_after;
}

/*
 * The first whole second at which a bucket takes answers again.  Stamps
 * are whole seconds: a failure stamped t happened somewhere in [t, t+1),
 * so a wait of d seconds ends at t + d + 1, never sooner than d seconds
 * after the failure (t + d could be a few milliseconds after it).
 */
static int64_t
next_allowed_of(int64_t last_fail, int64_t delay)
{
	return delay == 0 ? 0 : last_fail + delay + 1;
}

/*
 * A wall clock set back leaves stamps in "the future": they move back to
 * now, so a wait lasts its own length from the first answer after the
 * jump (not the jump's length too), the host bucket leaks again from
 * there, and no wait is longer than the cap.  The answer's record (a
 * failure, or the touch of one refused) writes the moved stamps back.
 */
static void
rebase(const struct throttle_limits *l, struct store_bucket *b, int64_t now)
{
	if (b->last_fail > now) {
		if (b->next_allowed != 0)
			b->next_allowed -= b->last_fail - now;
		b->last_fail = now;
	}
	if (b->next_allowed > next_allowed_of(now, l->max_delay))
		b->next_allowed = next_allowed_of(now, l->max_delay);
}

/* The three buckets of who, in kinds[] order. */
static int
read_buckets(struct store *s, const struct throttle_who *who,
    struct store_bucket b[3], struct store_err *err)
{
	size_t i;
	int r;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		r = store_bucket_get(s, who->pool, kinds[i], who->account,
		    who->rhost, &b[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The verdict on buckets b (rebased to now in place). */
static enum throttle_state
verdict(const struct throttle_limits *l, struct store_bucket b[3], int64_t now,
    int64_t *ret_until)
{
	int64_t until = 0;
	size_t i;

	*ret_until = 0;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (kinds[i] == STORE_BUCKET_ACCOUNT && l->lock_after > 0 &&
		    b[i].failures >= (int64_t)l->lock_after)
			return THROTTLE_LOCKED;
		rebase(l, &b[i], now);
		if (b[i].next_allowed > now && b[i].next_allowed > until)
			until = b[i].next_allowed;
	}
	*ret_until = until;
	return until > 0 ? THROTTLE_WAIT : THROTTLE_OPEN;
}

int
throttle_check(struct store *s, const struct throttle_limits *l,
    const struct throttle_who *who, int64_t now, enum throttle_state *ret_state,
    int64_t *ret_until, struct store_err *err)
{
	struct store_bucket b[3];
	int r = read_buckets(s, who, b, err);

	if (r < 0)
		return r;
	*ret_state = verdict(l, b, now, ret_until);
	return 0;
}

/*
 * The host bucket leaks: host_after failures per host_window drain away,
 * so a shared address with fewer typos than that never fills it.
 */
static void
host_leak(const struct throttle_limits *l, struct store_bucket *b, int64_t now)
{
	int64_t gone;

	if (l->host_window == 0 || b->failures == 0 || now <= b->last_fail)
		return;
	gone = (now - b->last_fail) * (int64_t)l->host_after /
	    (int64_t)l->host_window;
	b->failures = gone >= b->failures ? 0 : b->failures - gone;
}

/*
 * One transaction over the three buckets: add delta failures (may be
 * negative: a refund), or with delta 0 write them back as they are (the
 * same work as counting, for an answer refused unjudged).
 */
enum scope { ALL_BUCKETS, OWN_BUCKETS, HOST_BUCKET };

static int
write_buckets(struct store *s, const struct throttle_limits *l,
    const struct throttle_who *who, int64_t now, int64_t delta,
    enum scope scope, struct store_bucket b[3], struct store_err *err)
{
	size_t i;
	int r;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if ((scope == HOST_BUCKET && kinds[i] != STORE_BUCKET_HOST) ||
		    (scope == OWN_BUCKETS && kinds[i] == STORE_BUCKET_HOST))
			continue;
		rebase(l, &b[i], now);
		if (delta != 0) {
			if (kinds[i] == STORE_BUCKET_HOST)
				host_leak(l, &b[i], now);
			b[i].failures = b[i].failures + delta > 0
			    ? b[i].failures + delta
			    : 0;
			if (delta > 0)
				b[i].last_fail = now;
			b[i].next_allowed = next_allowed_of(b[i].last_fail,
			    b[i].failures == 0
				? 0
				: throttle_delay(b[i].failures,
				      after_of(l, kinds[i]), l->max_delay));
		}
		r = store_bucket_put(s, who->pool, kinds[i], who->account,
		    who->rhost, &b[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
record_in(struct store *s, const struct throttle_limits *l,
    const struct throttle_who *who, int64_t now, int64_t delta,
    enum scope scope, struct store_err *err)
{
	struct store_bucket b[3];
	int r = read_buckets(s, who, b, err);

	return r < 0 ? r : write_buckets(s, l, who, now, delta, scope, b, err);
}

/* record_in as a transaction of its own. */
static int
record(struct store *s, const struct throttle_limits *l,
    const struct throttle_who *who, int64_t now, int64_t delta,
    enum scope scope, struct store_err *err)
{
	int r = store_throttle_begin(s, err);

	if (r < 0)
		return r;
	r = record_in(s, l, who, now, delta, scope, err);
	if (r < 0) {
		store_throttle_rollback(s);
		return r;
	}
	return store_throttle_commit(s, err);
}

int
throttle_admit(struct store *s, const struct throttle_limits *l,
    const struct throttle_who *who, int64_t now, enum throttle_state *ret_state,
    struct store_err *err)
{
	struct store_bucket b[3];
	enum throttle_state st = THROTTLE_LOCKED;
	int64_t until;
	int r = store_throttle_begin(s, err);

	if (r < 0)
		return r;
	/* one read of the buckets for the verdict and the record both */
	r = read_buckets(s, who, b, err);
	if (r == 0) {
		st = verdict(l, b, now, &until);
		r = write_buckets(s, l, who, now, st == THROTTLE_OPEN ? 1 : 0,
		    st == THROTTLE_OPEN ? OWN_BUCKETS : ALL_BUCKETS, b, err);
	}
	if (r < 0) {
		store_throttle_rollback(s);
		return r;
	}
	r = store_throttle_commit(s, err);
	if (r == 0)
		*ret_state = st;
	return r;
}

int
throttle_failed(struct store *s, const struct throttle_limits *l,
    const struct throttle_who *who, int64_t now, struct store_err *err)
{
	return record(s, l, who, now, 1, ALL_BUCKETS, err);
}

int
throttle_charge(struct store *s, const struct throttle_limits *l,
    const struct throttle_who *who, int64_t now, struct store_err *err)
{
	return record(s, l, who, now, 1, OWN_BUCKETS, err);
}

int
throttle_failed_host(struct store *s, const struct throttle_limits *l,
    const struct throttle_who *who, int64_t now, unsigned n,
    struct store_err *err)
{
	if (n == 0)
		return 0;
	return record(s, l, who, now, (int64_t)n, HOST_BUCKET, err);
}

int
throttle_touch(struct store *s, const struct throttle_limits *l,
    const struct throttle_who *who, int64_t now, struct store_err *err)
{
	return record(s, l, who, now, 0, ALL_BUCKETS, err);
}

int
throttle_refund(struct store *s, const struct throttle_limits *l,
    const struct throttle_who *who, int64_t now, unsigned n,
    struct store_err *err)
{
	if (n == 0)
		return 0;
	return record(s, l, who, now, -(int64_t)n, OWN_BUCKETS, err);
}

int
throttle_succeeded(struct store *s, const struct throttle_who *who,
    struct store_err *err)
{
	int r = store_throttle_begin(s, err);

	if (r < 0)
		return r;
	r = store_bucket_reset(s, who->pool, who->account, NULL, err);
	if (r < 0) {
		store_throttle_rollback(s);
		return r;
	}
	return store_throttle_commit(s, err);
}
