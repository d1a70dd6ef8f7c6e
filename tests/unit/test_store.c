/* SPDX-License-Identifier: MIT */
/* Unit tests for the local pool store (helpers/userauthd/store*.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "server/conf.h"
#include "userauthd/admin/admin.h"
#include "userauthd/password.h"
#include "userauthd/store/store_int.h"

static const char conf_text[] = "[defaults]\n"
				"shell = /bin/sh\n"
				"mail_from = codes@example.com\n"
				"[pool customer]\n"
				"uid_min = 200000\n"
				"uid_max = 200002\n"
				"gid_min = 300000\n"
				"gid_max = 300001\n"
				"[pool staff]\n"
				"uid_min = 210000\n"
				"uid_max = 219999\n"
				"gid_min = 310000\n"
				"gid_max = 319999\n"
				"home = /srv/%p/%u\n";

struct fx {
	char dir[64];
	char db[128];
	struct ua_conf *conf;
	struct store *s;
};

static int
setup(void **state)
{
	struct store_err err = { 0 };
	char msg[256];
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ua-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/userauth.db", f->dir);
	assert_int_equal(ua_conf_parse("test.conf", conf_text,
			     strlen(conf_text), &f->conf, msg, sizeof(msg)),
	    0);
	assert_int_equal(store_open(f->db, &f->s, &err), 0);
	assert_int_equal(store_sync_pools(f->s, f->conf, &err), 0);
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

static int
add(struct fx *f, const char *pool, const char *login, const char *email,
    json_t **ret, struct store_err *err)
{
	struct store_user_new u = { .pool = pool,
		.login = login,
		.email = email };
	json_t *o = NULL;
	int r;

	r = store_user_add(f->s, f->conf, &u, &o, err);
	if (ret != NULL)
		*ret = o;
	else
		json_decref(o);
	return r;
}

static json_int_t
uid_of(const json_t *o)
{
	return json_integer_value(json_object_get(o, "uid"));
}

static void
test_user_add_allocates_uid_and_private_gid(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	json_t *o;

	assert_int_equal(
	    add(f, "customer", "alice", "Alice@Example.COM", &o, &err), 0);
	assert_int_equal(uid_of(o), 200000);
	assert_int_equal(json_integer_value(json_object_get(o, "gid")), 200000);
	assert_string_equal(json_string_value(json_object_get(o, "email")),
	    "alice@example.com");
	assert_string_equal(json_string_value(json_object_get(o, "home")),
	    "/home/alice");
	assert_string_equal(json_string_value(json_object_get(o, "shell")),
	    "/bin/sh");
	assert_string_equal(json_string_value(json_object_get(o, "state")),
	    "enabled");
	assert_false(json_is_true(json_object_get(o, "password_set")));
	assert_true(json_is_null(json_object_get(o, "last_login")));
	json_decref(o);
}

static void
test_pool_home_template_applies(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	json_t *o;

	assert_int_equal(add(f, "staff", "sam", "sam@example.com", &o, &err),
	    0);
	assert_string_equal(json_string_value(json_object_get(o, "home")),
	    "/srv/staff/sam");
	assert_int_equal(uid_of(o), 210000);
	json_decref(o);
}

static void
test_uid_never_reused_after_delete(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	json_t *o;

	assert_int_equal(add(f, "customer", "a1", "a1@example.com", NULL, &err),
	    0);
	assert_int_equal(store_user_del(f->s, "a1", &o, &err), 0);
	json_decref(o);
	assert_int_equal(add(f, "customer", "a2", "a2@example.com", &o, &err),
	    0);
	assert_int_equal(uid_of(o), 200001);
	json_decref(o);
}

static void
test_uid_range_exhausted(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	json_t *o = NULL;

	assert_int_equal(add(f, "customer", "u1", "u1@example.com", NULL, &err),
	    0);
	assert_int_equal(add(f, "customer", "u2", "u2@example.com", NULL, &err),
	    0);
	assert_int_equal(add(f, "customer", "u3", "u3@example.com", NULL, &err),
	    0);
	assert_int_equal(add(f, "customer", "u4", "u4@example.com", &o, &err),
	    -ENOSPC);
	assert_string_equal(err.code, "exhausted");
	assert_null(o);
	/* Nothing half-made: the failed user does not exist. */
	assert_int_equal(store_user_show(f->s, "u4", &o, &err), -ENOENT);
}

static void
test_duplicate_login_and_email_refused(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };

	assert_int_equal(
	    add(f, "customer", "bob", "bob@example.com", NULL, &err), 0);
	assert_int_equal(
	    add(f, "staff", "bob", "other@example.com", NULL, &err), -EEXIST);
	assert_string_equal(err.code, "exists");
	assert_int_equal(
	    add(f, "staff", "bobby", "BOB@example.com", NULL, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "bob@example.com"));
}

static void
test_local_account_names_refused(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };

	assert_int_equal(
	    add(f, "customer", "root", "r@example.com", NULL, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "local"));
}

static void
test_invalid_fields_refused(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	struct store_user_new u = { .pool = "customer",
		.login = "carol",
		.email = "carol@example.com" };
	json_t *o = NULL;

	assert_int_equal(
	    add(f, "customer", "-bad", "x@example.com", NULL, &err), -EINVAL);
	assert_string_equal(err.code, "invalid");
	assert_int_equal(
	    add(f, "customer", "carol", "not-an-email", NULL, &err), -EINVAL);
	assert_int_equal(add(f, "nopool", "carol", "c@example.com", NULL, &err),
	    -ENOENT);
	u.display_name = "bad\xff";
	assert_int_equal(store_user_add(f->s, f->conf, &u, &o, &err), -EINVAL);
	u.display_name = "a:b";
	assert_int_equal(store_user_add(f->s, f->conf, &u, &o, &err), -EINVAL);
	u.display_name = NULL;
	u.shell = "relative/sh";
	assert_int_equal(store_user_add(f->s, f->conf, &u, &o, &err), -EINVAL);
	assert_null(o);
	/* A refused add consumed no uid. */
	assert_int_equal(
	    add(f, "customer", "carol", "carol@example.com", &o, &err), 0);
	assert_int_equal(uid_of(o), 200000);
	json_decref(o);
}

static void
test_user_by_email_any_case(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	json_t *o;

	assert_int_equal(
	    add(f, "customer", "dave", "dave@example.com", NULL, &err), 0);
	assert_int_equal(store_user_show(f->s, "DAVE@Example.com", &o, &err),
	    0);
	assert_string_equal(json_string_value(json_object_get(o, "login")),
	    "dave");
	json_decref(o);
}

static void
test_disable_enable(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	json_t *o;

	assert_int_equal(
	    add(f, "customer", "erin", "erin@example.com", NULL, &err), 0);
	assert_int_equal(store_user_set_enabled(f->s, "erin", false, &o, &err),
	    0);
	assert_string_equal(json_string_value(json_object_get(o, "state")),
	    "disabled");
	json_decref(o);
	assert_int_equal(store_user_set_enabled(f->s, "erin", true, &o, &err),
	    0);
	assert_string_equal(json_string_value(json_object_get(o, "state")),
	    "enabled");
	json_decref(o);
}

static void
test_groups_members_and_pools(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	json_t *o;

	assert_int_equal(
	    add(f, "customer", "fay", "fay@example.com", NULL, &err), 0);
	assert_int_equal(add(f, "staff", "gus", "gus@example.com", NULL, &err),
	    0);
	assert_int_equal(
	    store_group_add(f->s, f->conf, "customer", "devs", &o, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(o, "gid")), 300000);
	json_decref(o);
	assert_int_equal(
	    store_group_member(f->s, "devs", "fay", true, &o, &err), 0);
	assert_int_equal(json_array_size(json_object_get(o, "members")), 1);
	json_decref(o);
	assert_int_equal(
	    store_group_member(f->s, "devs", "fay", true, &o, &err), -EEXIST);
	assert_int_equal(
	    store_group_member(f->s, "devs", "gus", true, &o, &err), -EINVAL);
	assert_int_equal(
	    store_group_member(f->s, "nogroup1", "fay", true, &o, &err),
	    -ENOENT);
	/* A group name may not shadow a user's private group. */
	assert_int_equal(
	    store_group_add(f->s, f->conf, "customer", "fay", &o, &err),
	    -EEXIST);
	assert_int_equal(store_user_show(f->s, "fay", &o, &err), 0);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(o, "groups"), 0)),
	    "devs");
	json_decref(o);
	assert_int_equal(
	    store_group_member(f->s, "devs", "fay", false, &o, &err), 0);
	json_decref(o);
	assert_int_equal(
	    store_group_member(f->s, "devs", "fay", false, &o, &err), -ENOENT);
}

static void
test_gid_range_exhausted_and_not_reused(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	json_t *o;

	assert_int_equal(
	    store_group_add(f->s, f->conf, "customer", "g1", &o, &err), 0);
	json_decref(o);
	assert_int_equal(store_group_del(f->s, "g1", &o, &err), 0);
	json_decref(o);
	assert_int_equal(
	    store_group_add(f->s, f->conf, "customer", "g2", &o, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(o, "gid")), 300001);
	json_decref(o);
	assert_int_equal(
	    store_group_add(f->s, f->conf, "customer", "g3", &o, &err),
	    -ENOSPC);
}

static void
test_password_set_hash_not_exposed(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	char *hash = NULL, *dump;
	json_t *o;

	assert_int_equal(add(f, "staff", "hal", "hal@example.com", NULL, &err),
	    0);
	assert_int_equal(password_hash("correct horse", &hash), 0);
	assert_true(strncmp(hash, "$y$", 3) == 0);
	assert_int_equal(store_user_set_password(f->s, "hal", hash, &o, &err),
	    0);
	json_decref(o);
	assert_int_equal(store_user_show(f->s, "hal", &o, &err), 0);
	assert_true(json_is_true(json_object_get(o, "password_set")));
	dump = json_dumps(o, 0);
	assert_null(strstr(dump, "$y$"));
	free(dump);
	json_decref(o);
	free(hash);
}

static void
test_delete_cascades_membership(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	json_t *o;

	assert_int_equal(
	    add(f, "customer", "ivy", "ivy@example.com", NULL, &err), 0);
	assert_int_equal(
	    store_group_add(f->s, f->conf, "customer", "ops", &o, &err), 0);
	json_decref(o);
	assert_int_equal(store_group_member(f->s, "ops", "ivy", true, &o, &err),
	    0);
	json_decref(o);
	assert_int_equal(store_user_del(f->s, "ivy@example.com", &o, &err), 0);
	json_decref(o);
	assert_int_equal(store_group_list(f->s, "customer", &o, &err), 0);
	assert_int_equal(
	    json_array_size(json_object_get(json_array_get(o, 0), "members")),
	    0);
	json_decref(o);
}

static void
test_nss_snapshot(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	struct store_nss n;
	json_t *o;

	assert_int_equal(add(f, "customer", "jo", "jo@example.com", NULL, &err),
	    0);
	assert_int_equal(
	    add(f, "customer", "kim", "kim@example.com", NULL, &err), 0);
	assert_int_equal(
	    store_group_add(f->s, f->conf, "customer", "team", &o, &err), 0);
	json_decref(o);
	assert_int_equal(
	    store_group_member(f->s, "team", "kim", true, &o, &err), 0);
	json_decref(o);
	assert_int_equal(store_nss_snapshot(f->s, &n, &err), 0);
	assert_int_equal(n.nusers, 2);
	assert_int_equal(n.ngroups, 1);
	assert_string_equal(n.users[1].login, "kim");
	assert_int_equal(n.groups[0].nmembers, 1);
	assert_int_equal(n.groups[0].members[0], 1);
	store_nss_free(&n);
}

static void
test_generation_counts_changes_only(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	uint64_t g0 = store_generation(f->s);
	json_t *o;

	assert_int_equal(store_user_list(f->s, NULL, &o, &err), 0);
	json_decref(o);
	assert_true(store_generation(f->s) == g0);
	assert_int_equal(add(f, "customer", "lu", "lu@example.com", NULL, &err),
	    0);
	assert_true(store_generation(f->s) > g0);
	g0 = store_generation(f->s);
	assert_int_equal(
	    add(f, "customer", "lu", "lu2@example.com", NULL, &err), -EEXIST);
	assert_true(store_generation(f->s) == g0);
}

static void
test_local_id_file_parsing(void **state)
{
	struct fx *f = *state;
	char path[160];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/passwd", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("root:x:0:0:root:/root:/bin/bash\n"
	      "eve:x:200001:200001::/home/eve:/bin/sh\n"
	      "broken line without colons\n"
	      "odd:x:12ab:1::/:/bin/sh\n",
	    fp);
	fclose(fp);
	assert_true(store_local_id_taken(path, 0));
	assert_true(store_local_id_taken(path, 200001));
	assert_false(store_local_id_taken(path, 200000));
	assert_false(store_local_id_taken(path, 12));
	assert_false(store_local_id_taken("/nonexistent/passwd", 0));
}

/*
 * store_prepare_bind checks every bind: a parameter the statement does
 * not have, or a type letter it does not know, is an error with no
 * statement left over; good ones bind in order, NULL text as NULL.
 */
static void
test_prepare_bind_checks_every_bind(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	const unsigned char blob[3] = { 1, 2, 3 };
	sqlite3_stmt *st = (sqlite3_stmt *)&err;

	assert_int_not_equal(store_prepare_bind(f->s, "SELECT ?1", &st, &err,
				 "ii", (int64_t)1, (int64_t)2),
	    0);
	assert_null(st);
	assert_non_null(err.code);
	st = (sqlite3_stmt *)&err;
	assert_int_not_equal(
	    store_prepare_bind(f->s, "SELECT ?1", &st, &err, "x", (int64_t)1),
	    0);
	assert_null(st);
	assert_non_null(strstr(err.msg, "bad bind type"));
	assert_int_equal(
	    store_prepare_bind(f->s,
		"SELECT ?1, ?2, ?3 IS NULL, ?4 IS NULL, length(?5)", &st, &err,
		"itnib", (int64_t)42, "x", (int64_t)7, blob, (int)sizeof(blob)),
	    0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(st, 0), 42);
	assert_string_equal((const char *)sqlite3_column_text(st, 1), "x");
	assert_int_equal(sqlite3_column_int(st, 2), 1);
	assert_int_equal(sqlite3_column_int(st, 3), 0);
	assert_int_equal(sqlite3_column_int(st, 4), 3);
	sqlite3_finalize(st);
	assert_int_equal(store_prepare_bind(f->s, "SELECT ?1 IS NULL", &st,
			     &err, "t", (const char *)NULL),
	    0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
}

static void
test_rebind_checks_every_bind_and_keeps_the_statement(void **state)
{
	struct fx *f = *state;
	struct store_err err = { 0 };
	sqlite3_stmt *st = NULL;

	assert_int_equal(
	    store_prepare_bind(f->s, "SELECT ?1", &st, &err, "i", (int64_t)1),
	    0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	/* a stepped statement: reset, then bound again */
	assert_int_equal(store_rebind(f->s, st, &err, "i", (int64_t)2), 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(st, 0), 2);
	/* ?2 is past the statement's last parameter */
	assert_int_not_equal(
	    store_rebind(f->s, st, &err, "ii", (int64_t)3, (int64_t)4), 0);
	assert_non_null(err.code);
	assert_int_not_equal(store_rebind(f->s, st, &err, "x", (int64_t)3), 0);
	/* the failure leaves the statement to the caller, still usable */
	assert_int_equal(store_rebind(f->s, st, &err, "t", "y"), 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "y");
	sqlite3_finalize(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
		T(test_prepare_bind_checks_every_bind),
		T(test_rebind_checks_every_bind_and_keeps_the_statement),
		T(test_user_add_allocates_uid_and_private_gid),
		T(test_pool_home_template_applies),
		T(test_uid_never_reused_after_delete),
		T(test_uid_range_exhausted),
		T(test_duplicate_login_and_email_refused),
		T(test_local_account_names_refused),
		T(test_invalid_fields_refused),
		T(test_user_by_email_any_case),
		T(test_disable_enable),
		T(test_groups_members_and_pools),
		T(test_gid_range_exhausted_and_not_reused),
		T(test_password_set_hash_not_exposed),
		T(test_delete_cascades_membership),
		T(test_nss_snapshot),
		T(test_generation_counts_changes_only),
		T(test_local_id_file_parsing),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
