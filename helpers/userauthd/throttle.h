/* SPDX-License-Identifier: MIT */
/*
 * Throttling of failed factors (SECURITY.md S11): every failed password,
 * TOTP code or emailed code counts in three buckets of its pool, kept in
 * the store so that a restart resets nothing:
 *
 *   pair     (account, remote host): backoff after pair_after failures
 *   account  the account from every source: backoff after account_after,
 *            and a hard lock at lock_after consecutive failures
 *   host     the remote host across all accounts (spraying): backoff
 *            after host_after
 *
 * A bucket with n failures past its threshold t waits 2^(n-t) seconds
 * from its last failure, at most max_delay.  The host bucket leaks
 * host_after failures per host_window (a shared address, such as an
 * office's NAT, must not lock its users out for good).  An empty remote
 * host (su,
 * sudo, a console) is a host of its own.  The account of a real user is
 * its uid, whatever name reached it; an unknown identifier's is a
 * keyed hash of the normalised identifier, so fakes are throttled exactly
 * like real accounts.  Every answer is counted before it is judged; a
 * success gives its count back and resets the pair and account buckets
 * of that account.  An attempt made while a bucket waits or the account
 * is locked is refused without being judged and is not counted (but costs
 * the same store work): waiting out the delay is the only way on.
 */
#ifndef UA_THROTTLE_H
#define UA_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

#include "userauthd/store/store.h"

#define THROTTLE_ACCOUNT_MAX 80 /* "u<row id>" or "i<hex hash>" */

struct throttle_limits {
	uint32_t pair_after;
	uint32_t account_after;
	uint32_t host_after;
	uint32_t lock_after;  /* consecutive account failures */
	uint32_t max_delay;   /* seconds */
	uint32_t host_window; /* seconds: older host failures lapse */
};

struct throttle_who {
	const char *pool;
	const char *account; /* throttle_account_* */
	const char *rhost;   /* "" for none */
};

enum throttle_state {
	THROTTLE_OPEN,   /* judge the answer */
	THROTTLE_WAIT,   /* a bucket waits: refuse unjudged */
	THROTTLE_LOCKED, /* hard lock: refuse until unlocked */
};

/* Seconds to wait after `failures` at threshold `after`: 0 below it. */
int64_t throttle_delay(int64_t failures, uint32_t after, uint32_t cap);

/* The account key of a real user (row id) or of an identifier's hash. */
void throttle_account_user(char out[THROTTLE_ACCOUNT_MAX], int64_t user_id);
void throttle_account_ident(char out[THROTTLE_ACCOUNT_MAX], const uint8_t *mac,
    size_t maclen);

/*
 * May an answer from who be judged at now (epoch seconds)?  *ret_state,
 * and in *ret_until the epoch second the wait ends (0 when open or
 * locked).  < 0 when the store cannot say: fail closed.
 */
int throttle_check(struct store *s, const struct throttle_limits *l,
    const struct throttle_who *who, int64_t now, enum throttle_state *ret_state,
    int64_t *ret_until, struct store_err *err);

/*
 * The gate of one answer, in one transaction: throttle_check, then, when
 * open, throttle_charge; when not, throttle_touch.  Fakes and real users
 * take the same path.  *ret_state only on success.
 */
int throttle_admit(struct store *s, const struct throttle_limits *l,
    const struct throttle_who *who, int64_t now, enum throttle_state *ret_state,
    struct store_err *err);

/* A judged failure: count it in all three buckets (one commit). */
int throttle_failed(struct store *s, const struct throttle_limits *l,
    const struct throttle_who *who, int64_t now, struct store_err *err);

/*
 * An answer is about to be judged: count it as a failure in the
 * account's own buckets (pair and account) now, before any work on it,
 * so concurrent guesses at one account all see each other; a success
 * gives it back (throttle_refund, throttle_succeeded).  The host's bucket
 * is shared by every account behind one address (a NAT, a jump host, the
 * empty host of local logins): counting answers there before they are
 * judged would refuse a burst of right ones (500 local logins at once:
 * 286 refused).  The host gets the failures once judged, when the login
 * ends without success (throttle_failed_host).
 */
int throttle_charge(struct store *s, const struct throttle_limits *l,
    const struct throttle_who *who, int64_t now, struct store_err *err);

/* n judged failures for the host's bucket only. */
int throttle_failed_host(struct store *s, const struct throttle_limits *l,
    const struct throttle_who *who, int64_t now, unsigned n,
    struct store_err *err);

/* An answer refused unjudged: the same store work, nothing counted. */
int throttle_touch(struct store *s, const struct throttle_limits *l,
    const struct throttle_who *who, int64_t now, struct store_err *err);

/* Give back n charged answers (the pair and account buckets). */
int throttle_refund(struct store *s, const struct throttle_limits *l,
    const struct throttle_who *who, int64_t now, unsigned n,
    struct store_err *err);

/* A login succeeded: reset the account's pair and account buckets. */
int throttle_succeeded(struct store *s, const struct throttle_who *who,
    struct store_err *err);

#endif
