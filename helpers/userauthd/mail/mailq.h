/* SPDX-License-Identifier: MIT */
/*
 * The mail queue.  Its schedule (which queued rows are due, when a failed
 * one is tried again, when one must be dropped) lives in memory and runs
 * on CLOCK_MONOTONIC; the database rows keep the message, the wall-clock
 * expiry, and a wall-clock next_attempt for people to read.  It must never
 * trust a wall-clock time for when to try next, and never let a code's
 * mail go out once either clock says the code has expired.  The schedule
 * is pure (the caller passes both clocks and the randomness, so tests can
 * inject them); the row functions use the caller's connection.  The
 * caller holds any lock.
 */
#ifndef UA_MAILQ_H
#define UA_MAILQ_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userauthd/mail/mailsend.h"
#include "userauthd/store/store.h"

/* Both clocks at one moment, in milliseconds. */
struct mailq_clock {
	int64_t wall; /* CLOCK_REALTIME */
	int64_t mono; /* CLOCK_MONOTONIC */
};

/* Both clocks now (the schedule's functions never read them). */
struct mailq_clock mailq_now(void);

struct mailq_entry {
	int64_t id;      /* mail_queue row */
	int64_t due;     /* mono: the next attempt */
	int64_t last;    /* mono: no attempt from here on (expiry) */
	int64_t expires; /* wall: the code's expiry */
	bool busy;       /* a sender has it now */
	bool seen;       /* in the last scan of the database */
	bool unrecorded; /* sent, but that could not be written yet */
};

struct mailq {
	struct mailq_entry *e; /* sorted by id */
	size_t n, cap;
	int64_t offset; /* wall - mono at the last mailq_clock_moved */
	bool offset_set;
};

/* The most rows the schedule holds; more wait in the database. */
#define MAILQ_MAX 10000

/*
 * The wait after the n-th failed attempt (n >= 1): 1, 2, 4, ... seconds,
 * at most max_ms, each scaled by 80..120% from rnd (uniform), and never
 * above max_ms.
 */
int64_t mailq_backoff_ms(int64_t n, uint32_t max_ms, uint32_t rnd);

/*
 * A queued row found in the database (created, expires: its wall-clock
 * epoch seconds).  A row new to the schedule is due at once, whatever the
 * database says of its next attempt (a row from before a restart, or one
 * that a clock step pushed away).  Its monotonic deadline is its expiry
 * less margin_ms as measured now, and never further than the code's whole
 * life less margin_ms from now (a wall clock stepped back below the row's
 * creation says nothing about how much life is left).  Marks the row seen.
 * 1 when added, 0 when known, -ENOSPC at MAILQ_MAX, -ENOMEM.
 */
int mailq_see(struct mailq *q, int64_t id, int64_t created, int64_t expires,
    int64_t margin_ms, struct mailq_clock now);

/* Before a scan: no row seen yet. */
void mailq_mark(struct mailq *q);

/* After a scan: forget rows not seen and not busy (done elsewhere). */
void mailq_sweep(struct mailq *q);

/* The row with that id, or NULL. */
struct mailq_entry *mailq_find(struct mailq *q, int64_t id);

/*
 * The idle row due first (lowest due, then id) that is due at now, or
 * NULL.
 */
struct mailq_entry *mailq_due(struct mailq *q, struct mailq_clock now);

/*
 * True once a row must not be sent: its wall-clock expiry less margin_ms
 * has come, or its monotonic deadline (what the process measured) has.
 */
bool mailq_expired(const struct mailq_entry *e, int64_t margin_ms,
    struct mailq_clock now);

/*
 * After the n-th failed attempt: due again mailq_backoff_ms(n) from now on
 * the monotonic clock, at the latest at its deadline; idle again.
 */
void mailq_retry(struct mailq_entry *e, int64_t n, uint32_t max_ms,
    uint32_t rnd, struct mailq_clock now);

/*
 * Forget the row (sent, failed, expired).  Unknown ids do nothing.  Like
 * mailq_see and mailq_sweep, it moves entries: pointers from mailq_find
 * and mailq_due are good until then only.
 */
void mailq_drop(struct mailq *q, int64_t id);

/* Every row due now (admin mailq.flush). */
void mailq_flush(struct mailq *q, struct mailq_clock now);

/*
 * Milliseconds from now until the first idle row is due, 0 when one is,
 * at most max_ms (also when nothing is queued).
 */
int64_t mailq_wait_ms(const struct mailq *q, int64_t max_ms,
    struct mailq_clock now);

/*
 * How far the wall clock moved against the monotonic one since the last
 * call (0 on the first): a step of the wall clock, to log.
 */
int64_t mailq_clock_moved(struct mailq *q, struct mailq_clock now);

/*
 * A fault the dispatcher meets at every tick while it lasts (the queue
 * unreadable: a damaged database) is logged at most once a
 * MAILQ_QUIET_MS: the first time, then with the count of those held back
 * since, and once when it ends.  Zeroed: no fault.
 */
#define MAILQ_QUIET_MS 60000
struct mailq_quiet {
	bool failing;
	int64_t said;    /* mono: the last line logged */
	unsigned held;   /* faults since, not logged */
	unsigned faults; /* in all, since the first */
};

/* The fault again at now: true to log it, *ret_held held back before. */
bool mailq_quiet_fail(struct mailq_quiet *qt, struct mailq_clock now,
    unsigned *ret_held);
/* No fault at now: true when that ends one (log it), *ret_faults its count. */
bool mailq_quiet_ok(struct mailq_quiet *qt, unsigned *ret_faults);

/* Free the entries.  The struct itself is the caller's. */
void mailq_free(struct mailq *q);

/* ---- the rows of mail_queue ---- */

/*
 * Open the database at path (made by store_open) for the mail sender: WAL,
 * synchronous FULL, secure_delete.  0 and *ret, or -EIO after logging.
 */
int mailq_db_open(const char *path, sqlite3 **ret);

/*
 * A TRUNCATE checkpoint of the WAL, waiting at most wait_ms for readers
 * (then the usual 5 s busy wait again): NULL when done, else why not.
 */
const char *mailq_db_checkpoint(sqlite3 *db, int wait_ms);
/* Free what SQLite caches for the connection; close it. */
void mailq_db_release(sqlite3 *db);
void mailq_db_close(sqlite3 *db);

struct mailq_row {
	int64_t id, created, expires; /* expires, created: epoch seconds */
};

/*
 * The queued rows, lowest id first, at most MAILQ_MAX: 0, *ret (caller
 * frees; NULL when none) and *ret_n; -EIO with SQLite's message in
 * reterr_why (the caller logs it: mailq_quiet), -ENOMEM.
 */
int mailq_db_queued(sqlite3 *db, struct mailq_row **ret, size_t *ret_n,
    char *reterr_why, size_t whysz);

/*
 * Row id, if still queued, copied into a new transfer (its message, pool,
 * masked recipient, envelope and attempts): 1 and *ret (free with
 * mailsend_xfer_free); 0 when it is no longer queued; -EIO after logging,
 * -ENOMEM.  *ret_bad: the row holds no usable message or recipient.
 */
int mailq_db_load(sqlite3 *db, int64_t id, struct mailsend_xfer **ret,
    bool *ret_bad);

enum mailq_fate { MAILQ_SENT, MAILQ_RETRY, MAILQ_FAILED, MAILQ_EXPIRED };

/*
 * Write how x's attempt ended, if the row is still queued: done rows lose
 * their body; RETRY stores next_wall (epoch ms) as next_attempt and why
 * as last_error.  Logs one event=mail line (masked recipient, never the
 * body) once written.  0, or -EIO after logging the error.
 */
int mailq_db_record(sqlite3 *db, const struct mailsend_xfer *x,
    enum mailq_fate f, const char *why, int64_t now_wall, int64_t next_wall);

/* mailer_list's rows (now: epoch seconds), recipients masked unless
 * full.  0 and *ret, or < 0 and err. */
int mailq_db_list(sqlite3 *db, int64_t now, bool full, json_t **ret,
    struct store_err *err);

/*
 * Every queued row's next_attempt to at most now_wall (epoch ms); their
 * number in *ret_n.  0, or < 0 and err.
 */
int mailq_db_flush(sqlite3 *db, int64_t now_wall, int64_t *ret_n,
    struct store_err *err);

#endif
