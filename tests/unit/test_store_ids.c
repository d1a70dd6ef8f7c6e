/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the id high-water marks (helpers/userauthd/store/store_ids.c):
 * a database replaced by a fresh one never hands out an id again, from
 * the state file or from the NSS cache's marks alone; the file is written
 * before the commit and a failure to write it fails the change; marks only
 * grow; a file that is not ours or does not parse is refused.
 */
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

#include "server/conf.h"
#include "userauthd/store/store_int.h"

static const char conf_text[] = "[defaults]\n"
				"shell = /bin/sh\n"
				"[pool customer]\n"
				"first_factors = password\n"
				"uid_min = 200000\n"
				"uid_max = 200099\n"
				"gid_min = 300000\n"
				"gid_max = 300099\n"
				"[pool staff]\n"
				"first_factors = password\n"
				"uid_min = 210000\n"
				"uid_max = 210099\n"
				"gid_min = 310000\n"
				"gid_max = 310099\n";

struct fx {
	char dir[64];
	char db[128];
	char ids[128];
	struct ua_conf *conf;
	struct store *s;
};

static void
open_store(struct fx *f, const struct store_id_mark *extra, size_t nextra,
    size_t *raised)
{
	struct store_err err = { 0 };

	assert_int_equal(store_open(f->db, &f->s, &err), 0);
	assert_int_equal(store_sync_pools(f->s, f->conf, &err), 0);
	assert_int_equal(
	    store_marks_attach(f->s, f->ids, extra, nextra, raised, &err), 0);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char msg[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ua-store-ids-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/userauth.db", f->dir);
	snprintf(f->ids, sizeof(f->ids), "%s/userauth.ids", f->dir);
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

/* Add a user; its uid, or -errno. */
static long
add(struct fx *f, const char *pool, const char *login)
{
	char email[64];
	struct store_user_new u = { .pool = pool,
		.login = login,
		.email = email };
	struct store_err err = { 0 };
	json_t *o = NULL;
	long uid;
	int r;

	snprintf(email, sizeof(email), "%s@example.com", login);
	r = store_user_add(f->s, f->conf, &u, &o, &err);
	if (r < 0)
		return r;
	uid = (long)json_integer_value(json_object_get(o, "uid"));
	json_decref(o);
	return uid;
}

static long
add_group(struct fx *f, const char *pool, const char *name)
{
	struct store_err err = { 0 };
	json_t *o = NULL;
	long gid;
	int r;

	r = store_group_add(f->s, f->conf, pool, name, &o, &err);
	if (r < 0)
		return r;
	gid = (long)json_integer_value(json_object_get(o, "gid"));
	json_decref(o);
	return gid;
}

static void
del(struct fx *f, const char *login)
{
	struct store_err err = { 0 };
	json_t *o = NULL;

	assert_int_equal(store_user_del(f->s, login, &o, &err), 0);
	json_decref(o);
}

/* The database gone (deleted, or an empty one put in its place). */
static void
lose_database(struct fx *f)
{
	static const char *const side[] = { "", "-wal", "-shm" };
	char p[160];
	size_t i;

	store_close(f->s);
	f->s = NULL;
	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", f->db, side[i]);
		(void)unlink(p);
	}
}

static char *
slurp(const char *path)
{
	static char buf[4096];
	FILE *fp = fopen(path, "re");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* Users added, the highest deleted, the database lost: ids go on above. */
static void
test_fresh_database_continues_above_old_ids(void **state)
{
	struct fx *f = *state;
	struct stat st;
	size_t raised = 99;

	open_store(f, NULL, 0, &raised);
	assert_int_equal(raised, 0);
	assert_int_equal(add(f, "customer", "alice"), 200000);
	assert_int_equal(add(f, "customer", "bob"), 200001);
	assert_int_equal(add_group(f, "customer", "dev"), 300000);
	assert_int_equal(add(f, "staff", "sam"), 210000);
	del(f, "bob"); /* 200001 lives on in bob's files */
	assert_int_equal(stat(f->ids, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_non_null(strstr(slurp(f->ids),
	    "pool customer uid_next 200002 gid_next 300001\n"));
	lose_database(f);
	open_store(f, NULL, 0, &raised);
	assert_true(store_created(f->s));
	assert_int_equal(raised, 2); /* customer and staff */
	assert_int_equal(add(f, "customer", "carol"), 200002);
	assert_int_equal(add_group(f, "customer", "ops"), 300001);
	assert_int_equal(add(f, "staff", "tom"), 210001);
	/* and once more, now that the file has the new marks */
	lose_database(f);
	open_store(f, NULL, 0, NULL);
	assert_int_equal(add(f, "customer", "dan"), 200003);
}

/* State file lost too: the marks in the NSS cache are enough. */
static void
test_cache_marks_alone_are_enough(void **state)
{
	static const struct store_id_mark cache[] = {
		{ "customer", 200040, 300007 },
		{ "gone", 400000, 500000 }, /* no longer configured */
	};
	struct fx *f = *state;
	size_t raised = 0;

	open_store(f, cache, 2, &raised);
	assert_int_equal(raised, 2);
	assert_int_equal(add(f, "customer", "eve"), 200040);
	assert_int_equal(add_group(f, "customer", "qa"), 300007);
	assert_int_equal(add(f, "staff", "sam"), 210000);
	/* kept, for the day the pool comes back */
	assert_non_null(strstr(slurp(f->ids),
	    "pool gone uid_next 400000 gid_next 500000\n"));
}

/* The file is written before COMMIT: when it cannot be, nothing changes. */
static void
test_unrecorded_id_is_not_handed_out(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	json_t *o = NULL;
	char sub[96], cmd[256];

	snprintf(sub, sizeof(sub), "%s/ids", f->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(f->ids, sizeof(f->ids), "%s/userauth.ids", sub);
	open_store(f, NULL, 0, NULL);
	assert_int_equal(add(f, "customer", "alice"), 200000);
	/* the directory replaced by a file: no tmp file can be made */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && touch '%s'", sub, sub);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(add(f, "customer", "bob"), -ENOTDIR);
	assert_int_equal(store_user_show(f->s, "bob", &o, &err), -ENOENT);
	/* a change that allocates nothing still goes through */
	assert_int_equal(store_user_set_enabled(f->s, "alice", false, &o, &err),
	    0);
	json_decref(o);
	assert_int_equal(unlink(sub), 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(add(f, "customer", "bob"), 200001);
	assert_non_null(strstr(slurp(f->ids), "uid_next 200002"));
}

/* A mark above the database's counter raises it; nothing lowers one. */
static void
test_marks_only_grow(void **state)
{
	struct fx *f = *state;
	FILE *fp;

	fp = fopen(f->ids, "we");
	assert_non_null(fp);
	fputs("# comment\n\npool customer uid_next 200050 gid_next 300000\n",
	    fp);
	fclose(fp);
	assert_int_equal(chmod(f->ids, 0600), 0);
	open_store(f, NULL, 0, NULL);
	assert_int_equal(add(f, "customer", "alice"), 200050);
	assert_non_null(strstr(slurp(f->ids),
	    "pool customer uid_next 200051 gid_next 300000\n"));
	assert_non_null(strstr(slurp(f->ids),
	    "pool staff uid_next 210000 gid_next 310000\n"));
}

static void
test_import_allocates_above_marks(void **state)
{
	struct fx *f = *state;
	char l1[] = "imp1", l2[] = "imp2";
	char e1[] = "imp1@example.com", e2[] = "imp2@example.com";
	struct store_import_row rows[2] = {
		{ .line = 2, .login = l1, .email = e1 },
		{ .line = 3, .login = l2, .email = e2 },
	};
	static const struct store_id_mark cache[] = {
		{ "customer", 200010, 300000 },
	};
	struct store_err err = { 0 };
	json_t *o = NULL;

	open_store(f, cache, 1, NULL);
	assert_int_equal(store_user_import(f->s, f->conf, "customer", rows, 2,
			     true, false, &o, &err),
	    0);
	json_decref(o);
	assert_int_equal(store_user_show(f->s, "imp2", &o, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(o, "uid")), 200011);
	json_decref(o);
	assert_non_null(strstr(slurp(f->ids), "uid_next 200012"));
}

static void
expect_refused(struct fx *f, int want, const char *what)
{
	struct store_err err = { 0 };

	assert_int_equal(store_open(f->db, &f->s, &err), 0);
	assert_int_equal(store_marks_attach(f->s, f->ids, NULL, 0, NULL, &err),
	    want);
	assert_non_null(strstr(err.msg, f->ids));
	assert_non_null(strstr(err.msg, what));
	store_close(f->s);
	f->s = NULL;
}

static void
test_bad_files_refused(void **state)
{
	static const char *const bad[] = {
		"pool customer uid_next 200050\n",
		"pool customer uid_next 200050 gid_next 300000 extra\n",
		"pool Customer uid_next 200050 gid_next 300000\n",
		"pool customer uid_next -1 gid_next 300000\n",
		"pool customer uid_next 4294967296 gid_next 300000\n",
		"pool customer gid_next 1 uid_next 2\n",
		"pool customer uid_next 200050 gid_next 3", /* cut short */
	};
	struct fx *f = *state;
	char link[160];
	size_t i;
	FILE *fp;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fp = fopen(f->ids, "we");
		assert_non_null(fp);
		fprintf(fp, "# ok\n%s", bad[i]);
		fclose(fp);
		assert_int_equal(chmod(f->ids, 0600), 0);
		expect_refused(f, -EBADMSG, ":2: ");
	}
	fp = fopen(f->ids, "we");
	assert_non_null(fp);
	fputs("pool customer uid_next 1 gid_next 1\n", fp);
	fclose(fp);
	assert_int_equal(chmod(f->ids, 0644), 0); /* not private */
	expect_refused(f, -EPERM, "mode 0600");
	assert_int_equal(chmod(f->ids, 0600), 0);
	snprintf(link, sizeof(link), "%s/real.ids", f->dir);
	assert_int_equal(rename(f->ids, link), 0);
	assert_int_equal(symlink(link, f->ids), 0);
	expect_refused(f, -ELOOP, "symlink");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
		T(test_fresh_database_continues_above_old_ids),
		T(test_cache_marks_alone_are_enough),
		T(test_unrecorded_id_is_not_handed_out),
		T(test_marks_only_grow),
		T(test_import_allocates_above_marks),
		T(test_bad_files_refused),
#undef T
	};

	return cmocka_run_group_tests_name("store_ids", tests, NULL, NULL);
}
