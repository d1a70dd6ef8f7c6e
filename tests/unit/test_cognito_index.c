/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the lookup of a Cognito pool's synced users
 * (helpers/userauthd/pool/cognito_nss.c): by login name and by address,
 * any case, through the index built with each result; each user's groups;
 * a result replacing the last one; a pool without a result.  And the
 * state file each result is kept in: read back at the next start, within
 * its bound (CG_STATE_MAX) only, an over-size one neither read nor
 * written, nothing lost either way.  ua_log and ua_log_errno are wrapped
 * at link time (logcap.c and below) to see what is said.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logcap.h"

#include "server/conf.h"
#include "userauthd/nss/nsscache.h"
#include "userauthd/pool/cognito_int.h"

struct fx {
	struct cognito_backend cb;
	struct cg_sync y;
};

/* A result of n users "uN" (N from 0, added in reverse order so that the
 * array is not sorted), addresses for even N in two cases ("uN@example.com"
 * and "UN@Example.COM": sorted by case they would interleave), and two
 * groups: "even" (every even user) and "all". */
static struct nss_extra *
result(size_t n)
{
	struct store_nss s = { 0 };
	char buf[64];
	size_t i, k;

	s.users = calloc(n, sizeof(*s.users));
	s.groups = calloc(2, sizeof(*s.groups));
	assert_non_null(s.users);
	assert_non_null(s.groups);
	for (i = 0; i < n; i++) {
		k = n - 1 - i;
		(void)snprintf(buf, sizeof(buf), "u%zu", k);
		s.users[i].login = strdup(buf);
		(void)snprintf(buf, sizeof(buf),
		    k % 4 == 0 ? "u%zu@example.com" : "U%zu@Example.COM", k);
		s.users[i].email = strdup(k % 2 == 0 ? buf : "");
		s.users[i].gecos = strdup("");
		s.users[i].home = strdup("/home/x");
		s.users[i].shell = strdup("/bin/sh");
		s.users[i].uid = (uint32_t)(700000 + k);
		s.users[i].gid = s.users[i].uid;
	}
	s.nusers = n;
	s.groups[0].name = strdup("even");
	s.groups[1].name = strdup("all");
	s.groups[0].members = calloc(n + 1, sizeof(uint32_t));
	s.groups[1].members = calloc(n + 1, sizeof(uint32_t));
	for (i = 0; i < n; i++) {
		if ((n - 1 - i) % 2 == 0)
			s.groups[0].members[s.groups[0].nmembers++] =
			    (uint32_t)i;
		s.groups[1].members[s.groups[1].nmembers++] = (uint32_t)i;
	}
	s.ngroups = 2;
	return nss_extra_new(&s);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	(void)snprintf(f->y.pool, sizeof(f->y.pool), "staff");
	f->cb.syncs[0] = &f->y;
	f->cb.nsyncs = 1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	nss_extra_unref(f->y.last);
	cg_index_free(&f->y.ix);
	free(f);
	return 0;
}

static void
find_ok(struct fx *f, const char *ident, const char *login, uint32_t uid,
    size_t ngroups)
{
	struct pool_user u;
	const char *groups[4];

	assert_int_equal(cg_synced_find(&f->cb, "staff", ident, &u, groups, 4),
	    0);
	assert_string_equal(u.login, login);
	assert_int_equal(u.uid, uid);
	assert_int_equal(u.ngroups, ngroups);
	assert_true(u.enabled);
}

static void
test_no_result_yet(void **state)
{
	struct fx *f = *state;
	struct pool_user u;
	const char *groups[4];

	assert_int_equal(cg_synced_find(&f->cb, "staff", "u1", &u, groups, 4),
	    -ENOENT);
	assert_int_equal(cg_synced_find(&f->cb, "other", "u1", &u, groups, 4),
	    -ENOENT);
}

static void
test_by_login_and_address(void **state)
{
	struct fx *f = *state;
	struct pool_user u;
	const char *groups[4];
	char name[32];
	size_t i;

	assert_int_equal(cg_sync_set_last(&f->y, result(1001)), 0);
	for (i = 0; i < 1001; i += 97) {
		(void)snprintf(name, sizeof(name), "u%zu", i);
		find_ok(f, name, name, (uint32_t)(700000 + i),
		    i % 2 == 0 ? 2 : 1);
	}
	find_ok(f, "u0", "u0", 700000, 2);
	find_ok(f, "u1000", "u1000", 701000, 2);
	/* an address any case; a login is matched exactly */
	find_ok(f, "u500@example.com", "u500", 700500, 2);
	find_ok(f, "U500@EXAMPLE.COM", "u500", 700500, 2);
	find_ok(f, "u502@example.com", "u502", 700502, 2);
	find_ok(f, "U998@example.com", "u998", 700998, 2);
	assert_int_equal(cg_synced_find(&f->cb, "staff", "U500", &u, groups, 4),
	    -ENOENT);
	/* odd users have no address */
	assert_int_equal(
	    cg_synced_find(&f->cb, "staff", "u501@example.com", &u, groups, 4),
	    -ENOENT);
	assert_int_equal(cg_synced_find(&f->cb, "staff", "", &u, groups, 4),
	    -ENOENT);
	assert_int_equal(
	    cg_synced_find(&f->cb, "staff", "u1001", &u, groups, 4), -ENOENT);
}

static void
test_groups_named_and_bounded(void **state)
{
	struct fx *f = *state;
	struct pool_user u;
	const char *groups[4];

	assert_int_equal(cg_sync_set_last(&f->y, result(10)), 0);
	assert_int_equal(cg_synced_find(&f->cb, "staff", "u4", &u, groups, 4),
	    0);
	assert_int_equal(u.ngroups, 2);
	assert_string_equal(u.groups[0], "even");
	assert_string_equal(u.groups[1], "all");
	assert_int_equal(cg_synced_find(&f->cb, "staff", "u3", &u, groups, 4),
	    0);
	assert_int_equal(u.ngroups, 1);
	assert_string_equal(u.groups[0], "all");
	/* no more than the caller has room for */
	assert_int_equal(cg_synced_find(&f->cb, "staff", "u4", &u, groups, 1),
	    0);
	assert_int_equal(u.ngroups, 1);
	assert_string_equal(u.groups[0], "even");
}

static void
test_a_new_result_replaces_the_last(void **state)
{
	struct fx *f = *state;
	struct pool_user u;
	const char *groups[4];

	assert_int_equal(cg_sync_set_last(&f->y, result(50)), 0);
	find_ok(f, "u49", "u49", 700049, 1);
	assert_int_equal(cg_sync_set_last(&f->y, result(20)), 0);
	assert_int_equal(cg_synced_find(&f->cb, "staff", "u49", &u, groups, 4),
	    -ENOENT);
	find_ok(f, "u19", "u19", 700019, 1);
	find_ok(f, "u18@example.com", "u18", 700018, 2);
	/* an empty result: nobody */
	assert_int_equal(cg_sync_set_last(&f->y, result(0)), 0);
	assert_int_equal(cg_synced_find(&f->cb, "staff", "u0", &u, groups, 4),
	    -ENOENT);
}

/*
 * The state file's text: valid JSON that gives back every value as it
 * was, whatever an address holds (a quote, a backslash, a control
 * character, UTF-8), and each group's members.
 */
static void
test_state_file_round_trip(void **state)
{
	static char odd[] = "a\"b\\c\x01\td\x1f\x7f\xc3\xa9@example.com";
	static char ann[] = "ann", bob[] = "bob", none[] = "", ops[] = "ops";
	static char bad[] = "b\xc3(@example.com";
	static char home1[] = "/home/ann", home2[] = "/home/b\"ob";
	static char sh1[] = "/bin/sh", sh2[] = "/bin/bash";
	struct store_nss_user users[2] = {
		{ .login = ann,
		    .email = odd,
		    .home = home1,
		    .shell = sh1,
		    .uid = 4000001 },
		{ .login = bob,
		    .email = none,
		    .home = home2,
		    .shell = sh2,
		    .uid = 4000002 },
	};
	uint32_t members[2] = { 1, 0 };
	struct store_nss_group groups[1] = {
		{ .name = ops,
		    .gid = 4100000,
		    .members = members,
		    .nmembers = 2 },
	};
	struct store_nss n = { .users = users,
		.nusers = 2,
		.groups = groups,
		.ngroups = 1 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	json_t *o, *u, *g;
	json_error_t e;

	(void)state;
	assert_non_null(f);
	assert_int_equal(cg_state_write(f, &n), 0);
	assert_false(ferror(f));
	assert_int_equal(fclose(f), 0);
	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "version")), 1);
	u = json_object_get(o, "users");
	assert_int_equal(json_array_size(u), 2);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(u, 0), "email")),
	    odd);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(u, 1), "home")),
	    "/home/b\"ob");
	assert_int_equal(
	    json_integer_value(json_object_get(json_array_get(u, 1), "uid")),
	    4000002);
	g = json_array_get(json_object_get(o, "groups"), 0);
	assert_string_equal(json_string_value(json_object_get(g, "name")),
	    "ops");
	assert_int_equal(json_integer_value(json_object_get(g, "gid")),
	    4100000);
	assert_int_equal(json_integer_value(
			     json_array_get(json_object_get(g, "members"), 0)),
	    1);
	assert_int_equal(json_array_size(json_object_get(g, "members")), 2);
	json_decref(o);
	free(text);
	/* not UTF-8: refused, the file is not to be kept */
	users[1].email = bad;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(cg_state_write(f, &n), -EILSEQ);
	assert_int_equal(fclose(f), 0);
	free(text);
}

int __wrap_ua_log_errno(int prio, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Into logcap's lines too, %m as the real one does it. */
int
__wrap_ua_log_errno(int prio, int r, const char *fmt, ...)
{
	va_list ap;

	(void)prio;
	errno = -r;
	if (logcap_n < LOGCAP_MAX) {
		va_start(ap, fmt);
		(void)vsnprintf(logcap_lines[logcap_n++],
		    sizeof(logcap_lines[0]), fmt, ap);
		va_end(ap);
	}
	return r;
}

/*
 * The kept file: a writer (w, the sync that keeps its result) and a
 * reader (r, the next start), one state directory, one Cognito pool.
 */
struct kx {
	char dir[64], path[128], pool[8];
	struct cognito_backend w, r;
	struct ua_pool_conf pc;
	struct ua_conf c;
};

static int
kx_setup(void **state)
{
	struct kx *k = calloc(1, sizeof(*k));

	assert_non_null(k);
	(void)snprintf(k->dir, sizeof(k->dir), "/tmp/ua-cgkeep-XXXXXX");
	assert_non_null(mkdtemp(k->dir));
	(void)snprintf(k->path, sizeof(k->path), "%s/cognito-staff.json",
	    k->dir);
	(void)snprintf(k->pool, sizeof(k->pool), "staff");
	k->pc = (struct ua_pool_conf){ .name = k->pool,
		.backend = UA_BACKEND_COGNITO,
		.uid_min = 700000,
		.uid_max = 709999,
		.gid_min = 0,
		.gid_max = 100 };
	k->c = (struct ua_conf){ .pools = &k->pc, .npools = 1 };
	k->w.hooks.state_dir = k->r.hooks.state_dir = k->dir;
	k->w.state_max = k->r.state_max = CG_STATE_MAX;
	assert_non_null(cg_sync_of(&k->w, "staff"));
	logcap_reset();
	*state = k;
	return 0;
}

static int
kx_teardown(void **state)
{
	struct kx *k = *state;
	char tmp[160];
	size_t i;

	for (i = 0; i < k->w.nsyncs; i++)
		cg_sync_free(k->w.syncs[i]);
	for (i = 0; i < k->r.nsyncs; i++)
		cg_sync_free(k->r.syncs[i]);
	(void)unlink(k->path);
	(void)snprintf(tmp, sizeof(tmp), "%s.new", k->path);
	(void)unlink(tmp);
	assert_int_equal(rmdir(k->dir), 0);
	free(k);
	return 0;
}

/* A sync of n users kept by the writer: the file's size. */
static off_t
keep_result(struct kx *k, size_t n)
{
	struct stat st;

	assert_int_equal(cg_sync_set_last(k->w.syncs[0], result(n)), 0);
	cg_sync_publish(&k->w, k->w.syncs[0]);
	assert_int_equal(stat(k->path, &st), 0);
	return st.st_size;
}

/* The file's bytes, to see it is left as it was. */
static char *
slurp(const char *path, size_t *ret_len)
{
	char *text = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "r");
	FILE *m = open_memstream(&text, &cap);
	int ch;

	assert_non_null(f);
	assert_non_null(m);
	while ((ch = getc(f)) != EOF)
		(void)putc(ch, m);
	(void)fclose(f);
	assert_int_equal(fclose(m), 0);
	*ret_len = cap;
	return text;
}

static size_t
synced_users(struct cognito_backend *cb)
{
	struct cg_sync *y = cg_sync_of(cb, "staff");

	assert_non_null(y);
	return y->last != NULL ? nss_extra_get(y->last)->nusers : 0;
}

/* A kept sync is read back whole at the next start. */
static void
test_kept_sync_read_back(void **state)
{
	struct kx *k = *state;

	(void)keep_result(k, 300);
	assert_int_equal(cg_sync_load(&k->r, &k->c), 0);
	assert_int_equal(synced_users(&k->r), 300);
	assert_int_equal(logcap_n, 0);
}

/*
 * A kept file one byte over the reader's bound (trailing blanks: valid
 * JSON, refused for its size alone) is not read, and said so; the file
 * is left as it was, and what the reader had stays.  At the bound it is
 * read.
 */
static void
test_kept_sync_over_bound_is_refused(void **state)
{
	struct kx *k = *state;
	off_t size = keep_result(k, 50);
	char *before, *after;
	size_t nb, na;
	FILE *f;

	f = fopen(k->path, "a");
	assert_non_null(f);
	assert_true(fputs("   ", f) >= 0);
	assert_int_equal(fclose(f), 0);
	before = slurp(k->path, &nb);
	assert_int_equal(
	    cg_sync_set_last(cg_sync_of(&k->r, "staff"), result(7)), 0);
	k->r.state_max = (size_t)size + 2;
	assert_int_equal(cg_sync_load(&k->r, &k->c), 0);
	assert_int_equal(synced_users(&k->r), 7);
	assert_int_equal(logged("cognito pool staff: the kept sync in",
			     "is larger than", "not read, and left as it is",
			     NULL),
	    1);
	after = slurp(k->path, &na);
	assert_int_equal(na, nb);
	assert_memory_equal(after, before, nb);
	free(after);
	free(before);
	k->r.state_max = (size_t)size + 3;
	assert_int_equal(cg_sync_load(&k->r, &k->c), 0);
	assert_int_equal(synced_users(&k->r), 50);
	assert_int_equal(logcap_n, 1);
}

/*
 * The daemon's own bound, CG_STATE_MAX (256 MiB): a file over it (sparse:
 * no disk, and nothing of it is read) is refused at once; a FIFO (it
 * could feed the reader for ever) is refused without waiting for it.
 */
static void
test_kept_sync_real_bound_and_fifo(void **state)
{
	struct kx *k = *state;
	struct stat st;
	int fd;

	fd = open(k->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)CG_STATE_MAX + 1), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(cg_sync_load(&k->r, &k->c), 0);
	assert_int_equal(synced_users(&k->r), 0);
	assert_int_equal(logged("is larger than 268435456 bytes", NULL), 1);
	assert_int_equal(stat(k->path, &st), 0);
	assert_int_equal(st.st_size, (off_t)CG_STATE_MAX + 1);
	assert_int_equal(unlink(k->path), 0);
	assert_int_equal(mkfifo(k->path, 0600), 0);
	assert_int_equal(cg_sync_load(&k->r, &k->c), 0);
	assert_int_equal(synced_users(&k->r), 0);
	assert_int_equal(logged("the kept sync in", "is unusable", NULL), 1);
}

/*
 * A sync whose text would be over the bound is not kept (the next start
 * would refuse it): the file kept before stays as it was, no temporary
 * file is left, and the log says why.
 */
static void
test_over_bound_sync_is_not_kept(void **state)
{
	struct kx *k = *state;
	off_t size = keep_result(k, 20);
	char *before, *after, tmp[160];
	size_t nb, na;

	before = slurp(k->path, &nb);
	k->w.state_max = (size_t)size + 10;
	(void)keep_result(k, 40);
	after = slurp(k->path, &na);
	assert_int_equal(na, nb);
	assert_memory_equal(after, before, nb);
	(void)snprintf(tmp, sizeof(tmp), "%s.new", k->path);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(logged("cognito pool staff: cannot keep the sync in",
			     "over the limit of the kept file", NULL),
	    1);
	assert_int_equal(cg_sync_load(&k->r, &k->c), 0);
	assert_int_equal(synced_users(&k->r), 20);
	free(after);
	free(before);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_result_yet, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_by_login_and_address,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_groups_named_and_bounded,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_new_result_replaces_the_last, setup, teardown),
		cmocka_unit_test(test_state_file_round_trip),
		cmocka_unit_test_setup_teardown(test_kept_sync_read_back,
		    kx_setup, kx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_kept_sync_over_bound_is_refused, kx_setup,
		    kx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_kept_sync_real_bound_and_fifo, kx_setup, kx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_over_bound_sync_is_not_kept, kx_setup, kx_teardown),
	};

	return cmocka_run_group_tests_name("cognito_index", tests, NULL, NULL);
}
