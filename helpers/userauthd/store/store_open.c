/* SPDX-License-Identifier: MIT */
/*
 * Opening the store: the schema and its migrations, and the rule that a
 * database is created only where there is none.  It must never open an
 * existing file that is empty or has no schema as if it were new: that
 * would silently drop every pool user (and reuse their ids).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/valid.h"
#include "userauthd/store/sqlbusy.h"
#include "userauthd/store/store_int.h"

static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE pools ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  next_uid INTEGER NOT NULL,"
	"  next_gid INTEGER NOT NULL);"
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  pool_id INTEGER NOT NULL REFERENCES pools(id),"
	"  login TEXT NOT NULL UNIQUE,"
	"  email TEXT NOT NULL UNIQUE,"
	"  display_name TEXT NOT NULL DEFAULT '',"
	"  uid INTEGER NOT NULL UNIQUE,"
	"  gid INTEGER NOT NULL,"
	"  home TEXT NOT NULL,"
	"  shell TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('enabled', 'disabled')),"
	"  created INTEGER NOT NULL,"
	"  last_login INTEGER);"
	"CREATE TABLE groups ("
	"  id INTEGER PRIMARY KEY,"
	"  pool_id INTEGER NOT NULL REFERENCES pools(id),"
	"  name TEXT NOT NULL UNIQUE,"
	"  gid INTEGER NOT NULL UNIQUE);"
	"CREATE TABLE members ("
	"  group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (group_id, user_id)) WITHOUT ROWID;"
	"CREATE INDEX members_by_user ON members(user_id);"
	"CREATE TABLE credentials ("
	"  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
	"  password_hash TEXT,"
	"  password_changed INTEGER,"
	"  totp_secret BLOB,"
	"  totp_last_step INTEGER);",
	/* 1 -> 2: one-time codes and the durable mail queue */
	"CREATE TABLE otp_codes ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  purpose TEXT NOT NULL CHECK (purpose IN ('login', 'invite')),"
	"  code_mac BLOB NOT NULL,"   /* HMAC-SHA-256(daemon key, code) */
	"  created INTEGER NOT NULL," /* epoch seconds */
	"  expires INTEGER NOT NULL,"
	"  tries_left INTEGER NOT NULL,"
	"  used INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX otp_codes_by_user ON otp_codes(user_id);"
	/* Issuance per identifier (a keyed hash, so fakes count the same). */
	"CREATE TABLE otp_issued ("
	"  ident_mac BLOB NOT NULL,"
	"  at INTEGER NOT NULL);"
	"CREATE INDEX otp_issued_by_ident ON otp_issued(ident_mac, at);"
	"CREATE TABLE mail_queue ("
	"  id INTEGER PRIMARY KEY,"
	"  otp_id INTEGER REFERENCES otp_codes(id) ON DELETE SET NULL,"
	"  pool TEXT NOT NULL,"
	"  recipient TEXT NOT NULL,"
	"  message_id TEXT NOT NULL,"
	"  body TEXT," /* whole RFC 5322 message; NULL once done */
	"  state TEXT NOT NULL CHECK (state IN"
	"    ('queued', 'sent', 'expired', 'failed')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER NOT NULL," /* epoch milliseconds */
	"  last_error TEXT,"
	"  created INTEGER NOT NULL," /* epoch seconds */
	"  expires INTEGER NOT NULL," /* epoch seconds: the code's expiry */
	"  done INTEGER);"            /* epoch seconds: sent/expired/failed */
	"CREATE INDEX mail_queue_due ON mail_queue(state, next_attempt);",
	/*
	 * 2 -> 3: a TOTP enrolment awaiting its first valid code.  The
	 * active secret and its last step live in credentials (since 1).
	 * IF NOT EXISTS: re-running it on a database marked older is safe.
	 */
	"CREATE TABLE IF NOT EXISTS totp_pending ("
	"  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
	"  secret BLOB NOT NULL,"
	"  created INTEGER NOT NULL);",
	/*
	 * 3 -> 4: users who must choose a new password at the next login
	 * (user reset-password).  A table, not a column of credentials, so
	 * that re-running it on a database marked older is safe.
	 */
	"CREATE TABLE IF NOT EXISTS password_change ("
	"  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
	"  since INTEGER NOT NULL);",
	/*
	 * 4 -> 5: failure buckets of throttling (throttle.h).  account is
	 * "u<uid>", "i<hash of an identifier>" or "p<peer uid>", "" for a
	 * host bucket; rhost "" for an account bucket (and for an empty
	 * remote host in the others).
	 */
	"CREATE TABLE IF NOT EXISTS throttle ("
	"  pool TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('pair', 'account', 'host')),"
	"  account TEXT NOT NULL,"
	"  rhost TEXT NOT NULL,"
	"  failures INTEGER NOT NULL,"
	"  last_fail INTEGER NOT NULL,"    /* epoch seconds */
	"  next_allowed INTEGER NOT NULL," /* epoch seconds */
	"  PRIMARY KEY (pool, kind, account, rhost)) WITHOUT ROWID;",
	/*
	 * 5 -> 6: MFA recovery codes (recovery.h), single use: a row is
	 * deleted when its code is used.  Only the keyed MAC of a code is
	 * kept, never the code.
	 */
	"CREATE TABLE IF NOT EXISTS mfa_recovery ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  code_mac BLOB NOT NULL,"    /* HMAC-SHA-256(key, "id:code") */
	"  created INTEGER NOT NULL);" /* epoch seconds */
	"CREATE INDEX IF NOT EXISTS mfa_recovery_by_user "
	"  ON mfa_recovery(user_id);",
	/*
	 * 6 -> 7: the sources (a /24, a /64, a host name, "local") each
	 * user signed in from lately, for login_notice_days.
	 */
	"CREATE TABLE IF NOT EXISTS login_sources ("
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  net TEXT NOT NULL,"
	"  last_seen INTEGER NOT NULL," /* epoch seconds */
	"  PRIMARY KEY (user_id, net));",
	/*
	 * 7 -> 8: the decoy code row.  A made-up login's wrong code runs the
	 * statements a real wrong code runs (a read, a tries_left update, a
	 * synchronous commit) against it, so that timing cannot tell them
	 * apart (bench/run enum measured 0.6 ms before).
	 */
	"CREATE TABLE IF NOT EXISTS otp_decoy ("
	"  id INTEGER PRIMARY KEY,"
	"  code_mac BLOB NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  tries_left INTEGER NOT NULL,"
	"  used INTEGER NOT NULL DEFAULT 0);"
	"INSERT OR IGNORE INTO otp_decoy (id, code_mac, expires, tries_left) "
	"  VALUES (1, zeroblob(32), 9223372036854775807, 1000000000);",
};
#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

static int
migrate(struct store *s, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t have;
	char sql[64];
	int r;

	r = store_prepare(s, "PRAGMA user_version", &st, err);
	if (r < 0)
		return r;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return store_fail_db(s, err, sqlite3_errcode(s->db));
	}
	have = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (have > (int64_t)NMIGRATIONS || have < 0)
		return store_fail(err, -EPROTO, "internal",
		    "database schema version %lld is newer than this "
		    "userauthd understands (%zu)",
		    (long long)have, NMIGRATIONS);
	for (; have < (int64_t)NMIGRATIONS; have++) {
		r = store_begin(s, err);
		if (r < 0)
			return r;
		r = store_exec(s, migrations[have], err);
		if (r == 0) {
			(void)snprintf(sql, sizeof(sql),
			    "PRAGMA user_version = %lld", (long long)have + 1);
			r = store_exec(s, sql, err);
		}
		if (r == 0)
			r = store_commit(s, err);
		if (r < 0) {
			store_rollback(s);
			return r;
		}
	}
	return 0;
}

/* What an administrator can do about a database we will not open. */
#define STORE_RECOVER                                                          \
	"restore it from a backup, or remove it (and any -wal and -shm "       \
	"file beside it) to start afresh with an empty database"

/* Connect to the file at path (created by SQLite only when create). */
static int
connect_db(const char *path, bool create, struct store **ret,
    struct store_err *err)
{
	struct store *s;
	int rc, r;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return store_oom(err);
	rc = sqlite3_open_v2(path, &s->db,
	    SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) |
		SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX,
	    NULL);
	if (rc != SQLITE_OK) {
		r = store_fail(err, -EIO, "internal",
		    "cannot open database '%s': %s", path,
		    s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		goto out;
	}
	(void)sqlite3_extended_result_codes(s->db, 0);
	sqlbusy_set(s->db, 5000);
	r = store_exec(s,
	    "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA secure_delete = ON;"
	    "PRAGMA trusted_schema = OFF;",
	    err);
	/* Refuse a file that is not a database before migrating anything. */
	if (r == 0)
		r = store_exec(s, "SELECT count(*) FROM sqlite_master", err);
	if (r < 0 && r != -EBUSY && r != -ENOMEM) {
		r = store_fail(err, -EBADMSG, "internal",
		    "'%s' is not a usable SQLite database (%s); " STORE_RECOVER,
		    path, sqlite3_errmsg(s->db));
		goto out;
	}
	if (r == 0)
		r = store_prepare(s, "ROLLBACK", &s->rollback, err);
	if (r < 0)
		goto out;
	*ret = s;
	s = NULL;
out:
	store_close(s);
	return r;
}

static int
schema_version(struct store *s, int64_t *ret, struct store_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	r = store_prepare(s, "PRAGMA user_version", &st, err);
	if (r < 0)
		return r;
	if (sqlite3_step(st) != SQLITE_ROW)
		r = store_fail_db(s, err, sqlite3_errcode(s->db));
	else
		*ret = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r;
}

/* Remove path and SQLite's files beside it (a half-made database). */
static void
remove_db_files(const char *path)
{
	static const char *const side[] = { "", "-wal", "-shm", "-journal" };
	char p[PATH_MAX + 16];
	size_t i;

	for (i = 0; i < sizeof(side) / sizeof(side[0]); i++)
		if (ua_snprintf(p, sizeof(p), "%s%s", path, side[i]) >= 0)
			(void)unlink(p);
}

static int
fsync_path(const char *path, int flags)
{
	int fd, r = 0;

	fd = open(path, flags | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	(void)close(fd);
	return r;
}

/*
 * A new database, made whole beside path (PATH.new, schema and all,
 * synced) and then linked into place: path never names a half-made one,
 * so an empty or schema-less file there is never ours to reuse.  link()
 * fails if a file appeared at path meanwhile; nothing is replaced.
 */
static int
create_db(const char *path, struct store_err *err)
{
	char tmp[PATH_MAX], dir[PATH_MAX], *slash;
	struct store *s = NULL;
	int r;

	if (ua_snprintf(tmp, sizeof(tmp), "%s.new", path) < 0 ||
	    ua_snprintf(dir, sizeof(dir), "%s", path) < 0)
		return store_fail(err, -ENAMETOOLONG, "internal",
		    "database path too long");
	slash = strrchr(dir, '/');
	if (slash == NULL)
		(void)ua_snprintf(dir, sizeof(dir), ".");
	else
		slash[slash == dir] = '\0';
	remove_db_files(tmp); /* left by a crash while creating */
	r = connect_db(tmp, true, &s, err);
	if (r == 0)
		r = migrate(s, err);
	store_close(s); /* checkpoints and removes the WAL */
	if (r == 0) {
		r = chmod(tmp, 0600) < 0 ? -errno : fsync_path(tmp, 0);
		if (r == 0 && link(tmp, path) < 0)
			r = -errno;
		if (r == 0)
			r = fsync_path(dir, O_DIRECTORY);
		if (r < 0)
			r = store_fail(err, r, "internal",
			    "cannot create the database '%s': %s", path,
			    strerror(-r));
	}
	remove_db_files(tmp);
	return r;
}

int
store_open(const char *path, struct store **ret, struct store_err *err)
{
	struct store *s = NULL;
	struct stat st;
	bool created = false;
	int64_t version = 0;
	int r;

	if (lstat(path, &st) < 0) {
		if (errno != ENOENT)
			return store_fail(err, -errno, "internal",
			    "cannot open database '%s': %s", path,
			    strerror(errno));
		r = create_db(path, err);
		if (r < 0)
			return r;
		created = true;
	} else if (S_ISREG(st.st_mode) && st.st_size == 0) {
		return store_fail(err, -EBADMSG, "internal",
		    "the database '%s' is empty (0 bytes; cut short by a "
		    "crash or a full disk?); " STORE_RECOVER,
		    path);
	}
	r = connect_db(path, false, &s, err);
	if (r == 0)
		r = schema_version(s, &version, err);
	if (r == 0 && version == 0)
		r = store_fail(err, -EBADMSG, "internal",
		    "the database '%s' has no userauth schema (a file never "
		    "set up, or cut short); " STORE_RECOVER,
		    path);
	if (r == 0)
		r = migrate(s, err);
	if (r < 0)
		goto out;
	(void)chmod(path, 0600);
	s->created = created;
	*ret = s;
	s = NULL;
out:
	store_close(s);
	return r;
}

bool
store_created(const struct store *s)
{
	return s->created;
}

int
store_open_side(struct store *s, struct store_err *err)
{
	const char *path = sqlite3_db_filename(s->db, "main");
	struct store *side = NULL;
	int r;

	if (s->side != NULL)
		return 0;
	if (path == NULL || *path == '\0')
		return store_fail(err, -EINVAL, "internal",
		    "the database has no file to open twice");
	r = connect_db(path, false, &side, err);
	if (r == 0)
		r = store_exec(side, "PRAGMA synchronous = NORMAL", err);
	if (r < 0) {
		store_close(side);
		return r;
	}
	s->side = side;
	return 0;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	store_close(s->side);
	store_marks_detach(s);
	store_cached_free(s);
	sqlite3_finalize(s->rollback);
	(void)sqlite3_close_v2(s->db);
	free(s);
}
