/* SPDX-License-Identifier: MIT */
/*
 * The mail sender and the admin view of the queue.  A dispatcher thread
 * owns the schedule (mailq.c, on the monotonic clock), its own SQLite
 * connection, expiry and the wiping of finished bodies; it hands each due
 * row to one of up to MAILER_PARALLEL sender threads, which sends it with
 * a blocking, time-limited transfer on the thread's own libcurl handle
 * (its connection to the relay kept for the next message) and records the
 * outcome.  A relay that hangs on one message holds that one thread only.
 * Senders start on demand and end themselves once idle for
 * MAILER_SENDER_IDLE_SECONDS (their stacks and TLS state go with them);
 * the dispatcher alone joins them, when they end and at the stop.
 * It must never block the event loop (the loop only kicks it, and the
 * admin calls hold the database lock for single statements), never log a
 * body or code, and never send a row twice at once.
 * Lock order: dblock, then lock; neither is held while a message is sent.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "server/defaults.h"
#include "server/log.h"
#include "userauthd/mail/mailer.h"
#include "userauthd/mail/mailq.h"
#include "userauthd/mail/mailsend.h"

#define DB_RETRY_MS 5000      /* pause sending after a failed row update */
#define CHECKPOINT_MS 1000    /* at most one WAL checkpoint try a second */
#define CHECKPOINT_WAIT_MS 20 /* ... waiting this long for readers */
#define TICK_MS 1000          /* look at the database at least this often */
#define CLOCK_STEP_MS 2000    /* a wall clock move worth a log line */
#define MARGIN_MS (UA_MAIL_EXPIRY_MARGIN * 1000)

/* A sender slot; the state, under lock, moves NONE, RUNNING, ENDED, NONE. */
enum sender_state {
	SENDER_NONE,    /* no thread: free */
	SENDER_RUNNING, /* its thread runs (thread, cond valid) */
	SENDER_ENDED,   /* its thread ended itself: to be joined */
};

struct sender {
	struct mailer *m;
	pthread_t thread;
	pthread_cond_t cond;       /* a job for it, or the stop */
	struct mailsend_xfer *job; /* under lock, as all below */
	struct sender *next;       /* in the idle list */
	bool in_idle;              /* on the idle list */
	enum sender_state state;
	int64_t idle_since; /* mono ms: its last job ended */
};

struct mailer {
	struct mailsend_cfg cfg;
	sqlite3 *db;
	pthread_mutex_t dblock; /* db: the threads and admin calls */
	pthread_mutex_t lock;   /* all below but stop */
	pthread_cond_t wake;    /* the dispatcher: kick, done, stop */
	atomic_bool stop;
	pthread_t thread;
	bool started;
	struct mailq q;
	struct sender sender[MAILER_PARALLEL];
	size_t nsender;            /* slots not SENDER_NONE */
	int64_t idle_ms;           /* a sender idle this long ends */
	struct sender *idle;       /* the last one used first */
	size_t busy;               /* senders with a job */
	int64_t spawn_pause_until; /* mono ms: no new thread before */
	bool kicked;
	int64_t db_pause_until;        /* mono ms */
	bool checkpoint_due;           /* a body wiped since the last one */
	int64_t checkpoint_at;         /* mono ms of the last try */
	bool worked;                   /* rows done since the last release */
	struct mailq_quiet scan_quiet; /* the dispatcher's only */
};

int
mailer_prepare(const struct ua_conf *c, uid_t daemon_uid)
{
	return mailsend_prepare(c, daemon_uid);
}

static uint32_t
rnd32(void)
{
	uint32_t r = 0x80000000u;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = 0x80000000u;
	return r;
}

/* Wait on cond (made on CLOCK_MONOTONIC) at most ms. */
static void
wait_ms(pthread_cond_t *cond, pthread_mutex_t *mx, int64_t ms)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	(void)pthread_cond_timedwait(cond, mx, &ts);
}

static int
cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t a;
	int r;

	r = -pthread_condattr_init(&a);
	if (r == 0)
		r = -pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	if (r == 0)
		r = -pthread_cond_init(cond, &a);
	(void)pthread_condattr_destroy(&a);
	return r;
}

/* ---- the queue ---------------------------------------------------------- */

/*
 * The queue could not be read (r < 0, why) or could: a damaged database
 * fails every tick for as long as it lasts, logged at most once a
 * minute, and its end once (mailq_quiet).
 */
static void
scan_said(struct mailer *m, struct mailq_clock now, int r, const char *why)
{
	unsigned n = 0;

	if (r == -EIO && !mailq_quiet_fail(&m->scan_quiet, now, &n))
		return;
	if (r == -EIO && m->scan_quiet.faults == 1)
		ua_log(LOG_ERR,
		    "mailer: reading the queue: %s (logged at most once a "
		    "minute while it lasts)",
		    why);
	else if (r == -EIO)
		ua_log(LOG_ERR,
		    "mailer: reading the queue: %s (%u failed tries since "
		    "the last line)",
		    why, n + 1);
	else if (r == 0 && mailq_quiet_ok(&m->scan_quiet, &n))
		ua_log(LOG_NOTICE,
		    "mailer: reading the queue again, after %u failed tries",
		    n);
}

/* Bring the schedule in line with the queued rows of the database. */
static int
scan(struct mailer *m, struct mailq_clock now)
{
	struct mailq_row *rows = NULL;
	char why[256] = "";
	size_t n = 0, i;
	int r;

	(void)pthread_mutex_lock(&m->dblock);
	r = mailq_db_queued(m->db, &rows, &n, why, sizeof(why));
	(void)pthread_mutex_unlock(&m->dblock);
	scan_said(m, now, r, why);
	if (r < 0)
		return r;
	(void)pthread_mutex_lock(&m->lock);
	mailq_mark(&m->q);
	for (i = 0; i < n; i++)
		(void)mailq_see(&m->q, rows[i].id, rows[i].created,
		    rows[i].expires, MARGIN_MS, now);
	mailq_sweep(&m->q);
	(void)pthread_mutex_unlock(&m->lock);
	free(rows);
	return 0;
}

static int
load_row(struct mailer *m, int64_t id, struct mailsend_xfer **ret,
    bool *ret_bad)
{
	int r;

	(void)pthread_mutex_lock(&m->dblock);
	r = mailq_db_load(m->db, id, ret, ret_bad);
	(void)pthread_mutex_unlock(&m->dblock);
	return r;
}

static int
record(struct mailer *m, const struct mailsend_xfer *x, enum mailq_fate f,
    const char *why, int64_t next_wall)
{
	int r;

	(void)pthread_mutex_lock(&m->dblock);
	r = mailq_db_record(m->db, x, f, why, mailq_now().wall, next_wall);
	(void)pthread_mutex_unlock(&m->dblock);
	return r;
}

/*
 * Under lock: the row is done with (f) or scheduled again.  A row whose
 * outcome could not be written stays, tried again once the database
 * pause is over; one that was sent is then only recorded, not sent again
 * (after a restart in between it goes out twice, with one Message-ID).
 */
static void
settle(struct mailer *m, int64_t id, enum mailq_fate f, int rec)
{
	struct mailq_entry *e = mailq_find(&m->q, id);
	struct mailq_clock now = mailq_now();

	m->worked = true;
	if (rec < 0) {
		m->db_pause_until = now.mono + DB_RETRY_MS;
		if (e != NULL) {
			e->busy = false;
			e->due = now.mono + DB_RETRY_MS;
			e->unrecorded = e->unrecorded || f == MAILQ_SENT;
		}
		return;
	}
	if (f == MAILQ_RETRY && e != NULL)
		e->busy = false;
	if (f != MAILQ_RETRY) {
		m->checkpoint_due = true;
		mailq_drop(&m->q, id);
	}
}

/* Under lock: s is idle (since now when used), first to be taken again. */
static void
idle_push(struct mailer *m, struct sender *s, bool used)
{
	s->next = m->idle;
	m->idle = s;
	s->in_idle = true;
	if (used)
		s->idle_since = mailq_now().mono;
}

/* Under lock: take s off the idle list. */
static void
idle_unlink(struct mailer *m, struct sender *s)
{
	struct sender **p;

	for (p = &m->idle; *p != NULL; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	s->next = NULL;
	s->in_idle = false;
}

/* A sender's attempt ended: record it, schedule the row, free x. */
static void
finish(struct mailer *m, struct sender *s, struct mailsend_xfer *x,
    enum mailsend_outcome o, const char *why)
{
	enum mailq_fate f = o == MAILSEND_SENT ? MAILQ_SENT
	    : o == MAILSEND_FAILED             ? MAILQ_FAILED
					       : MAILQ_RETRY;
	struct mailq_clock now = mailq_now();
	struct mailq_entry *e;
	int64_t next = now.wall, id = x->id;
	int r = 0;

	(void)pthread_mutex_lock(&m->lock);
	e = mailq_find(&m->q, id);
	if (e != NULL && o == MAILSEND_ABANDONED)
		e->busy = false;
	else if (e != NULL && f == MAILQ_RETRY) {
		mailq_retry(e, x->attempts + 1, m->cfg.retry_max_ms, rnd32(),
		    now);
		e->busy = true; /* until recorded */
		next = now.wall + (e->due - now.mono);
	}
	(void)pthread_mutex_unlock(&m->lock);
	if (o != MAILSEND_ABANDONED)
		r = record(m, x, f, why, next);
	mailsend_xfer_free(x);
	(void)pthread_mutex_lock(&m->lock);
	if (o != MAILSEND_ABANDONED)
		settle(m, id, f, r);
	s->job = NULL;
	idle_push(m, s, true);
	m->busy--;
	(void)pthread_cond_signal(&m->wake);
	(void)pthread_mutex_unlock(&m->lock);
}

/* ---- the threads -------------------------------------------------------- */

static enum mailsend_outcome
send_one(struct mailer *m, struct mailsend_smtp **smtp, struct mailsend_xfer *x,
    char *why, size_t whysz)
{
	if (m->cfg.sendmail != NULL)
		return mailsend_sendmail(&m->cfg, x, why, whysz);
	if (*smtp == NULL && (*smtp = mailsend_smtp_new()) == NULL) {
		(void)snprintf(why, whysz, "curl: out of memory");
		return MAILSEND_RETRY;
	}
	return mailsend_smtp_send(*smtp, &m->cfg, x, why, whysz);
}

/*
 * Under lock: how long an idle sender has left before it ends (<= 0: its
 * time is up); a sender the dispatcher took off the idle list is not idle.
 */
static int64_t
idle_left_ms(const struct mailer *m, const struct sender *s)
{
	if (s->job != NULL || !s->in_idle)
		return 3600 * 1000;
	return s->idle_since + m->idle_ms - mailq_now().mono;
}

/* Under lock: s ends itself; the dispatcher joins it (reap). */
static void
retire(struct mailer *m, struct sender *s)
{
	idle_unlink(m, s);
	s->state = SENDER_ENDED;
	(void)pthread_cond_signal(&m->wake);
}

/*
 * A sender thread: one message at a time; between messages it keeps its
 * connection to the relay, and closes it once idle for
 * MAILSEND_IDLE_SECONDS (the relay's resources, our descriptors).  Idle
 * for m->idle_ms, it ends, with its connection closed first (the QUIT may
 * wait): once ENDED it touches nothing of m.
 */
static void *
sender_main(void *arg)
{
	struct sender *s = arg;
	struct mailer *m = s->m;
	struct mailsend_smtp *smtp = NULL;
	char why[CURL_ERROR_SIZE + 64];
	struct mailsend_xfer *x;
	enum mailsend_outcome o;
	int64_t left;

	(void)pthread_mutex_lock(&m->lock);
	while (!atomic_load(&m->stop)) {
		left = idle_left_ms(m, s);
		if (s->job == NULL && smtp != NULL &&
		    (left <= 0 || mailsend_smtp_stale(smtp))) {
			(void)pthread_mutex_unlock(&m->lock);
			mailsend_smtp_free(smtp);
			smtp = NULL;
			(void)pthread_mutex_lock(&m->lock);
			continue;
		}
		if (s->job == NULL && left <= 0) {
			retire(m, s);
			break;
		}
		if (s->job == NULL) {
			if (smtp != NULL && left > MAILSEND_IDLE_SECONDS * 1000)
				left = MAILSEND_IDLE_SECONDS * 1000;
			wait_ms(&s->cond, &m->lock, left);
			continue;
		}
		x = s->job;
		(void)pthread_mutex_unlock(&m->lock);
		why[0] = '\0';
		o = send_one(m, &smtp, x, why, sizeof(why));
		finish(m, s, x, o, why);
		(void)pthread_mutex_lock(&m->lock);
	}
	/* Stopped (or ended): a job not started stays queued in the database.
	 */
	x = s->job;
	s->job = NULL;
	(void)pthread_mutex_unlock(&m->lock);
	mailsend_xfer_free(x);
	mailsend_smtp_free(smtp);
	return NULL;
}

/* Under lock: an idle sender, started if need be; NULL when all busy. */
static struct sender *
take_sender(struct mailer *m)
{
	struct sender *s = m->idle;
	size_t i;
	int r;

	if (s != NULL) {
		idle_unlink(m, s);
		return s;
	}
	if (m->nsender == MAILER_PARALLEL ||
	    mailq_now().mono < m->spawn_pause_until)
		return NULL;
	for (i = 0; i < MAILER_PARALLEL && m->sender[i].state != SENDER_NONE;
	     i++)
		;
	if (i == MAILER_PARALLEL)
		return NULL;
	s = &m->sender[i];
	s->m = m;
	s->job = NULL;
	s->next = NULL;
	s->in_idle = false;
	s->idle_since = mailq_now().mono; /* its idle time starts now */
	r = cond_init(&s->cond);
	if (r == 0) {
		/* It inherits the dispatcher's signal mask: all blocked. */
		r = -pthread_create(&s->thread, NULL, sender_main, s);
		if (r < 0)
			(void)pthread_cond_destroy(&s->cond);
	}
	if (r < 0) {
		/* Try again in a while, not in a loop. */
		m->spawn_pause_until = mailq_now().mono + TICK_MS;
		ua_log_errno(LOG_ERR, r, "mailer: sender thread: %m");
		return NULL;
	}
	s->state = SENDER_RUNNING;
	m->nsender++;
	return s;
}

/*
 * Under lock: claim the first due row (busy) and, unless it has expired
 * or was sent already (only its outcome is left to write), a sender for
 * it.  Its id, or 0 when there is nothing to do now.
 */
static int64_t
claim(struct mailer *m, struct sender **ret_s, bool *ret_expired,
    bool *ret_sent)
{
	struct mailq_clock now = mailq_now();
	struct mailq_entry *e = mailq_due(&m->q, now);

	*ret_s = NULL;
	if (e == NULL || now.mono < m->db_pause_until)
		return 0;
	*ret_sent = e->unrecorded;
	*ret_expired = !*ret_sent && mailq_expired(e, MARGIN_MS, now);
	if (!*ret_expired && !*ret_sent && (*ret_s = take_sender(m)) == NULL)
		return 0;
	e->busy = true;
	return e->id;
}

/* Hand each due row to a sender while there are rows and senders. */
static void
dispatch(struct mailer *m)
{
	struct mailsend_xfer *x = NULL;
	struct sender *s = NULL;
	bool expired = false, bad = false, sent = false;
	int64_t id;
	int r, rec;

	(void)pthread_mutex_lock(&m->lock);
	while (!atomic_load(&m->stop) &&
	    (id = claim(m, &s, &expired, &sent)) > 0) {
		(void)pthread_mutex_unlock(&m->lock);
		bad = false;
		r = load_row(m, id, &x, &bad);
		rec = 0;
		if (r > 0 && sent) {
			rec = record(m, x, MAILQ_SENT, NULL, 0);
			mailsend_xfer_free(x);
			x = NULL;
		} else if (r > 0 && (expired || bad)) {
			rec =
			    record(m, x, expired ? MAILQ_EXPIRED : MAILQ_FAILED,
				expired ? NULL
					: "the row holds no valid message or "
					  "recipient",
				0);
			mailsend_xfer_free(x);
			x = NULL;
		}
		(void)pthread_mutex_lock(&m->lock);
		/* a row loaded and live was claimed with a sender (claim) */
		if (x != NULL && s != NULL) {
			s->job = x;
			x = NULL;
			m->busy++;
			(void)pthread_cond_signal(&s->cond);
			continue;
		}
		if (s != NULL) {
			/* unused: back on the list, its idle time running on */
			idle_push(m, s, false);
			(void)pthread_cond_signal(&s->cond);
		}
		/* Done with (expired, bad, or no longer queued) or, after a
		 * database error, tried again later. */
		settle(m, id,
		    sent      ? MAILQ_SENT
			: bad ? MAILQ_FAILED
			      : MAILQ_EXPIRED,
		    r < 0 ? r : rec);
	}
	(void)pthread_mutex_unlock(&m->lock);
}

/* S6: move wiped pages out of the WAL so no code stays in a file. */
static void
checkpoint(struct mailer *m)
{
	int64_t now = mailq_now().mono;
	bool due;
	const char *why;

	(void)pthread_mutex_lock(&m->lock);
	due = m->checkpoint_due && now - m->checkpoint_at >= CHECKPOINT_MS;
	if (due)
		m->checkpoint_at = now;
	(void)pthread_mutex_unlock(&m->lock);
	if (!due)
		return;
	(void)pthread_mutex_lock(&m->dblock);
	/*
	 * TRUNCATE holds the write lock while it waits for readers (the NSS
	 * publisher reads for seconds on a big pool): give up soon and try
	 * again in a second rather than stall the loop's writes.
	 */
	why = mailq_db_checkpoint(m->db, CHECKPOINT_WAIT_MS);
	(void)pthread_mutex_unlock(&m->dblock);
	if (why == NULL) {
		(void)pthread_mutex_lock(&m->lock);
		m->checkpoint_due = false;
		(void)pthread_mutex_unlock(&m->lock);
	} else
		ua_log(LOG_DEBUG, "mailer: WAL checkpoint postponed: %s", why);
}

/* Done for now: RSS back to where it was (SQLite's page cache, heaps). */
static void
release_if_idle(struct mailer *m)
{
	bool idle;

	(void)pthread_mutex_lock(&m->lock);
	idle = m->busy == 0 && m->worked;
	if (idle)
		m->worked = false;
	(void)pthread_mutex_unlock(&m->lock);
	if (!idle)
		return;
	(void)pthread_mutex_lock(&m->dblock);
	mailq_db_release(m->db);
	(void)pthread_mutex_unlock(&m->dblock);
	(void)malloc_trim(0);
}

/* Under lock: how long the dispatcher may sleep. */
static int64_t
sleep_ms(struct mailer *m)
{
	struct mailq_clock now = mailq_now();
	int64_t d = TICK_MS;

	/* A due row waiting for a sender: the sender's finish wakes us. */
	if (m->idle != NULL ||
	    (m->nsender < MAILER_PARALLEL && now.mono >= m->spawn_pause_until))
		d = mailq_wait_ms(&m->q, d, now);
	if (m->db_pause_until > now.mono && m->db_pause_until - now.mono > d)
		d = m->db_pause_until - now.mono;
	if (m->checkpoint_due && d > CHECKPOINT_MS)
		d = CHECKPOINT_MS;
	return d;
}

static bool
db_paused(struct mailer *m, struct mailq_clock now)
{
	bool paused;

	(void)pthread_mutex_lock(&m->lock);
	paused = now.mono < m->db_pause_until;
	(void)pthread_mutex_unlock(&m->lock);
	return paused;
}

static void
note_clock(struct mailer *m, struct mailq_clock now)
{
	int64_t moved;

	(void)pthread_mutex_lock(&m->lock);
	moved = mailq_clock_moved(&m->q, now);
	(void)pthread_mutex_unlock(&m->lock);
	if (moved <= -CLOCK_STEP_MS || moved >= CLOCK_STEP_MS)
		ua_log(LOG_NOTICE,
		    "mailer: the wall clock moved by %+lld s; "
		    "retries keep to the monotonic clock, expiry is checked "
		    "on both",
		    (long long)((moved + (moved < 0 ? -500 : 500)) / 1000));
}

/*
 * Join the senders that ended themselves (all when stopping: by then each
 * was told to stop), freeing their slots.  Only this thread joins.
 */
static void
reap(struct mailer *m, bool all)
{
	struct sender *s;
	bool join;
	size_t i;

	for (i = 0; i < MAILER_PARALLEL; i++) {
		s = &m->sender[i];
		(void)pthread_mutex_lock(&m->lock);
		join = s->state == SENDER_ENDED ||
		    (all && s->state == SENDER_RUNNING);
		(void)pthread_mutex_unlock(&m->lock);
		if (!join)
			continue;
		(void)pthread_join(s->thread, NULL);
		(void)pthread_cond_destroy(&s->cond);
		(void)pthread_mutex_lock(&m->lock);
		s->state = SENDER_NONE;
		m->nsender--;
		(void)pthread_mutex_unlock(&m->lock);
	}
}

static void *
mailer_main(void *arg)
{
	struct mailer *m = arg;
	struct mailq_clock now;
	size_t i;

	while (!atomic_load(&m->stop)) {
		reap(m, false);
		now = mailq_now();
		note_clock(m, now);
		if (!db_paused(m, now) && scan(m, now) == 0)
			dispatch(m);
		checkpoint(m);
		release_if_idle(m);
		(void)pthread_mutex_lock(&m->lock);
		if (!m->kicked && !atomic_load(&m->stop))
			wait_ms(&m->wake, &m->lock, sleep_ms(m));
		m->kicked = false;
		(void)pthread_mutex_unlock(&m->lock);
	}
	(void)pthread_mutex_lock(&m->lock);
	for (i = 0; i < MAILER_PARALLEL; i++)
		if (m->sender[i].state == SENDER_RUNNING)
			(void)pthread_cond_signal(&m->sender[i].cond);
	(void)pthread_mutex_unlock(&m->lock);
	reap(m, true);
	return NULL;
}

static void
mailer_free(struct mailer *m)
{
	if (m == NULL)
		return;
	mailq_db_close(m->db);
	(void)pthread_mutex_destroy(&m->dblock);
	(void)pthread_mutex_destroy(&m->lock);
	(void)pthread_cond_destroy(&m->wake);
	mailq_free(&m->q);
	mailsend_cfg_free(&m->cfg);
	free(m);
}

int
mailer_start(const struct ua_conf *c, const char *db_path,
    const struct mailer_opts *o, struct mailer **ret)
{
	struct mailer *m;
	sigset_t all, old;
	int r;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	atomic_init(&m->stop, false);
	m->idle_ms = o != NULL && o->sender_idle_ms > 0
	    ? o->sender_idle_ms
	    : MAILER_SENDER_IDLE_SECONDS * 1000;
	(void)pthread_mutex_init(&m->dblock, NULL);
	(void)pthread_mutex_init(&m->lock, NULL);
	r = cond_init(&m->wake);
	if (r == 0)
		r = mailsend_cfg_init(c, &m->cfg);
	m->cfg.stop = &m->stop;
	if (r == 0)
		r = mailq_db_open(db_path, &m->db);
	if (r < 0)
		goto out;
	/* Signals belong to the event loop: the threads block them all. */
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_BLOCK, &all, &old);
	r = -pthread_create(&m->thread, NULL, mailer_main, m);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		ua_log_errno(LOG_ERR, r, "mailer: thread: %m");
		goto out;
	}
	m->started = true;
	ua_log(LOG_INFO, "mailer: sending through %s, up to %d at once",
	    m->cfg.sendmail ? m->cfg.sendmail : m->cfg.url, MAILER_PARALLEL);
	*ret = m;
	m = NULL;
out:
	mailer_free(m);
	return r;
}

void
mailer_kick(struct mailer *m)
{
	if (m == NULL)
		return;
	(void)pthread_mutex_lock(&m->lock);
	m->kicked = true;
	(void)pthread_cond_signal(&m->wake);
	(void)pthread_mutex_unlock(&m->lock);
}

void
mailer_stop(struct mailer *m)
{
	if (m == NULL)
		return;
	if (m->started) {
		atomic_store(&m->stop, true);
		mailer_kick(m);
		(void)pthread_join(m->thread, NULL);
	}
	mailer_free(m);
}

size_t
mailer_senders(struct mailer *m)
{
	size_t i, n = 0;

	if (m == NULL)
		return 0;
	(void)pthread_mutex_lock(&m->lock);
	for (i = 0; i < MAILER_PARALLEL; i++)
		n += m->sender[i].state == SENDER_RUNNING;
	(void)pthread_mutex_unlock(&m->lock);
	return n;
}

/* ---- admin -------------------------------------------------------------- */

static int
not_running(struct store_err *err)
{
	return store_fail(err, -ENOTCONN, "unsupported",
	    "the mail sender is not running");
}

int
mailer_list(struct mailer *m, bool full, json_t **ret, struct store_err *err)
{
	int r;

	if (m == NULL)
		return not_running(err);
	(void)pthread_mutex_lock(&m->dblock);
	r = mailq_db_list(m->db, mailq_now().wall / 1000, full, ret, err);
	(void)pthread_mutex_unlock(&m->dblock);
	return r;
}

int
mailer_flush(struct mailer *m, json_t **ret, struct store_err *err)
{
	int64_t n = 0;
	int r;

	if (m == NULL)
		return not_running(err);
	(void)pthread_mutex_lock(&m->dblock);
	r = mailq_db_flush(m->db, mailq_now().wall, &n, err);
	(void)pthread_mutex_unlock(&m->dblock);
	if (r < 0)
		return r;
	/* The schedule is in memory: due now there too. */
	(void)pthread_mutex_lock(&m->lock);
	mailq_flush(&m->q, mailq_now());
	(void)pthread_mutex_unlock(&m->lock);
	mailer_kick(m);
	*ret = json_pack("{s:I}", "queued", (json_int_t)n);
	return *ret ? 0 : store_oom(err);
}
