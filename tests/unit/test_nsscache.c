/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for publishing the NSS cache (helpers/userauthd/nss/nsscache.c)
 * from a real store in a temp dir, read back with the module's own reader
 * (common/client/cache*.c): what a lookup finds, that an alias is kept
 * only as a digest, the id marks, the mode and the atomic replacement,
 * and that a failed publish leaves the old file as it was.
 *
 * ua_log_errno is wrapped at link time (-Wl,--wrap=ua_log_errno, this
 * test's LDFLAGS) so a case can see that a failure was logged once, with
 * the file's name.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/cache.h"
#include "server/conf.h"
#include "server/log.h"
#include "userauthd/nss/nsscache.h"
#include "userauthd/store/store.h"

static const char conf_text[] = "[defaults]\n"
				"shell = /bin/sh\n"
				"mail_from = codes@example.com\n"
				"[pool customer]\n"
				"uid_min = 200000\n"
				"uid_max = 200099\n"
				"gid_min = 300000\n"
				"gid_max = 300099\n"
				"[pool staff]\n"
				"uid_min = 210000\n"
				"uid_max = 210099\n"
				"gid_min = 310000\n"
				"gid_max = 310099\n"
				"home = /srv/%p/%u\n";

struct fx {
	char dir[64]; /* the store's */
	char db[128];
	char cdir[128]; /* the cache's, alone in it */
	char cache[160];
	struct ua_conf *conf;
	struct store *s;
};

/* The link-time stand-in for ua_log_errno: the last error logged. */
static char last_err[1024];
static unsigned nerr;

int __wrap_ua_log_errno(int prio, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

int
__wrap_ua_log_errno(int prio, int r, const char *fmt, ...)
{
	va_list ap;

	(void)prio;
	errno = -r; /* for %m, as the real one does */
	va_start(ap, fmt);
	(void)vsnprintf(last_err, sizeof(last_err), fmt, ap);
	va_end(ap);
	nerr++;
	return r;
}

static void
rm_tree(const char *path)
{
	char sub[512];
	struct dirent *e;
	DIR *d = opendir(path);

	if (d == NULL) {
		(void)unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		(void)snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		rm_tree(sub);
	}
	(void)closedir(d);
	(void)rmdir(path);
}

static int
setup(void **state)
{
	struct store_err err = { 0 };
	char msg[256];
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/ua-nsscache-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	(void)snprintf(f->db, sizeof(f->db), "%s/userauth.db", f->dir);
	(void)snprintf(f->cdir, sizeof(f->cdir), "%s/cache", f->dir);
	assert_int_equal(mkdir(f->cdir, 0755), 0);
	assert_int_equal(chmod(f->cdir, 0755), 0); /* whatever the umask */
	(void)snprintf(f->cache, sizeof(f->cache), "%s/nss.cache", f->cdir);
	if (ua_conf_parse("test.conf", conf_text, strlen(conf_text), &f->conf,
		msg, sizeof(msg)) < 0)
		fail_msg("%s", msg);
	assert_int_equal(store_open(f->db, &f->s, &err), 0);
	assert_int_equal(store_sync_pools(f->s, f->conf, &err), 0);
	nerr = 0;
	last_err[0] = '\0';
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	(void)chmod(f->cdir, 0755); /* a case may have taken w away */
	store_close(f->s);
	ua_conf_free(f->conf);
	rm_tree(f->dir);
	free(f);
	return 0;
}

static void
add_user(struct fx *f, const char *pool, const char *login, const char *email,
    const char *display_name)
{
	struct store_user_new u = { .pool = pool,
		.login = login,
		.email = email,
		.display_name = display_name };
	struct store_err err = { 0 };
	json_t *o = NULL;

	assert_int_equal(store_user_add(f->s, f->conf, &u, &o, &err), 0);
	json_decref(o);
}

static uint32_t
add_group(struct fx *f, const char *pool, const char *name)
{
	struct store_err err = { 0 };
	json_t *o = NULL;
	uint32_t gid;

	assert_int_equal(store_group_add(f->s, f->conf, pool, name, &o, &err),
	    0);
	gid = (uint32_t)json_integer_value(json_object_get(o, "gid"));
	json_decref(o);
	return gid;
}

static void
add_member(struct fx *f, const char *group, const char *user)
{
	struct store_err err = { 0 };
	json_t *o = NULL;

	assert_int_equal(store_group_member(f->s, group, user, true, &o, &err),
	    0);
	json_decref(o);
}

static void
publish_ok(struct fx *f)
{
	assert_int_equal(nsscache_publish(f->s, f->cache, NULL), 0);
}

/* The names in dir other than . and .., space-separated, sorted. */
static void
list_dir(const char *dir, char *out, size_t outsz)
{
	struct dirent **e = NULL;
	int n, i;
	size_t len = 0;

	out[0] = '\0';
	n = scandir(dir, &e, NULL, alphasort);
	assert_true(n >= 0);
	for (i = 0; i < n; i++) {
		if (strcmp(e[i]->d_name, ".") != 0 &&
		    strcmp(e[i]->d_name, "..") != 0)
			len += (size_t)snprintf(out + len, outsz - len, "%s%s",
			    len ? " " : "", e[i]->d_name);
		free(e[i]);
		assert_true(len < outsz);
	}
	free(e);
}

/* The whole file, malloc'ed. */
static unsigned char *
slurp(const char *path, size_t *ret_len)
{
	struct stat st;
	unsigned char *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	p = malloc((size_t)st.st_size + 1);
	assert_non_null(p);
	assert_int_equal(read(fd, p, (size_t)st.st_size), st.st_size);
	(void)close(fd);
	*ret_len = (size_t)st.st_size;
	return p;
}

static void
test_users_found_by_name_and_uid(void **state)
{
	struct fx *f = *state;
	struct ua_cache c;
	struct passwd pw;
	char buf[1024];

	add_user(f, "customer", "alice", "alice@example.com", "Alice A");
	add_user(f, "staff", "sam", "sam@example.org", NULL);
	publish_ok(f);
	assert_int_equal(ua_cache_map(f->cache, &c, NULL), 0);

	assert_int_equal(ua_cache_getpwnam(&c, "alice", &pw, buf, sizeof(buf)),
	    0);
	assert_string_equal(pw.pw_name, "alice");
	assert_int_equal(pw.pw_uid, 200000);
	assert_int_equal(pw.pw_gid, 200000);
	assert_string_equal(pw.pw_gecos, "Alice A");
	assert_string_equal(pw.pw_dir, "/home/alice");
	assert_string_equal(pw.pw_shell, "/bin/sh");

	assert_int_equal(ua_cache_getpwuid(&c, 210000, &pw, buf, sizeof(buf)),
	    0);
	assert_string_equal(pw.pw_name, "sam");
	assert_string_equal(pw.pw_dir, "/srv/staff/sam");

	assert_int_equal(
	    ua_cache_getpwnam(&c, "nobody-here", &pw, buf, sizeof(buf)),
	    -ENOENT);
	assert_int_equal(ua_cache_getpwuid(&c, 200001, &pw, buf, sizeof(buf)),
	    -ENOENT);
	assert_int_equal(nerr, 0);
	ua_cache_unmap(&c);
}

static void
test_private_and_named_groups(void **state)
{
	struct fx *f = *state;
	struct ua_cache c;
	struct group gr;
	gid_t gids[4];
	size_t total = 0;
	uint32_t ops;
	char buf[1024];

	add_user(f, "staff", "sam", "sam@example.org", NULL);
	add_user(f, "staff", "tia", "tia@example.org", NULL);
	ops = add_group(f, "staff", "ops");
	add_member(f, "ops", "sam");
	add_member(f, "ops", "tia");
	publish_ok(f);
	assert_int_equal(ua_cache_map(f->cache, &c, NULL), 0);

	/* each user's own group: gid = uid, nobody listed */
	assert_int_equal(ua_cache_getgrgid(&c, 210000, &gr, buf, sizeof(buf)),
	    0);
	assert_string_equal(gr.gr_name, "sam");
	assert_null(gr.gr_mem[0]);

	assert_int_equal(ua_cache_getgrnam(&c, "ops", &gr, buf, sizeof(buf)),
	    0);
	assert_int_equal(gr.gr_gid, ops);
	assert_true(ops >= 310000 && ops <= 310099);
	assert_non_null(gr.gr_mem[0]);
	assert_non_null(gr.gr_mem[1]);
	assert_null(gr.gr_mem[2]);
	assert_true((strcmp(gr.gr_mem[0], "sam") == 0 &&
			strcmp(gr.gr_mem[1], "tia") == 0) ||
	    (strcmp(gr.gr_mem[0], "tia") == 0 &&
		strcmp(gr.gr_mem[1], "sam") == 0));

	assert_int_equal(ua_cache_getgrgid(&c, ops, &gr, buf, sizeof(buf)), 0);
	assert_string_equal(gr.gr_name, "ops");

	assert_int_equal(ua_cache_user_gids(&c, "tia", 0, gids, 4, &total), 1);
	assert_int_equal(total, 1);
	assert_int_equal(gids[0], ops);
	ua_cache_unmap(&c);
}

static void
test_alias_found_by_address_but_only_digest_stored(void **state)
{
	struct fx *f = *state;
	static const char *const absent[] = { "alice@example.com",
		"Alice@Example.COM", "alice@", "@example.com", "example.com",
		"sam@example.org", "example.org" };
	uint8_t digest[UA_CACHE_DIGEST_LEN];
	unsigned char *img;
	struct ua_cache c;
	struct passwd pw;
	char buf[1024];
	size_t len, i;

	add_user(f, "customer", "alice", "Alice@Example.COM", NULL);
	add_user(f, "staff", "sam", "sam@example.org", NULL);
	publish_ok(f);
	assert_int_equal(ua_cache_map(f->cache, &c, NULL), 0);

	assert_int_equal(
	    ua_cache_getpwnam(&c, "alice@example.com", &pw, buf, sizeof(buf)),
	    0);
	assert_string_equal(pw.pw_name, "alice");
	assert_int_equal(ua_cache_getpwnam(&c, " ALICE@example.com\t", &pw, buf,
			     sizeof(buf)),
	    0);
	assert_string_equal(pw.pw_name, "alice");
	assert_int_equal(
	    ua_cache_getpwnam(&c, "SAM@Example.Org", &pw, buf, sizeof(buf)), 0);
	assert_string_equal(pw.pw_name, "sam");
	assert_int_equal(
	    ua_cache_getpwnam(&c, "eve@example.com", &pw, buf, sizeof(buf)),
	    -ENOENT);

	img = slurp(f->cache, &len);
	for (i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		if (memmem(img, len, absent[i], strlen(absent[i])) != NULL)
			fail_msg("the cache file holds '%s'", absent[i]);
	/* what it holds instead: the salted digest of the address */
	assert_int_equal(ua_cache_email_digest(c.email_salt,
			     "alice@example.com", 17, digest),
	    0);
	assert_non_null(memmem(img, len, digest, sizeof(digest)));
	free(img);
	ua_cache_unmap(&c);
}

static void
test_marks_are_the_pools_counters(void **state)
{
	struct fx *f = *state;
	struct store_id_mark *m = NULL;
	size_t n = 0, i;
	bool seen_customer = false, seen_staff = false;

	add_user(f, "customer", "alice", "alice@example.com", NULL);
	add_user(f, "customer", "bob", "bob@example.com", NULL);
	(void)add_group(f, "staff", "ops");
	publish_ok(f);
	assert_int_equal(nsscache_read_marks(f->cache, &m, &n), 0);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		if (strcmp(m[i].pool, "customer") == 0) {
			seen_customer = true;
			assert_int_equal(m[i].uid_next, 200002);
			assert_int_equal(m[i].gid_next, 300000);
		} else if (strcmp(m[i].pool, "staff") == 0) {
			seen_staff = true;
			assert_int_equal(m[i].uid_next, 210000);
			assert_int_equal(m[i].gid_next, 310001);
		}
	}
	assert_true(seen_customer && seen_staff);
	nsscache_marks_free(m, n);
}

/*
 * Users and groups of another backend (nss_extra) come after the
 * store's; their groups' member indexes are their own, moved past the
 * store's users.
 */
static void
test_extra_users_and_groups_follow_the_stores(void **state)
{
	struct fx *f = *state;
	struct store_nss_user xu[2] = {
		{ .login = strdup("cora"),
		    .email = strdup("cora@example.net"),
		    .gecos = strdup(""),
		    .home = strdup("/home/cora"),
		    .shell = strdup("/bin/sh"),
		    .uid = 400000,
		    .gid = 400000 },
		{ .login = strdup("dan"),
		    .email = strdup("dan@example.net"),
		    .gecos = strdup(""),
		    .home = strdup("/home/dan"),
		    .shell = strdup("/bin/sh"),
		    .uid = 400001,
		    .gid = 400001 },
	};
	uint32_t *members = calloc(1, sizeof(uint32_t));
	struct store_nss_group *xg = calloc(1, sizeof(*xg));
	struct store_nss_user *xus = calloc(2, sizeof(*xus));
	struct store_nss n = { 0 };
	struct nss_extra *x;
	struct ua_cache c;
	struct passwd pw;
	struct group gr;
	char buf[1024];

	assert_non_null(members);
	assert_non_null(xg);
	assert_non_null(xus);
	memcpy(xus, xu, sizeof(xu));
	members[0] = 1; /* dan, the extra's second user */
	*xg = (struct store_nss_group){ .name = strdup("pilots"),
		.gid = 410000,
		.members = members,
		.nmembers = 1 };
	n = (struct store_nss){ .users = xus,
		.nusers = 2,
		.groups = xg,
		.ngroups = 1 };
	x = nss_extra_new(&n);
	assert_non_null(x);
	assert_null(n.users);

	add_user(f, "customer", "alice", "alice@example.com", NULL);
	add_user(f, "customer", "bob", "bob@example.com", NULL);
	assert_int_equal(nsscache_publish(f->s, f->cache, x), 0);
	nss_extra_unref(x);
	assert_int_equal(ua_cache_map(f->cache, &c, NULL), 0);

	assert_int_equal(
	    ua_cache_getpwnam(&c, "dan@example.net", &pw, buf, sizeof(buf)), 0);
	assert_string_equal(pw.pw_name, "dan");
	assert_int_equal(pw.pw_uid, 400001);
	assert_int_equal(ua_cache_getgrgid(&c, 400000, &gr, buf, sizeof(buf)),
	    0);
	assert_string_equal(gr.gr_name, "cora");
	assert_int_equal(ua_cache_getgrnam(&c, "pilots", &gr, buf, sizeof(buf)),
	    0);
	assert_non_null(gr.gr_mem[0]);
	assert_string_equal(gr.gr_mem[0], "dan");
	assert_null(gr.gr_mem[1]);
	assert_int_equal(ua_cache_getpwnam(&c, "bob", &pw, buf, sizeof(buf)),
	    0);
	ua_cache_unmap(&c);
}

/*
 * A user of another backend may have no address: the extra holds "" then
 * (cognito_ids.c, cognito_nss.c), which is no alias, not a bad one that
 * would keep every user out of the cache.
 */
static void
test_extra_user_without_email_is_published(void **state)
{
	struct fx *f = *state;
	struct store_nss_user *xu = calloc(1, sizeof(*xu));
	struct store_nss n = { 0 };
	struct nss_extra *x;
	struct ua_cache c;
	struct passwd pw;
	char buf[1024];

	assert_non_null(xu);
	*xu = (struct store_nss_user){ .login = strdup("cora"),
		.email = strdup(""),
		.gecos = strdup(""),
		.home = strdup("/home/cora"),
		.shell = strdup("/bin/sh"),
		.uid = 400000,
		.gid = 400000 };
	n = (struct store_nss){ .users = xu, .nusers = 1 };
	x = nss_extra_new(&n);
	assert_non_null(x);
	add_user(f, "customer", "alice", "alice@example.com", NULL);

	assert_int_equal(nsscache_publish(f->s, f->cache, x), 0);
	nss_extra_unref(x);
	assert_int_equal(nerr, 0);
	assert_int_equal(ua_cache_map(f->cache, &c, NULL), 0);
	assert_int_equal(ua_cache_getpwnam(&c, "cora", &pw, buf, sizeof(buf)),
	    0);
	assert_int_equal(pw.pw_uid, 400000);
	assert_int_equal(
	    ua_cache_getpwnam(&c, "alice@example.com", &pw, buf, sizeof(buf)),
	    0);
	assert_string_equal(pw.pw_name, "alice");
	ua_cache_unmap(&c);
}

/* One user of another backend, all fields its own copies. */
static struct store_nss_user
xuser(const char *login, const char *email, uint32_t uid)
{
	char home[64];

	(void)snprintf(home, sizeof(home), "/home/%s", login);
	return (struct store_nss_user){ .login = strdup(login),
		.email = strdup(email),
		.gecos = strdup(""),
		.home = strdup(home),
		.shell = strdup("/bin/sh"),
		.uid = uid,
		.gid = uid };
}

/*
 * Another backend's users and groups that clash with the store's (or
 * hold an address the alias index cannot take) are left out or lose
 * their alias, one by one: the cache is still published, the store's
 * entries win, and the rest of that backend's entries are there.
 */
static void
test_clashing_extras_are_left_out_not_the_cache(void **state)
{
	struct fx *f = *state;
	struct store_nss_user *xu = calloc(6, sizeof(*xu));
	struct store_nss_group *xg = calloc(3, sizeof(*xg));
	uint32_t *crew = calloc(2, sizeof(uint32_t));
	struct store_nss n = { 0 };
	struct nss_extra *x;
	struct ua_cache c;
	struct passwd pw;
	struct group gr;
	uint32_t ops_gid;
	char buf[1024];

	assert_non_null(xu);
	assert_non_null(xg);
	assert_non_null(crew);
	add_user(f, "customer", "alice", "alice@example.com", NULL);
	add_user(f, "customer", "bob", "bob@example.com", NULL);
	ops_gid = add_group(f, "customer", "opsteam");
	xu[0] = xuser("alice", "a2@example.net", 400000);   /* name taken */
	xu[1] = xuser("eve", "eve@example.net", 200000);    /* alice's uid */
	xu[2] = xuser("fay", " ALICE@Example.com", 400002); /* her address */
	xu[3] = xuser("gus", "gus@example.net", 400003);
	xu[4] = xuser("opsteam", "ops@example.net", 400004); /* a group's */
	xu[5] = xuser("hal", "no-address", 400005);          /* no alias */
	crew[0] = 0; /* the alice left out */
	crew[1] = 3; /* gus */
	xg[0] = (struct store_nss_group){ .name = strdup("opsteam"),
		.gid = 410000 }; /* name taken */
	xg[1] = (struct store_nss_group){ .name = strdup("pilots"),
		.gid = 200001 }; /* bob's gid */
	xg[2] = (struct store_nss_group){ .name = strdup("crew"),
		.gid = 410002,
		.members = crew,
		.nmembers = 2 };
	n = (struct store_nss){ .users = xu,
		.nusers = 6,
		.groups = xg,
		.ngroups = 3 };
	x = nss_extra_new(&n);
	assert_non_null(x);

	assert_int_equal(nsscache_publish(f->s, f->cache, x), 0);
	nss_extra_unref(x);
	assert_int_equal(nerr, 0);
	assert_int_equal(ua_cache_map(f->cache, &c, NULL), 0);
	/* the store's win */
	assert_int_equal(ua_cache_getpwnam(&c, "alice", &pw, buf, sizeof(buf)),
	    0);
	assert_int_equal(pw.pw_uid, 200000);
	assert_int_equal(ua_cache_getpwuid(&c, 200000, &pw, buf, sizeof(buf)),
	    0);
	assert_string_equal(pw.pw_name, "alice");
	assert_int_equal(
	    ua_cache_getpwnam(&c, "alice@example.com", &pw, buf, sizeof(buf)),
	    0);
	assert_string_equal(pw.pw_name, "alice");
	assert_int_equal(
	    ua_cache_getgrnam(&c, "opsteam", &gr, buf, sizeof(buf)), 0);
	assert_int_equal(gr.gr_gid, ops_gid);
	assert_int_equal(ua_cache_getgrgid(&c, 200001, &gr, buf, sizeof(buf)),
	    0);
	assert_string_equal(gr.gr_name, "bob");
	/* the clashing ones are gone, the others there */
	assert_int_equal(ua_cache_getpwnam(&c, "eve", &pw, buf, sizeof(buf)),
	    -ENOENT);
	assert_int_equal(ua_cache_getpwuid(&c, 400000, &pw, buf, sizeof(buf)),
	    -ENOENT);
	assert_int_equal(ua_cache_getpwnam(&c, "fay", &pw, buf, sizeof(buf)),
	    0);
	assert_int_equal(
	    ua_cache_getpwnam(&c, "gus@example.net", &pw, buf, sizeof(buf)), 0);
	assert_string_equal(pw.pw_name, "gus");
	assert_int_equal(
	    ua_cache_getpwnam(&c, "opsteam", &pw, buf, sizeof(buf)), 0);
	assert_int_equal(pw.pw_uid, 400004);
	assert_int_equal(ua_cache_getgrgid(&c, 400004, &gr, buf, sizeof(buf)),
	    -ENOENT);
	assert_int_equal(ua_cache_getpwnam(&c, "hal", &pw, buf, sizeof(buf)),
	    0);
	assert_int_equal(ua_cache_getgrnam(&c, "pilots", &gr, buf, sizeof(buf)),
	    -ENOENT);
	assert_int_equal(ua_cache_getgrgid(&c, 410000, &gr, buf, sizeof(buf)),
	    -ENOENT);
	assert_int_equal(ua_cache_getgrnam(&c, "crew", &gr, buf, sizeof(buf)),
	    0);
	assert_non_null(gr.gr_mem[0]);
	assert_string_equal(gr.gr_mem[0], "gus");
	assert_null(gr.gr_mem[1]);
	ua_cache_unmap(&c);
}

static void
test_file_is_0644_whatever_the_umask(void **state)
{
	struct fx *f = *state;
	static const mode_t masks[] = { 0077, 0 };
	struct stat st;
	mode_t old;
	size_t i;

	add_user(f, "customer", "alice", "alice@example.com", NULL);
	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		old = umask(masks[i]);
		assert_int_equal(nsscache_publish(f->s, f->cache, NULL), 0);
		(void)umask(old);
		assert_int_equal(stat(f->cache, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		assert_int_equal(st.st_mode & 07777, 0644);
	}
}

/*
 * A republish puts a new file in place (a rename, not a rewrite): a
 * reader that mapped the old one still reads it whole, learns it is
 * stale, and no temp file is left beside the new one.
 */
static void
test_republish_replaces_the_file_atomically(void **state)
{
	struct fx *f = *state;
	struct ua_cache old, now;
	struct stat st_old, st_now;
	struct passwd pw;
	char buf[1024], names[256];

	add_user(f, "customer", "alice", "alice@example.com", NULL);
	publish_ok(f);
	assert_int_equal(ua_cache_map(f->cache, &old, &st_old), 0);
	assert_false(ua_cache_is_stale(&old));

	add_user(f, "customer", "bob", "bob@example.com", NULL);
	publish_ok(f);
	assert_int_equal(ua_cache_map(f->cache, &now, &st_now), 0);
	assert_true(st_now.st_ino != st_old.st_ino);

	assert_true(ua_cache_is_stale(&old));
	assert_false(ua_cache_is_stale(&now));
	assert_int_equal(
	    ua_cache_getpwnam(&old, "alice", &pw, buf, sizeof(buf)), 0);
	assert_int_equal(ua_cache_getpwnam(&old, "bob", &pw, buf, sizeof(buf)),
	    -ENOENT);
	assert_int_equal(ua_cache_getpwnam(&now, "bob", &pw, buf, sizeof(buf)),
	    0);
	list_dir(f->cdir, names, sizeof(names));
	assert_string_equal(names, "nss.cache");
	ua_cache_unmap(&old);
	ua_cache_unmap(&now);
}

static void
test_missing_dir_is_an_error(void **state)
{
	struct fx *f = *state;
	char path[256];

	add_user(f, "customer", "alice", "alice@example.com", NULL);
	(void)snprintf(path, sizeof(path), "%s/absent/nss.cache", f->dir);
	assert_int_equal(nsscache_publish(f->s, path, NULL), -ENOENT);
	assert_int_equal(nerr, 1);
	assert_non_null(strstr(last_err, path));
}

/*
 * A directory the daemon cannot write: an error, logged, and the file
 * there stays the one published before, not marked stale (readers keep
 * it), with nothing left beside it.
 */
static void
test_unwritable_dir_is_an_error_and_keeps_the_old_file(void **state)
{
	struct fx *f = *state;
	struct stat st_before, st_after;
	struct ua_cache c;
	struct passwd pw;
	char buf[1024], names[256];

	bool root = geteuid() == 0;
	int r;

	add_user(f, "customer", "alice", "alice@example.com", NULL);
	publish_ok(f);
	assert_int_equal(stat(f->cache, &st_before), 0);

	add_user(f, "customer", "bob", "bob@example.com", NULL);
	assert_int_equal(chmod(f->cdir, 0555), 0);
	/*
	 * Root writes in a 0555 directory: root publishes as nobody (the
	 * store's files are open already; nobody only needs to get in).
	 */
	if (root) {
		assert_int_equal(chmod(f->dir, 0711), 0);
		assert_int_equal(seteuid(65534), 0);
	}
	r = nsscache_publish(f->s, f->cache, NULL);
	if (root)
		assert_int_equal(seteuid(0), 0);
	assert_int_equal(r, -EACCES);
	assert_int_equal(chmod(f->cdir, 0755), 0);
	assert_int_equal(nerr, 1);
	assert_non_null(strstr(last_err, f->cache));

	assert_int_equal(ua_cache_map(f->cache, &c, &st_after), 0);
	assert_true(st_after.st_ino == st_before.st_ino);
	assert_true(st_after.st_mtime == st_before.st_mtime);
	assert_false(ua_cache_is_stale(&c));
	assert_int_equal(ua_cache_getpwnam(&c, "alice", &pw, buf, sizeof(buf)),
	    0);
	assert_int_equal(ua_cache_getpwnam(&c, "bob", &pw, buf, sizeof(buf)),
	    -ENOENT);
	ua_cache_unmap(&c);
	list_dir(f->cdir, names, sizeof(names));
	assert_string_equal(names, "nss.cache");
}

/*
 * The same for a failure root meets too: the temp file's name is taken
 * by a directory (cache_publish.c names it PATH.tmp.PID), so nothing
 * can be written; the old file is untouched and the directory stays.
 */
static void
test_failed_temp_write_keeps_the_old_file(void **state)
{
	struct fx *f = *state;
	struct stat st_before, st_after;
	struct ua_cache c;
	struct passwd pw;
	char tmp[256], inner[300], names[256], buf[1024];
	int fd;

	add_user(f, "customer", "alice", "alice@example.com", NULL);
	publish_ok(f);
	assert_int_equal(stat(f->cache, &st_before), 0);
	(void)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", f->cache,
	    (long)getpid());
	assert_int_equal(mkdir(tmp, 0755), 0);
	(void)snprintf(inner, sizeof(inner), "%s/keep", tmp);
	fd = open(inner, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	(void)close(fd);

	add_user(f, "customer", "bob", "bob@example.com", NULL);
	assert_true(nsscache_publish(f->s, f->cache, NULL) < 0);
	assert_int_equal(nerr, 1);
	assert_non_null(strstr(last_err, f->cache));

	assert_int_equal(ua_cache_map(f->cache, &c, &st_after), 0);
	assert_true(st_after.st_ino == st_before.st_ino);
	assert_false(ua_cache_is_stale(&c));
	assert_int_equal(ua_cache_getpwnam(&c, "alice", &pw, buf, sizeof(buf)),
	    0);
	assert_int_equal(ua_cache_getpwnam(&c, "bob", &pw, buf, sizeof(buf)),
	    -ENOENT);
	ua_cache_unmap(&c);
	list_dir(tmp, names, sizeof(names));
	assert_string_equal(names, "keep");
}

/*
 * The temp file was written but cannot be renamed into place (a
 * non-empty directory has the cache's name): an error, and the temp file
 * is removed.
 */
static void
test_failed_rename_leaves_no_temp_file(void **state)
{
	struct fx *f = *state;
	char inner[256], names[256];
	int fd;

	add_user(f, "customer", "alice", "alice@example.com", NULL);
	assert_int_equal(mkdir(f->cache, 0755), 0);
	(void)snprintf(inner, sizeof(inner), "%s/keep", f->cache);
	fd = open(inner, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	(void)close(fd);

	assert_true(nsscache_publish(f->s, f->cache, NULL) < 0);
	assert_int_equal(nerr, 1);
	list_dir(f->cdir, names, sizeof(names));
	assert_string_equal(names, "nss.cache");
	list_dir(f->cache, names, sizeof(names));
	assert_string_equal(names, "keep");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_users_found_by_name_and_uid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_private_and_named_groups,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_alias_found_by_address_but_only_digest_stored, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_marks_are_the_pools_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_extra_users_and_groups_follow_the_stores, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_extra_user_without_email_is_published, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_clashing_extras_are_left_out_not_the_cache, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_file_is_0644_whatever_the_umask, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_republish_replaces_the_file_atomically, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missing_dir_is_an_error,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unwritable_dir_is_an_error_and_keeps_the_old_file,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_failed_temp_write_keeps_the_old_file, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_failed_rename_leaves_no_temp_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
