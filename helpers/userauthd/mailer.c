/* SPDX-License-Identifier: MIT */
/*
 * The mail sender thread and the admin view of the queue.  Owns its own
 * SQLite connection, the libcurl multi handle, the retry schedule, expiry
 * and the wiping of finished bodies.  It must never block the event loop
 * (the loop only kicks it, and the admin calls hold the database lock for
 * single statements), never log a body or code, and never send a row
 * twice at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client/mask.h"
#include "client/wipe.h"
#include "server/defaults.h"
#include "server/log.h"
#include "userauthd/mailer.h"
#include "userauthd/mailmsg.h"
#include "userauthd/mailsend.h"
#include "userauthd/sqlbusy.h"

#define DB_RETRY_MS 5000	/* pause sending after a failed row update */
#define CHECKPOINT_MS 1000	/* at most one WAL checkpoint try a second */
#define CHECKPOINT_WAIT_MS 20	/* ... waiting this long for readers */

struct mailer {
	struct mailsend_cfg cfg;
	sqlite3 *db;
	pthread_mutex_t dblock;		/* db: the thread and admin calls */
	CURLM *multi;
	pthread_t thread;
	bool started;
	atomic_bool stop;
	struct mailsend_xfer *xfer[MAILER_PARALLEL];
	size_t nxfer;
	int64_t db_pause_until;		/* wall ms */
	bool checkpoint_due;		/* a body was wiped since the last one */
	int64_t checkpoint_at;		/* wall ms of the last try */
	bool worked;			/* rows finished since the last release */
};

/* What mailer_prepare read as root, for mailer_start. */
static struct {
	bool curl_ready;
	char *path;
	char *password;
} prep;

static int64_t
wall_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
curl_ready(void)
{
	CURLcode rc;

	if (prep.curl_ready)
		return 0;
	rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK) {
		ua_log(LOG_ERR, "mailer: libcurl: %s", curl_easy_strerror(rc));
		return -EIO;
	}
	prep.curl_ready = true;
	return 0;
}

/* The first line of a private file owned by root or uid. */
static int
read_password(const char *path, uid_t uid, char **ret)
{
	char buf[UA_MAX_SMTP_PASSWORD + 2], *nl;
	struct stat st;
	size_t len = 0, i;
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK);
	if (fd < 0)
		return ua_log_errno(LOG_ERR, -errno, "smtp_password_file "
		    "'%s': %m", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (st.st_uid != 0 && st.st_uid != uid) || (st.st_mode & 077)) {
		ua_log(LOG_ERR, "smtp_password_file '%s' must be a regular "
		    "file owned by root or the daemon user with mode 0600 or "
		    "0400", path);
		r = -EPERM;
		goto out;
	}
	while (len < sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	if ((nl = memchr(buf, '\n', len)) != NULL)
		len = (size_t)(nl - buf);
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	for (i = 0; i < len && r == 0; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			r = -EINVAL;
	if (r == 0 && (len == 0 || len > UA_MAX_SMTP_PASSWORD))
		r = -EINVAL;
	if (r < 0) {
		ua_log(LOG_ERR, "smtp_password_file '%s': the first line must "
		    "hold the password (1 to %d bytes, no control "
		    "characters)", path, UA_MAX_SMTP_PASSWORD);
		goto out;
	}
	if ((*ret = strdup(buf)) == NULL)
		r = -ENOMEM;
out:
	ua_wipe(buf, sizeof(buf));
	(void)close(fd);
	return r;
}

int
mailer_prepare(const struct ua_conf *c, uid_t daemon_uid)
{
	const char *path = c->mail.smtp_password_file;
	int r;

	r = curl_ready();
	if (r < 0 || path == NULL)
		return r;
	free(prep.path);
	ua_erase_free(prep.password);
	prep.password = NULL;
	prep.path = strdup(path);
	if (prep.path == NULL)
		return -ENOMEM;
	return read_password(path, daemon_uid, &prep.password);
}

static int
copy_cfg(const struct ua_conf *c, struct mailsend_cfg *cfg)
{
	const struct ua_mail_conf *mc = &c->mail;
	int r = 0;

	cfg->url = strdup(mc->smtp_url);
	cfg->user = mc->smtp_user ? strdup(mc->smtp_user) : NULL;
	cfg->ca_file = mc->smtp_ca_file ? strdup(mc->smtp_ca_file) : NULL;
	cfg->sendmail = mc->sendmail ? strdup(mc->sendmail) : NULL;
	cfg->tls = mc->smtp_tls || !mc->smtp_loopback ||
	    mc->smtp_starttls == UA_STARTTLS_REQUIRED;
	cfg->retry_max_ms = mc->retry_max_interval_ms;
	if (cfg->url == NULL || (mc->smtp_user && !cfg->user) ||
	    (mc->smtp_ca_file && !cfg->ca_file) ||
	    (mc->sendmail && !cfg->sendmail))
		return -ENOMEM;
	if (mc->smtp_password_file != NULL && mc->sendmail == NULL) {
		if (prep.password != NULL && prep.path != NULL &&
		    strcmp(prep.path, mc->smtp_password_file) == 0) {
			cfg->password = prep.password;
			prep.password = NULL;
		} else
			r = read_password(mc->smtp_password_file, geteuid(),
			    &cfg->password);
	}
	if (r == 0 && cfg->ca_file != NULL && mc->sendmail == NULL &&
	    access(cfg->ca_file, R_OK) < 0)
		r = ua_log_errno(LOG_ERR, -errno, "smtp_ca_file '%s': %m",
		    cfg->ca_file);
	if (r == 0 && cfg->sendmail != NULL && access(cfg->sendmail, X_OK) < 0)
		r = ua_log_errno(LOG_ERR, -errno, "sendmail '%s': %m",
		    cfg->sendmail);
	return r;
}

static int
db_open(const char *path, sqlite3 **ret)
{
	sqlite3 *db = NULL;
	int rc;

	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlbusy_set(db, 5000);
		rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL;"
		    "PRAGMA synchronous = FULL;"
		    "PRAGMA secure_delete = ON;"
		    "PRAGMA trusted_schema = OFF;"
		    "SELECT count(*) FROM mail_queue;", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		ua_log(LOG_ERR, "mailer: database '%s': %s", path,
		    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		(void)sqlite3_close_v2(db);
		return -EIO;
	}
	*ret = db;
	return 0;
}

/* ---- the queue ---------------------------------------------------------- */

static bool
in_flight(const struct mailer *m, int64_t id)
{
	size_t i;

	for (i = 0; i < m->nxfer; i++)
		if (m->xfer[i]->id == id)
			return true;
	return false;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? (const char *)t : "";
}

/*
 * The oldest due row that is not in flight, copied into a new transfer.
 * 1 and *ret; 0 when none is due; < 0 on a database error.  *ret_bad
 * says the row has no usable message or recipient.
 */
static int
pick_due(struct mailer *m, int64_t now, struct mailsend_xfer **ret,
    bool *ret_bad)
{
	struct mailsend_xfer *x = NULL;
	sqlite3_stmt *st = NULL;
	const void *body;
	int rc, r = 0;

	(void)pthread_mutex_lock(&m->dblock);
	rc = sqlite3_prepare_v2(m->db,
	    "SELECT id, pool, recipient, body, expires, attempts "
	    "FROM mail_queue WHERE state = 'queued' AND "
	    "next_attempt <= ?1 ORDER BY next_attempt, id LIMIT ?2",
	    -1, &st, NULL);
	if (rc != SQLITE_OK) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, MAILER_PARALLEL + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (in_flight(m, sqlite3_column_int64(st, 0)))
			continue;
		x = calloc(1, sizeof(*x));
		if (x == NULL) {
			r = -ENOMEM;
			goto out;
		}
		x->id = sqlite3_column_int64(st, 0);
		(void)snprintf(x->pool, sizeof(x->pool), "%s", col(st, 1));
		if (ua_mask_email(col(st, 2), x->masked, sizeof(x->masked)) < 0)
			(void)snprintf(x->masked, sizeof(x->masked), "?");
		/* Bytes, not characters: length() would count UTF-8. */
		body = sqlite3_column_text(st, 3);
		x->len = (size_t)sqlite3_column_bytes(st, 3);
		x->expires = sqlite3_column_int64(st, 4);
		x->attempts = sqlite3_column_int64(st, 5);
		if (body != NULL && x->len > 0 && x->len <= MAILMSG_MAX &&
		    (x->msg = malloc(x->len + 1)) != NULL) {
			memcpy(x->msg, body, x->len);
			x->msg[x->len] = '\0';
		}
		*ret_bad = x->msg == NULL || strlen(x->msg) != x->len ||
		    mailsend_envelope(x, col(st, 2)) < 0;
		*ret = x;
		r = 1;
		break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = -EIO;
out:
	if (r < 0)
		ua_log(LOG_ERR, "mailer: reading the queue: %s",
		    sqlite3_errmsg(m->db));
	sqlite3_finalize(st);
	(void)pthread_mutex_unlock(&m->dblock);
	return r;
}

/* 1, 2, 4, ... seconds after the n-th failure, +-20%, at most max_ms. */
static int64_t
backoff_ms(int64_t n, uint32_t max_ms)
{
	uint64_t d = 1000ULL << (n > 1 ? (n - 1 > 20 ? 20 : n - 1) : 0);
	uint32_t rnd = 0x80000000u;

	if (d > max_ms)
		d = max_ms;
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = 0x80000000u;
	d = d * (800 + rnd % 401) / 1000;
	return (int64_t)(d > max_ms ? max_ms : d);
}

enum fate { SENT, RETRY, FAILED, EXPIRED };

/* Record how x's attempt ended; bodies of done rows become NULL. */
static void
finish(struct mailer *m, struct mailsend_xfer *x, enum fate f,
    const char *why)
{
	static const char *const sql[] = {
		[SENT] = "UPDATE mail_queue SET state = 'sent', body = NULL, "
		    "done = ?2 / 1000, attempts = attempts + 1, "
		    "last_error = NULL WHERE id = ?1 AND state = 'queued'",
		[RETRY] = "UPDATE mail_queue SET next_attempt = ?3, "
		    "attempts = attempts + 1, last_error = ?4 "
		    "WHERE id = ?1 AND state = 'queued'",
		[FAILED] = "UPDATE mail_queue SET state = 'failed', "
		    "body = NULL, done = ?2 / 1000, attempts = attempts + 1, "
		    "last_error = ?4 WHERE id = ?1 AND state = 'queued'",
		[EXPIRED] = "UPDATE mail_queue SET state = 'expired', "
		    "body = NULL, done = ?2 / 1000 "
		    "WHERE id = ?1 AND state = 'queued'",
	};
	static const char *const word[] = { "sent", "retry", "failed",
		"expired" };
	int64_t now = wall_ms(), next = 0, last;
	char qpool[64], qwhy[300];
	sqlite3_stmt *st = NULL;
	int rc;

	if (f == RETRY) {
		last = x->expires * 1000 - UA_MAIL_EXPIRY_MARGIN * 1000;
		next = now + backoff_ms(x->attempts + 1, m->cfg.retry_max_ms);
		if (next > last)
			next = last;
	}
	(void)pthread_mutex_lock(&m->dblock);
	rc = sqlite3_prepare_v2(m->db, sql[f], -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, x->id);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_int64(st, 3, next);
		sqlite3_bind_text(st, 4, why ? why : "", -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_DONE) {
		ua_log(LOG_ERR, "mailer: recording row %lld: %s",
		    (long long)x->id, sqlite3_errmsg(m->db));
		m->db_pause_until = now + DB_RETRY_MS;
	} else if (f != RETRY)
		m->checkpoint_due = true;
	m->worked = true;
	sqlite3_finalize(st);
	(void)pthread_mutex_unlock(&m->dblock);
	ua_log(f == SENT ? LOG_INFO : f == FAILED ? LOG_WARNING : LOG_NOTICE,
	    "event=mail id=%lld pool=%s to=%s result=%s attempts=%lld%s%s",
	    (long long)x->id, ua_log_quote(x->pool, qpool, sizeof(qpool)),
	    x->masked, word[f], (long long)x->attempts + (f != EXPIRED),
	    why && *why ? " error=" : "",
	    why && *why ? ua_log_quote(why, qwhy, sizeof(qwhy)) : "");
}

/* Start (or, for sendmail, run) attempts for due rows. */
static void
start_due(struct mailer *m)
{
	struct mailsend_xfer *x;
	char why[CURL_ERROR_SIZE + 64];
	enum mailsend_outcome o;
	int64_t now;
	bool bad;

	while (m->nxfer < MAILER_PARALLEL && !atomic_load(&m->stop)) {
		why[0] = '\0';
		now = wall_ms();
		if (now < m->db_pause_until || pick_due(m, now, &x, &bad) <= 0)
			return;
		if (now >= x->expires * 1000 - UA_MAIL_EXPIRY_MARGIN * 1000)
			finish(m, x, EXPIRED, NULL);
		else if (bad)
			finish(m, x, FAILED, "the row holds no valid message "
			    "or recipient");
		else if (m->cfg.sendmail != NULL) {
			o = mailsend_sendmail(&m->cfg, x, why, sizeof(why));
			finish(m, x, o == MAILSEND_SENT ? SENT :
			    o == MAILSEND_FAILED ? FAILED : RETRY, why);
		} else if (mailsend_curl_setup(&m->cfg, x, why,
		    sizeof(why)) < 0 ||
		    curl_multi_add_handle(m->multi, x->easy) != CURLM_OK) {
			finish(m, x, RETRY, why[0] ? why : "curl_multi failed");
		} else {
			m->xfer[m->nxfer++] = x;
			continue;
		}
		mailsend_xfer_free(x);
	}
}

static void
drop_xfer(struct mailer *m, struct mailsend_xfer *x)
{
	size_t i;

	for (i = 0; i < m->nxfer; i++)
		if (m->xfer[i] == x) {
			m->xfer[i] = m->xfer[--m->nxfer];
			break;
		}
	(void)curl_multi_remove_handle(m->multi, x->easy);
	mailsend_xfer_free(x);
}

/* Finished SMTP transfers. */
static void
reap(struct mailer *m)
{
	char why[CURL_ERROR_SIZE + 64];
	struct mailsend_xfer *x;
	enum mailsend_outcome o;
	CURLMsg *msg;
	char *priv;
	int left;

	while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		priv = NULL;
		if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    &priv) != CURLE_OK || priv == NULL)
			continue;
		x = (struct mailsend_xfer *)(void *)priv;
		o = mailsend_curl_result(x, msg->data.result, why,
		    sizeof(why));
		finish(m, x, o == MAILSEND_SENT ? SENT :
		    o == MAILSEND_FAILED ? FAILED : RETRY, why);
		drop_xfer(m, x);
	}
}

/* S6: move wiped pages out of the WAL so no code stays in a file. */
static void
checkpoint(struct mailer *m)
{
	int64_t now = wall_ms();
	int rc;

	if (!m->checkpoint_due || now - m->checkpoint_at < CHECKPOINT_MS)
		return;
	m->checkpoint_at = now;
	(void)pthread_mutex_lock(&m->dblock);
	/*
	 * TRUNCATE holds the write lock while it waits for readers (the NSS
	 * publisher reads for seconds on a big pool): give up soon and try
	 * again in a second rather than stall the loop's writes.
	 */
	sqlbusy_set(m->db, CHECKPOINT_WAIT_MS);
	rc = sqlite3_wal_checkpoint_v2(m->db, NULL,
	    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	sqlbusy_set(m->db, 5000);
	(void)pthread_mutex_unlock(&m->dblock);
	if (rc == SQLITE_OK)
		m->checkpoint_due = false;
	else
		ua_log(LOG_DEBUG, "mailer: WAL checkpoint postponed: %s",
		    sqlite3_errstr(rc));
}

/* How long to sleep: until the next row is due, at most a second. */
static int
wait_ms(struct mailer *m)
{
	sqlite3_stmt *st = NULL;
	int64_t d = 1000, now = wall_ms();

	if (m->nxfer > 0)
		return 1000;	/* curl_multi_poll shortens it for curl */
	if (m->checkpoint_due)
		d = CHECKPOINT_MS;
	(void)pthread_mutex_lock(&m->dblock);
	if (sqlite3_prepare_v2(m->db, "SELECT min(next_attempt) FROM "
	    "mail_queue WHERE state = 'queued'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL &&
	    sqlite3_column_int64(st, 0) - now < d)
		d = sqlite3_column_int64(st, 0) - now;
	sqlite3_finalize(st);
	(void)pthread_mutex_unlock(&m->dblock);
	if (m->db_pause_until > now && m->db_pause_until - now > d)
		d = m->db_pause_until - now;
	return d < 0 ? 0 : d > 1000 ? 1000 : (int)d;
}

static void *
mailer_main(void *arg)
{
	struct mailer *m = arg;
	int running;

	while (!atomic_load(&m->stop)) {
		start_due(m);
		(void)curl_multi_perform(m->multi, &running);
		reap(m);
		checkpoint(m);
		if (m->nxfer == 0 && m->worked) {
			/* Done for now: RSS back to where it was (SQLite's
			 * page cache, this thread's heap arena). */
			m->worked = false;
			(void)pthread_mutex_lock(&m->dblock);
			(void)sqlite3_db_release_memory(m->db);
			(void)pthread_mutex_unlock(&m->dblock);
			(void)malloc_trim(0);
		}
		if (atomic_load(&m->stop))
			break;
		(void)curl_multi_poll(m->multi, NULL, 0, wait_ms(m), NULL);
		(void)curl_multi_perform(m->multi, &running);
		reap(m);
	}
	while (m->nxfer > 0)
		drop_xfer(m, m->xfer[0]);
	return NULL;
}

static void
mailer_free(struct mailer *m)
{
	if (m == NULL)
		return;
	if (m->multi != NULL)
		(void)curl_multi_cleanup(m->multi);
	(void)sqlite3_close_v2(m->db);
	(void)pthread_mutex_destroy(&m->dblock);
	free(m->cfg.url);
	free(m->cfg.user);
	ua_erase_free(m->cfg.password);
	free(m->cfg.ca_file);
	free(m->cfg.sendmail);
	free(m);
}

int
mailer_start(const struct ua_conf *c, const char *db_path,
    struct mailer **ret)
{
	struct mailer *m;
	sigset_t all, old;
	int r;

	r = curl_ready();
	if (r < 0)
		return r;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	atomic_init(&m->stop, false);
	(void)pthread_mutex_init(&m->dblock, NULL);
	r = copy_cfg(c, &m->cfg);
	if (r == 0)
		r = db_open(db_path, &m->db);
	if (r == 0 && (m->multi = curl_multi_init()) == NULL)
		r = -ENOMEM;
	if (r < 0)
		goto out;
	/* Signals belong to the event loop: the thread blocks them all. */
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_BLOCK, &all, &old);
	r = -pthread_create(&m->thread, NULL, mailer_main, m);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		ua_log_errno(LOG_ERR, r, "mailer: thread: %m");
		goto out;
	}
	m->started = true;
	ua_log(LOG_INFO, "mailer: sending through %s",
	    m->cfg.sendmail ? m->cfg.sendmail : m->cfg.url);
	*ret = m;
	m = NULL;
out:
	mailer_free(m);
	return r;
}

void
mailer_kick(struct mailer *m)
{
	if (m != NULL && m->multi != NULL)
		(void)curl_multi_wakeup(m->multi);
}

void
mailer_stop(struct mailer *m)
{
	if (m == NULL)
		return;
	if (m->started) {
		atomic_store(&m->stop, true);
		(void)curl_multi_wakeup(m->multi);
		(void)pthread_join(m->thread, NULL);
	}
	mailer_free(m);
}

/* ---- admin -------------------------------------------------------------- */

static int
not_running(struct store_err *err)
{
	return store_fail(err, -ENOTCONN, "unsupported",
	    "the mail sender is not running");
}

static int
db_fail(struct mailer *m, int rc, struct store_err *err)
{
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return store_fail(err, -EBUSY, "busy", "the database is busy");
	return store_fail(err, -EIO, "internal", "database error: %s",
	    sqlite3_errmsg(m->db));
}

static json_t *
list_row(sqlite3_stmt *st, int64_t now)
{
	char masked[UA_MASK_EMAIL_MAX];

	if (ua_mask_email(col(st, 2), masked, sizeof(masked)) < 0)
		(void)snprintf(masked, sizeof(masked), "?");
	return json_pack("{s:I s:s s:s s:s s:I s:o s:I s:I}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "pool", col(st, 1), "recipient", masked, "state", col(st, 3),
	    "attempts", (json_int_t)sqlite3_column_int64(st, 4),
	    "last_error", sqlite3_column_type(st, 5) == SQLITE_NULL ?
		json_null() : json_string(col(st, 5)),
	    "age", (json_int_t)(now - sqlite3_column_int64(st, 6)),
	    "expires_in", (json_int_t)(sqlite3_column_int64(st, 7) - now));
}

int
mailer_list(struct mailer *m, json_t **ret, struct store_err *err)
{
	int64_t now = wall_ms() / 1000;
	sqlite3_stmt *st = NULL;
	json_t *a, *o;
	int rc, r = 0;

	if (m == NULL)
		return not_running(err);
	if ((a = json_array()) == NULL)
		return store_fail(err, -ENOMEM, "internal", "out of memory");
	(void)pthread_mutex_lock(&m->dblock);
	rc = sqlite3_prepare_v2(m->db,
	    "SELECT id, pool, recipient, state, attempts, last_error, "
	    "created, expires FROM mail_queue WHERE state = 'queued' OR "
	    "done >= ?1 ORDER BY id LIMIT ?2", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, now - MAILER_LIST_DONE_SECONDS);
		sqlite3_bind_int(st, 2, MAILER_LIST_MAX);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			o = list_row(st, now);
			if (o == NULL || json_array_append_new(a, o) < 0) {
				r = store_fail(err, -ENOMEM, "internal",
				    "out of memory");
				break;
			}
		}
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_fail(m, rc, err);
	sqlite3_finalize(st);
	(void)pthread_mutex_unlock(&m->dblock);
	if (r < 0) {
		json_decref(a);
		return r;
	}
	*ret = a;
	return 0;
}

int
mailer_flush(struct mailer *m, json_t **ret, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t n = 0;
	int rc, r = 0;

	if (m == NULL)
		return not_running(err);
	(void)pthread_mutex_lock(&m->dblock);
	rc = sqlite3_prepare_v2(m->db, "UPDATE mail_queue SET next_attempt "
	    "= min(next_attempt, ?1) WHERE state = 'queued'", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, wall_ms());
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_DONE)
		n = sqlite3_changes(m->db);
	else
		r = db_fail(m, rc, err);
	sqlite3_finalize(st);
	(void)pthread_mutex_unlock(&m->dblock);
	if (r < 0)
		return r;
	mailer_kick(m);
	*ret = json_pack("{s:I}", "queued", (json_int_t)n);
	return *ret ? 0 : store_fail(err, -ENOMEM, "internal",
	    "out of memory");
}
