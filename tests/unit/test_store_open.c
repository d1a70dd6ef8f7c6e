/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for opening the store (helpers/userauthd/store/store_open.c): a
 * database is created only where none exists, whole; an existing file
 * that is empty, no database, schema-less or newer is refused with a
 * message saying what to do, and left as it was.
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "server/conf.h"
#include "userauthd/store/store_int.h"

static const char conf_text[] = "[defaults]\n"
				"shell = /bin/sh\n"
				"[pool customer]\n"
				"first_factors = password\n"
				"uid_min = 200000\n"
				"uid_max = 200099\n"
				"gid_min = 300000\n"
				"gid_max = 300099\n";

struct fx {
	char dir[64];
	char db[128];
	struct ua_conf *conf;
	struct store *s;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char msg[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ua-store-open-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/userauth.db", f->dir);
	assert_int_equal(ua_conf_parse("test.conf", conf_text,
			     strlen(conf_text), &f->conf, msg, sizeof(msg)),
	    0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[256];

	store_close(f->s);
	ua_conf_free(f->conf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Names in the fixture's directory other than the database's own files. */
static int
strangers(const struct fx *f)
{
	static const char *const own[] = { ".", "..", "userauth.db",
		"userauth.db-wal", "userauth.db-shm" };
	struct dirent *e;
	DIR *d = opendir(f->dir);
	size_t i;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
			if (strcmp(e->d_name, own[i]) == 0)
				break;
		n += i == sizeof(own) / sizeof(own[0]);
	}
	closedir(d);
	return n;
}

static void
sql(const char *path, const char *text)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, text, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static off_t
size_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static void
test_missing_file_created_whole(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	struct stat st;
	char left[160];
	int fd;

	/* a half-made database from an earlier crash is thrown away */
	snprintf(left, sizeof(left), "%s.new", f->db);
	fd = open(left, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "junk", 4), 4);
	close(fd);
	assert_int_equal(store_open(f->db, &f->s, &err), 0);
	assert_true(store_created(f->s));
	assert_int_equal(lstat(f->db, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(st.st_size > 0);
	assert_int_equal(strangers(f), 0);
	assert_int_equal(store_sync_pools(f->s, f->conf, &err), 0);
	store_close(f->s);
	f->s = NULL;
	/* the second time it is opened, not created */
	assert_int_equal(store_open(f->db, &f->s, &err), 0);
	assert_false(store_created(f->s));
}

static void
test_reopen_keeps_data_and_counters(void **state)
{
	struct fx *f = *state;
	struct store_user_new u = { .pool = "customer",
		.login = "max",
		.email = "max@example.com" };
	struct store_err err = { 0 };
	json_t *o;

	assert_int_equal(store_open(f->db, &f->s, &err), 0);
	assert_int_equal(store_sync_pools(f->s, f->conf, &err), 0);
	assert_int_equal(store_user_add(f->s, f->conf, &u, &o, &err), 0);
	json_decref(o);
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(store_open(f->db, &f->s, &err), 0);
	assert_int_equal(store_user_show(f->s, "max", &o, &err), 0);
	json_decref(o);
	u.login = "ned";
	u.email = "ned@example.com";
	assert_int_equal(store_user_add(f->s, f->conf, &u, &o, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(o, "uid")), 200001);
	json_decref(o);
}

/* What every refusal says: the file, and how to recover. */
static void
says_how_to_recover(const struct fx *f, const struct store_err *err,
    const char *what)
{
	assert_non_null(strstr(err->msg, f->db));
	assert_non_null(strstr(err->msg, what));
	assert_non_null(strstr(err->msg, "restore it from a backup"));
	assert_non_null(strstr(err->msg, "remove it"));
	assert_non_null(strstr(err->msg, "start afresh"));
}

/* A crash or a full disk can leave this; all pool users would vanish. */
static void
test_empty_file_refused(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	int fd;

	fd = open(f->db, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(store_open(f->db, &f->s, &err), -EBADMSG);
	assert_null(f->s);
	says_how_to_recover(f, &err, "is empty (0 bytes");
	assert_int_equal(size_of(f->db), 0); /* left alone */
	assert_int_equal(strangers(f), 0);
}

static void
test_schemaless_file_refused(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	off_t before;

	/* an SQLite file with no table at all */
	sql(f->db, "CREATE TABLE t (a); DROP TABLE t;");
	before = size_of(f->db);
	assert_true(before > 0);
	assert_int_equal(store_open(f->db, &f->s, &err), -EBADMSG);
	says_how_to_recover(f, &err, "has no userauth schema");
	assert_int_equal(size_of(f->db), before);
	/* someone else's database: tables, but none of our versions */
	sql(f->db, "CREATE TABLE pools (x);");
	assert_int_equal(store_open(f->db, &f->s, &err), -EBADMSG);
	says_how_to_recover(f, &err, "has no userauth schema");
	assert_null(f->s);
}

static void
test_garbage_file_refused(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	FILE *fp;
	int i;

	fp = fopen(f->db, "w");
	assert_non_null(fp);
	for (i = 0; i < 4096; i++)
		fputc((i * 7919) & 0xff, fp);
	fclose(fp);
	assert_int_equal(store_open(f->db, &f->s, &err), -EBADMSG);
	assert_string_equal(err.code, "internal");
	says_how_to_recover(f, &err, "is not a usable SQLite database");
	assert_null(f->s);
	assert_int_equal(size_of(f->db), 4096);
}

static void
test_newer_schema_refused(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };

	assert_int_equal(store_open(f->db, &f->s, &err), 0);
	store_close(f->s);
	f->s = NULL;
	sql(f->db, "PRAGMA user_version = 99");
	assert_true(store_open(f->db, &f->s, &err) < 0);
	assert_non_null(strstr(err.msg, "newer"));
	assert_null(f->s);
	sql(f->db, "PRAGMA user_version = 2"); /* older: migrated */
	assert_int_equal(store_open(f->db, &f->s, &err), 0);
	assert_false(store_created(f->s));
}

/* One integer from a query on the file (sqlite3 directly). */
static long long
sql_int(const char *path, const char *query)
{
	sqlite3_stmt *st;
	sqlite3 *db;
	long long v;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, query, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/*
 * A database of schema 5 (before recovery codes) is migrated to 6: the
 * mfa_recovery table appears, users and their TOTP keys are kept, and
 * the codes work.
 */
static void
test_migration_5_to_6_adds_recovery_codes(void **state)
{
	struct fx *f = *state;
	struct store_user_new u = { .pool = "customer",
		.login = "max",
		.email = "max@example.com" };
	struct store_err err = { 0 };
	json_t *o;

	assert_int_equal(store_open(f->db, &f->s, &err), 0);
	assert_int_equal(store_sync_pools(f->s, f->conf, &err), 0);
	assert_int_equal(store_user_add(f->s, f->conf, &u, &o, &err), 0);
	json_decref(o);
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(sql_int(f->db, "PRAGMA user_version"), 8);
	/* what a version 5 database looks like */
	sql(f->db,
	    "DROP TABLE mfa_recovery; DROP TABLE login_sources;"
	    "DROP TABLE otp_decoy;"
	    "INSERT INTO credentials (user_id, totp_secret, totp_last_step) "
	    "SELECT id, zeroblob(20), 42 FROM users WHERE login = 'max';"
	    "PRAGMA user_version = 5;");
	assert_int_equal(sql_int(f->db,
			     "SELECT count(*) FROM sqlite_master "
			     "WHERE name = 'mfa_recovery'"),
	    0);
	assert_int_equal(store_open(f->db, &f->s, &err), 0);
	assert_false(store_created(f->s));
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(sql_int(f->db, "PRAGMA user_version"), 8);
	assert_int_equal(
	    sql_int(f->db,
		"SELECT count(*) FROM sqlite_master "
		"WHERE name IN ('mfa_recovery', 'mfa_recovery_by_user')"),
	    2);
	/* and on to 7: the login sources of login_notice_days; to 8: the
	 * decoy code row, one */
	assert_int_equal(sql_int(f->db,
			     "SELECT count(*) FROM sqlite_master "
			     "WHERE name = 'login_sources'"),
	    1);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM otp_decoy"), 1);
	assert_int_equal(sql_int(f->db,
			     "SELECT totp_last_step FROM "
			     "credentials c JOIN users u ON u.id = c.user_id "
			     "WHERE u.login = 'max'"),
	    42);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM mfa_recovery"),
	    0);
	/* marked older again: re-running the migration is harmless */
	sql(f->db,
	    "INSERT INTO mfa_recovery (user_id, code_mac, created) "
	    "SELECT id, zeroblob(32), 1 FROM users; PRAGMA user_version = 5;");
	assert_int_equal(store_open(f->db, &f->s, &err), 0);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM mfa_recovery"),
	    1);
	assert_int_equal(store_user_show(f->s, "max", &o, &err), 0);
	json_decref(o);
}

/* Not a regular file: SQLite refuses to follow or open it. */
static void
test_symlink_refused(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	char real[160];

	snprintf(real, sizeof(real), "%s/real.db", f->dir);
	assert_int_equal(store_open(real, &f->s, &err), 0);
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(symlink(real, f->db), 0);
	assert_true(store_open(f->db, &f->s, &err) < 0);
	assert_null(f->s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
		T(test_missing_file_created_whole),
		T(test_reopen_keeps_data_and_counters),
		T(test_empty_file_refused),
		T(test_schemaless_file_refused),
		T(test_garbage_file_refused),
		T(test_newer_schema_refused),
		T(test_migration_5_to_6_adds_recovery_codes),
		T(test_symlink_refused),
#undef T
	};

	return cmocka_run_group_tests_name("store_open", tests, NULL, NULL);
}
