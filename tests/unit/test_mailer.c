/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the mail sender (helpers/userauthd/mail/mailer.c) as far as
 * no relay is needed, and for the queue row transitions it drives
 * (mailq_db_* in helpers/userauthd/mail/mailq.c), on a real store in a temp
 * dir: a queued row loads, a retry keeps it queued and counts it, sent,
 * failed and expired rows are done and lose their body, a done row is
 * never rewritten, the list masks recipients unless asked for whole ones
 * and shows done rows for an hour, flush makes queued rows due; the
 * sender refuses to start without a usable sendmail, and a running one
 * lists and flushes through its own connection.  Sender threads (through
 * a sendmail script) stay while idle within their limit and end once past
 * it, and a mail after that still goes out; a queue the dispatcher cannot
 * read is logged once, not at every look, and its end once: those tests
 * wait for conditions (a row's state, the threads in /proc/self/task, a
 * log line), at most 10 s.
 *
 * ua_log is wrapped at link time (-Wl,--wrap=ua_log): the event=mail
 * lines land in logcap_lines[] (logcap.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "logcap.h"
#include <sqlite3.h>

#include "server/conf.h"
#include "server/log.h"
#include "userauthd/mail/mailer.h"
#include "userauthd/mail/mailq.h"
#include "userauthd/otp.h"
#include "userauthd/store/store.h"

#define ADDR "ops.person@example.com"
#define ADDR_LC "ops.person@example.com"

struct fx {
	char dir[64];
	char db[128];
	struct ua_conf *conf;
	struct store *s;
	sqlite3 *mdb; /* the sender's kind of connection */
	time_t now;
};

/* A config whose [mail] sends through sendmail (NULL: the default relay). */
static struct ua_conf *
conf_with(const char *sendmail)
{
	char text[1024], msg[256];
	struct ua_conf *c = NULL;

	(void)snprintf(text, sizeof(text),
	    "[defaults]\n"
	    "shell = /bin/sh\n"
	    "mail_from = codes@example.com\n"
	    "[mail]\n"
	    "%s%s%s"
	    "[pool customer]\n"
	    "uid_min = 200000\n"
	    "uid_max = 200099\n"
	    "gid_min = 300000\n"
	    "gid_max = 300099\n",
	    sendmail ? "sendmail = " : "", sendmail ? sendmail : "",
	    sendmail ? "\n" : "");
	if (ua_conf_parse("test.conf", text, strlen(text), &c, msg,
		sizeof(msg)) < 0)
		fail_msg("%s", msg);
	return c;
}

static int
setup(void **state)
{
	struct store_err err = { 0 };
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/ua-mailer-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	(void)snprintf(f->db, sizeof(f->db), "%s/userauth.db", f->dir);
	f->conf = conf_with(NULL);
	assert_int_equal(store_open(f->db, &f->s, &err), 0);
	assert_int_equal(store_sync_pools(f->s, f->conf, &err), 0);
	assert_int_equal(mailq_db_open(f->db, &f->mdb), 0);
	f->now = time(NULL);
	logcap_reset();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	struct fx *f = *state;
	char path[192];
	size_t i;

	mailq_db_close(f->mdb);
	store_close(f->s);
	ua_conf_free(f->conf);
	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		(void)snprintf(path, sizeof(path), "%s%s", f->db, suffix[i]);
		(void)unlink(path);
	}
	(void)snprintf(path, sizeof(path), "%s/sendmail", f->dir);
	(void)unlink(path);
	(void)rmdir(f->dir);
	free(f);
	return 0;
}

/* userauthctl mail test's row to ADDR, queued at now. */
static int64_t
queue(struct fx *f)
{
	struct store_err err = { 0 };
	int64_t id = 0;

	assert_int_equal(otp_queue_test_mail(f->s,
			     ua_conf_pool(f->conf, "customer"), ADDR, f->now,
			     &id, &err),
	    0);
	assert_true(id > 0);
	return id;
}

static struct mailsend_xfer *
load(struct fx *f, int64_t id)
{
	struct mailsend_xfer *x = NULL;
	bool bad = true;

	assert_int_equal(mailq_db_load(f->mdb, id, &x, &bad), 1);
	assert_false(bad);
	assert_non_null(x);
	return x;
}

/* Record fate for row id as the sender does (load, record, free). */
static void
record(struct fx *f, int64_t id, enum mailq_fate fate, const char *why,
    int64_t now_wall, int64_t next_wall)
{
	struct mailsend_xfer *x = load(f, id);

	assert_int_equal(
	    mailq_db_record(f->mdb, x, fate, why, now_wall, next_wall), 0);
	mailsend_xfer_free(x);
}

/* The listed row id (NULL when not listed), from a list the caller frees. */
static json_t *
listed(struct fx *f, bool full, int64_t id, json_t **ret_list)
{
	struct store_err err = { 0 };
	json_t *l = NULL, *o;
	size_t i;

	assert_int_equal(mailq_db_list(f->mdb, (int64_t)f->now, full, &l, &err),
	    0);
	assert_true(json_is_array(l));
	*ret_list = l;
	json_array_foreach(l, i, o)
	{
		if (json_integer_value(json_object_get(o, "id")) == id)
			return o;
	}
	return NULL;
}

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_int_t
num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* The column of row id, as text ("NULL" for a NULL). */
static void
column(struct fx *f, int64_t id, const char *col, char *out, size_t outsz)
{
	char sql[128];
	sqlite3_stmt *st = NULL;

	(void)snprintf(sql, sizeof(sql),
	    "SELECT %s FROM mail_queue WHERE id = ?1", col);
	assert_int_equal(sqlite3_prepare_v2(f->mdb, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_bind_int64(st, 1, id), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	if (sqlite3_column_type(st, 0) == SQLITE_NULL)
		(void)snprintf(out, outsz, "NULL");
	else
		(void)snprintf(out, outsz, "%s",
		    (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

static size_t
queued_count(struct fx *f)
{
	struct mailq_row *rows = NULL;
	size_t n = 0;
	char why[64];

	assert_int_equal(mailq_db_queued(f->mdb, &rows, &n, why, sizeof(why)),
	    0);
	free(rows);
	return n;
}

static void
no_line_holds_the_address(void)
{
	size_t i;

	for (i = 0; i < logcap_n; i++)
		if (strcasestr(logcap_lines[i], ADDR_LC) != NULL)
			fail_msg("logged the whole address: %s",
			    logcap_lines[i]);
}

static void
test_queued_row_loads_and_lists_masked(void **state)
{
	struct fx *f = *state;
	struct mailsend_xfer *x;
	json_t *l, *o;
	int64_t id = queue(f);

	assert_int_equal(queued_count(f), 1);
	x = load(f, id);
	assert_int_equal(x->id, id);
	assert_int_equal(x->attempts, 0);
	assert_string_equal(x->pool, "customer");
	assert_non_null(strcasestr(x->to, ADDR_LC));
	assert_null(strcasestr(x->masked, ADDR_LC));
	assert_true(x->len > 0);
	mailsend_xfer_free(x);

	o = listed(f, false, id, &l);
	assert_non_null(o);
	assert_string_equal(str(o, "state"), "queued");
	assert_string_equal(str(o, "pool"), "customer");
	assert_int_equal(num(o, "attempts"), 0);
	assert_true(json_is_null(json_object_get(o, "last_error")));
	assert_null(strcasestr(str(o, "recipient"), ADDR_LC));
	assert_non_null(strchr(str(o, "recipient"), '*'));
	assert_true(num(o, "expires_in") > 0 && num(o, "expires_in") <= 600);
	assert_null(json_object_get(o, "body"));
	json_decref(l);

	o = listed(f, true, id, &l);
	assert_non_null(o);
	assert_string_equal(str(o, "recipient"), ADDR_LC);
	json_decref(l);
}

static void
test_retry_keeps_the_row_queued_and_counts_it(void **state)
{
	struct fx *f = *state;
	int64_t id = queue(f), wall = (int64_t)f->now * 1000;
	char v[64];
	json_t *l, *o;

	record(f, id, MAILQ_RETRY, "451 try later", wall, wall + 4000);
	assert_int_equal(queued_count(f), 1);
	o = listed(f, false, id, &l);
	assert_non_null(o);
	assert_string_equal(str(o, "state"), "queued");
	assert_int_equal(num(o, "attempts"), 1);
	assert_string_equal(str(o, "last_error"), "451 try later");
	json_decref(l);
	column(f, id, "next_attempt", v, sizeof(v));
	assert_int_equal(strtoll(v, NULL, 10), wall + 4000);
	column(f, id, "body IS NOT NULL", v, sizeof(v));
	assert_string_equal(v, "1"); /* kept for the next attempt */
	/* the load after it carries the count on */
	record(f, id, MAILQ_RETRY, "451 again", wall, wall + 8000);
	o = listed(f, false, id, &l);
	assert_int_equal(num(o, "attempts"), 2);
	json_decref(l);
	assert_int_equal(logcap_n, 2);
	assert_non_null(strstr(logcap_lines[0], "event=mail"));
	assert_non_null(strstr(logcap_lines[0], "451 try later"));
	no_line_holds_the_address();
}

/* Sent, failed and expired rows are done: off the queue, body gone. */
static void
test_done_rows_leave_the_queue_and_lose_their_body(void **state)
{
	struct fx *f = *state;
	static const struct {
		enum mailq_fate fate;
		const char *state, *why;
		json_int_t attempts;
	} c[] = {
		{ MAILQ_SENT, "sent", NULL, 1 },
		{ MAILQ_FAILED, "failed", "550 no such user", 1 },
		{ MAILQ_EXPIRED, "expired", NULL, 0 },
	};
	int64_t wall = (int64_t)f->now * 1000, id;
	struct mailsend_xfer *x = NULL;
	bool bad = false;
	char v[64];
	json_t *l, *o;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		id = queue(f);
		record(f, id, c[i].fate, c[i].why, wall, 0);
		assert_int_equal(mailq_db_load(f->mdb, id, &x, &bad), 0);
		assert_null(x);
		column(f, id, "body", v, sizeof(v));
		assert_string_equal(v, "NULL");
		o = listed(f, false, id, &l);
		assert_non_null(o); /* done this hour: still shown */
		assert_string_equal(str(o, "state"), c[i].state);
		assert_int_equal(num(o, "attempts"), c[i].attempts);
		if (c[i].why != NULL)
			assert_string_equal(str(o, "last_error"), c[i].why);
		else
			assert_true(
			    json_is_null(json_object_get(o, "last_error")));
		json_decref(l);
	}
	assert_int_equal(queued_count(f), 0);
	no_line_holds_the_address();
}

/* A late outcome for a row already done (sent twice?) changes nothing. */
static void
test_done_row_is_never_rewritten(void **state)
{
	struct fx *f = *state;
	int64_t id = queue(f), wall = (int64_t)f->now * 1000;
	struct mailsend_xfer *x = load(f, id);
	json_t *l, *o;

	assert_int_equal(mailq_db_record(f->mdb, x, MAILQ_SENT, NULL, wall, 0),
	    0);
	assert_int_equal(mailq_db_record(f->mdb, x, MAILQ_RETRY, "late",
			     wall + 1000, wall + 5000),
	    0);
	assert_int_equal(
	    mailq_db_record(f->mdb, x, MAILQ_FAILED, "late", wall + 1000, 0),
	    0);
	mailsend_xfer_free(x);
	o = listed(f, false, id, &l);
	assert_string_equal(str(o, "state"), "sent");
	assert_int_equal(num(o, "attempts"), 1);
	assert_true(json_is_null(json_object_get(o, "last_error")));
	json_decref(l);
	assert_int_equal(queued_count(f), 0);
}

static void
test_list_shows_done_rows_for_an_hour(void **state)
{
	struct fx *f = *state;
	int64_t wall = (int64_t)f->now * 1000;
	int64_t old = queue(f), recent = queue(f), waiting = queue(f);
	json_t *l;

	record(f, old, MAILQ_SENT, NULL,
	    wall - (MAILER_LIST_DONE_SECONDS + 1) * 1000, 0);
	record(f, recent, MAILQ_SENT, NULL,
	    wall - (MAILER_LIST_DONE_SECONDS - 1) * 1000, 0);
	assert_null(listed(f, false, old, &l));
	json_decref(l);
	assert_non_null(listed(f, false, recent, &l));
	json_decref(l);
	assert_non_null(listed(f, false, waiting, &l));
	assert_int_equal(json_array_size(l), 2);
	json_decref(l);
}

static void
test_flush_makes_queued_rows_due(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	int64_t wall = (int64_t)f->now * 1000, n = -1;
	int64_t later = queue(f), due = queue(f), sent = queue(f);
	char v[64];

	record(f, later, MAILQ_RETRY, "451", wall, wall + 3600 * 1000);
	record(f, sent, MAILQ_SENT, NULL, wall, 0);
	assert_int_equal(mailq_db_flush(f->mdb, wall + 1, &n, &err), 0);
	assert_int_equal(n, 2); /* the queued ones: later and due */
	column(f, later, "next_attempt", v, sizeof(v));
	assert_true(strtoll(v, NULL, 10) <= wall + 1);
	column(f, due, "state", v, sizeof(v));
	assert_string_equal(v, "queued");
	column(f, sent, "state", v, sizeof(v));
	assert_string_equal(v, "sent");
}

static void
test_sender_refuses_a_sendmail_it_cannot_run(void **state)
{
	struct fx *f = *state;
	struct mailer *m = (struct mailer *)f; /* must stay as it is */
	struct ua_conf *c;
	char path[128];
	int fd;

	(void)snprintf(path, sizeof(path), "%s/sendmail", f->dir);
	c = conf_with(path);
	assert_int_equal(mailer_start(c, f->db, NULL, &m), -ENOENT);
	assert_ptr_equal(m, (struct mailer *)f);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	(void)close(fd);
	assert_int_equal(mailer_start(c, f->db, NULL, &m), -EACCES);
	assert_ptr_equal(m, (struct mailer *)f);
	ua_conf_free(c);
}

/*
 * A running sender answers mailq.list and mailq.flush from its own
 * connection; with no queued row its threads have nothing to send.
 */
static void
test_running_sender_lists_and_flushes(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	struct mailer *m = NULL;
	struct ua_conf *c = conf_with("/bin/true");
	int64_t wall = (int64_t)f->now * 1000, id = queue(f);
	json_t *l = NULL;

	record(f, id, MAILQ_FAILED, "550 no such user", wall, 0);
	assert_int_equal(mailer_start(c, f->db, NULL, &m), 0);
	ua_conf_free(c); /* the settings were copied */

	assert_int_equal(mailer_list(m, false, &l, &err), 0);
	assert_int_equal(json_array_size(l), 1);
	assert_string_equal(str(json_array_get(l, 0), "state"), "failed");
	assert_null(
	    strcasestr(str(json_array_get(l, 0), "recipient"), ADDR_LC));
	json_decref(l);
	assert_int_equal(mailer_list(m, true, &l, &err), 0);
	assert_string_equal(str(json_array_get(l, 0), "recipient"), ADDR_LC);
	json_decref(l);
	assert_int_equal(mailer_flush(m, &l, &err), 0);
	assert_int_equal(num(l, "queued"), 0);
	json_decref(l);
	mailer_stop(m);

	/* and none running */
	assert_int_equal(mailer_list(NULL, false, &l, &err), -ENOTCONN);
	assert_string_equal(err.code, "unsupported");
	assert_int_equal(mailer_flush(NULL, &l, &err), -ENOTCONN);
	mailer_stop(NULL);
	mailer_kick(NULL);
}

/* The threads of this process. */
static size_t
threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	(void)closedir(d);
	return n;
}

/* Wait (at most 10 s) for row id to be in state want. */
static bool
wait_state(struct fx *f, int64_t id, const char *want)
{
	char v[64];
	int i;

	for (i = 0; i < 1000; i++) {
		column(f, id, "state", v, sizeof(v));
		if (strcmp(v, want) == 0)
			return true;
		(void)usleep(10000);
	}
	return false;
}

/* Wait (at most 10 s) for n running senders and nthreads in all. */
static bool
wait_senders(struct mailer *m, size_t n, size_t nthreads)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (mailer_senders(m) == n && threads() == nthreads)
			return true;
		(void)usleep(10000);
	}
	print_error("senders %zu (want %zu), threads %zu (want %zu)\n",
	    mailer_senders(m), n, threads(), nthreads);
	return false;
}

/* A mailer sending through a sendmail script that takes every message. */
static struct mailer *
start_sendmail(struct fx *f, const struct mailer_opts *o)
{
	static const char script[] = "#!/bin/sh\ncat >/dev/null\nexit 0\n";
	struct mailer *m = NULL;
	struct ua_conf *c;
	char path[128];
	int fd;

	(void)snprintf(path, sizeof(path), "%s/sendmail", f->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, script, sizeof(script) - 1),
	    (ssize_t)(sizeof(script) - 1));
	(void)close(fd);
	c = conf_with(path);
	assert_int_equal(mailer_start(c, f->db, o, &m), 0);
	ua_conf_free(c);
	return m;
}

/* Within MAILER_SENDER_IDLE_SECONDS a sender that sent stays for the next. */
static void
test_idle_sender_stays_within_its_limit(void **state)
{
	struct fx *f = *state;
	size_t base = threads();
	int64_t id = queue(f);
	struct mailer *m = start_sendmail(f, NULL);

	assert_true(wait_state(f, id, "sent"));
	/* the dispatcher and the one sender */
	assert_true(wait_senders(m, 1, base + 2));
	mailer_stop(m); /* joins the idle one */
	assert_int_equal(threads(), base);
}

/*
 * Past its idle limit a sender ends (the thread is gone, not only parked),
 * and mail after that starts one again, more times than there are slots
 * (an ended sender's slot is free again once joined); the stop joins what
 * is left.
 */
static void
test_idle_senders_end_and_start_again(void **state)
{
	struct fx *f = *state;
	const struct mailer_opts o = { .sender_idle_ms = 20 };
	size_t base = threads(), round;
	int64_t id = queue(f), more[3];
	struct mailer *m = start_sendmail(f, &o);

	assert_true(wait_state(f, id, "sent"));
	assert_true(wait_senders(m, 0, base + 1)); /* the dispatcher alone */
	for (round = 0; round < MAILER_PARALLEL + 1; round++) {
		id = queue(f);
		mailer_kick(m);
		assert_true(wait_state(f, id, "sent"));
		assert_true(wait_senders(m, 0, base + 1));
	}
	/* several at once, and the stop right after them */
	for (round = 0; round < 3; round++)
		more[round] = queue(f);
	mailer_kick(m);
	for (round = 0; round < 3; round++)
		assert_true(wait_state(f, more[round], "sent"));
	mailer_stop(m);
	assert_int_equal(threads(), base);
	no_line_holds_the_address();
}

/* Wait (at most 10 s) for a line holding w. */
static bool
wait_logged(const char *w)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (logged(w, NULL) > 0)
			return true;
		(void)usleep(10000);
	}
	return false;
}

/*
 * The queue unreadable at every look (its table gone, as a damaged
 * database has it): said once, not at each of the 30 kicks that made the
 * dispatcher look again; readable again, that is said once, with the
 * count of the failed looks (more than the one line).
 */
static void
test_unreadable_queue_is_logged_once(void **state)
{
	struct fx *f = *state;
	struct mailer *m = start_sendmail(f, NULL);
	const char *again = "mailer: reading the queue again, after ";
	unsigned long tries = 0;
	size_t i;
	int k;

	assert_int_equal(sqlite3_exec(f->mdb,
			     "ALTER TABLE mail_queue RENAME TO mq_hidden", NULL,
			     NULL, NULL),
	    SQLITE_OK);
	mailer_kick(m);
	assert_true(wait_logged("mailer: reading the queue: no such table"));
	for (k = 0; k < 30; k++) {
		mailer_kick(m);
		(void)usleep(10000);
	}
	assert_int_equal(sqlite3_exec(f->mdb,
			     "ALTER TABLE mq_hidden RENAME TO mail_queue", NULL,
			     NULL, NULL),
	    SQLITE_OK);
	mailer_kick(m);
	assert_true(wait_logged(again));
	mailer_stop(m);
	assert_int_equal(logged("mailer: reading the queue:", NULL), 1);
	assert_int_equal(logged(again, NULL), 1);
	for (i = 0; i < logcap_n; i++)
		if (strncmp(logcap_lines[i], again, strlen(again)) == 0)
			tries =
			    strtoul(logcap_lines[i] + strlen(again), NULL, 10);
	assert_true(tries >= 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_queued_row_loads_and_lists_masked, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_retry_keeps_the_row_queued_and_counts_it, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_done_rows_leave_the_queue_and_lose_their_body, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_done_row_is_never_rewritten, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_list_shows_done_rows_for_an_hour, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_flush_makes_queued_rows_due, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_sender_refuses_a_sendmail_it_cannot_run, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_running_sender_lists_and_flushes, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_idle_sender_stays_within_its_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_idle_senders_end_and_start_again, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unreadable_queue_is_logged_once, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
