/* SPDX-License-Identifier: MIT */
/*
 * Tests for the NSS cache: ua_cache_build/ua_cache_write (writer) and the
 * reader in common/client/cache.c, including every single-byte corruption
 * and every truncation of a small image.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/cache.h"
#include "server/cache_writer.h"

/* Input deliberately not in uid/gid order. */
static const struct ua_cache_user users[] = {
	{ "carol", NULL, "Carol C", "/home/carol", "/bin/sh", 50003, 50003 },
	{ "alice", "Alice@Example.com", "Alice A", "/home/alice", "/bin/bash",
	    50001, 50001 },
	{ "bob", "bob@example.com", "", "/home/bob", "/bin/sh", 50002, 50002 },
};
static const uint32_t ops_members[] = { 1, 2 }; /* alice, bob */
static const uint32_t dev_members[] = { 2 };    /* bob */
static const struct ua_cache_group groups[] = {
	{ "dev", 60002, dev_members, 1 },
	{ "ops", 60001, ops_members, 2 },
	{ "alice", 50001, NULL, 0 },
	{ "empty", 60003, NULL, 0 },
};
#define NUSERS (sizeof(users) / sizeof(users[0]))
#define NGROUPS (sizeof(groups) / sizeof(groups[0]))

static uint8_t *
build(size_t *len)
{
	uint8_t *img = NULL;

	assert_int_equal(
	    ua_cache_build(users, NUSERS, groups, NGROUPS, &img, len), 0);
	assert_non_null(img);
	return img;
}

static void
open_ok(const uint8_t *img, size_t len, struct ua_cache *c)
{
	assert_int_equal(ua_cache_open_mem(img, len, c), 0);
}

/*
 * Block sums and checksum made to match, as a hostile writer would; an
 * image whose block layout fields were hit cannot be sealed and stays as
 * it is (open refuses it).
 */
static void
recompute_checksum(uint8_t *img, size_t len)
{
	(void)ua_cache_seal(img, len);
}

static void
test_build_rejects_bad_input(void **state)
{
	struct ua_cache_user u[2] = { users[1], users[2] };
	struct ua_cache_group g[2] = { groups[0], groups[1] };
	static const uint32_t bad_member[] = { 7 };
	static const uint32_t twice[] = { 0, 0 };
	char longstr[UA_CACHE_MAX_STR + 2];
	uint8_t *img = NULL;
	size_t len;

	(void)state;
#define REJECT(err, nu, ng)                                                    \
	do {                                                                   \
		assert_int_equal(ua_cache_build(u, nu, g, ng, &img, &len),     \
		    err);                                                      \
		assert_null(img);                                              \
		u[0] = users[1];                                               \
		u[1] = users[2];                                               \
		g[0] = groups[0];                                              \
		g[1] = groups[1];                                              \
	} while (0)
	u[1].name = "alice";
	REJECT(-EINVAL, 2, 0); /* duplicate name */
	u[1].uid = u[0].uid;
	REJECT(-EINVAL, 2, 0); /* duplicate uid */
	u[1].email = "ALICE@example.com";
	REJECT(-EINVAL, 2, 0); /* email, any case */
	u[1].email = "alice";  /* no '@' */
	REJECT(-EINVAL, 2, 0);
	u[1].name = "alice@example.com"; /* a login equal to an alias */
	REJECT(-EINVAL, 2, 0);
	u[0].uid = 0;
	REJECT(-EINVAL, 2, 0); /* root */
	u[0].uid = UA_CACHE_MIN_ID - 1;
	REJECT(-EINVAL, 2, 0); /* a system account's id */
	g[0].gid = 27;
	REJECT(-EINVAL, 2, 1); /* a system group (sudo) */
	u[0].gid = UINT32_MAX;
	REJECT(-EINVAL, 2, 0);
	u[0].gecos = "a:b";
	REJECT(-EINVAL, 2, 0); /* would break the line */
	u[0].home = "/home/a\nroot";
	REJECT(-EINVAL, 2, 0);
	u[0].name = "";
	REJECT(-EINVAL, 2, 0);
	u[0].shell = NULL;
	REJECT(-EINVAL, 2, 0);
	memset(longstr, 'x', sizeof(longstr) - 1);
	longstr[sizeof(longstr) - 1] = '\0';
	u[0].gecos = longstr;
	REJECT(-EMSGSIZE, 2, 0);
	g[1].name = "dev";
	REJECT(-EINVAL, 2, 2); /* duplicate group name */
	g[1].gid = g[0].gid;
	REJECT(-EINVAL, 2, 2);
	g[0].members = bad_member;
	REJECT(-EINVAL, 2, 2); /* no such user */
	g[0].members = twice;
	g[0].nmembers = 2;
	REJECT(-EINVAL, 2, 2); /* listed twice */
	g[0].gid = 0;
	REJECT(-EINVAL, 2, 2);
#undef REJECT
}

static void
test_getpwnam_fills_every_field(void **state)
{
	struct ua_cache c;
	struct passwd pw;
	char buf[256];
	size_t len;
	uint8_t *img = build(&len);

	(void)state;
	open_ok(img, len, &c);
	assert_int_equal(ua_cache_getpwnam(&c, "alice", &pw, buf, sizeof(buf)),
	    0);
	assert_string_equal(pw.pw_name, "alice");
	assert_string_equal(pw.pw_passwd, "*");
	assert_int_equal(pw.pw_uid, 50001);
	assert_int_equal(pw.pw_gid, 50001);
	assert_string_equal(pw.pw_gecos, "Alice A");
	assert_string_equal(pw.pw_dir, "/home/alice");
	assert_string_equal(pw.pw_shell, "/bin/bash");
	assert_true(pw.pw_name >= buf && pw.pw_shell < buf + sizeof(buf));
	assert_int_equal(ua_cache_getpwnam(&c, "bob", &pw, buf, sizeof(buf)),
	    0);
	assert_string_equal(pw.pw_gecos, "");
	free(img);
}

static void
test_getpwnam_unknown_is_enoent(void **state)
{
	struct ua_cache c;
	struct passwd pw;
	char buf[256], longname[UA_CACHE_MAX_STR + 10];
	size_t len;
	uint8_t *img = build(&len);

	(void)state;
	open_ok(img, len, &c);
	assert_int_equal(
	    ua_cache_getpwnam(&c, "mallory", &pw, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(ua_cache_getpwnam(&c, "", &pw, buf, sizeof(buf)),
	    -ENOENT);
	assert_int_equal(ua_cache_getpwnam(&c, "Alice", &pw, buf, sizeof(buf)),
	    -ENOENT); /* login names are case-sensitive */
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	longname[5] = '@';
	assert_int_equal(ua_cache_getpwnam(&c, longname, &pw, buf, sizeof(buf)),
	    -ENOENT);
	assert_int_equal(ua_cache_getpwuid(&c, 0, &pw, buf, sizeof(buf)),
	    -ENOENT);
	assert_int_equal(ua_cache_getpwuid(&c, 50004, &pw, buf, sizeof(buf)),
	    -ENOENT);
	free(img);
}

static void
test_getpwuid_finds_user(void **state)
{
	struct ua_cache c;
	struct passwd pw;
	char buf[256];
	size_t len;
	uint8_t *img = build(&len);

	(void)state;
	open_ok(img, len, &c);
	assert_int_equal(ua_cache_getpwuid(&c, 50003, &pw, buf, sizeof(buf)),
	    0);
	assert_string_equal(pw.pw_name, "carol");
	assert_string_equal(pw.pw_gecos, "Carol C");
	free(img);
}

static void
test_email_alias_is_case_insensitive(void **state)
{
	static const char *const forms[] = { "alice@example.com",
		"Alice@Example.com", "ALICE@EXAMPLE.COM", "aLiCe@eXample.Com" };
	struct ua_cache c;
	struct passwd pw;
	char buf[256];
	size_t len, i;
	uint8_t *img = build(&len);

	(void)state;
	open_ok(img, len, &c);
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		assert_int_equal(
		    ua_cache_getpwnam(&c, forms[i], &pw, buf, sizeof(buf)), 0);
		assert_string_equal(pw.pw_name, "alice");
	}
	assert_int_equal(
	    ua_cache_getpwnam(&c, "Bob@Example.COM", &pw, buf, sizeof(buf)), 0);
	assert_string_equal(pw.pw_name, "bob");
	assert_int_equal(
	    ua_cache_getpwnam(&c, "carol@example.com", &pw, buf, sizeof(buf)),
	    -ENOENT);
	free(img);
}

static void
test_getgr_members_and_alignment(void **state)
{
	struct ua_cache c;
	struct group gr;
	char buf[512];
	size_t len, off;
	uint8_t *img = build(&len);

	(void)state;
	open_ok(img, len, &c);
	/* whatever the alignment of buf */
	for (off = 0; off < sizeof(char *); off++) {
		assert_int_equal(ua_cache_getgrnam(&c, "ops", &gr, buf + off,
				     sizeof(buf) - off),
		    0);
		assert_int_equal((uintptr_t)gr.gr_mem % _Alignof(char *), 0);
		assert_string_equal(gr.gr_name, "ops");
		assert_string_equal(gr.gr_passwd, "*");
		assert_int_equal(gr.gr_gid, 60001);
		assert_string_equal(gr.gr_mem[0], "alice");
		assert_string_equal(gr.gr_mem[1], "bob");
		assert_null(gr.gr_mem[2]);
	}
	assert_int_equal(ua_cache_getgrgid(&c, 60002, &gr, buf, sizeof(buf)),
	    0);
	assert_string_equal(gr.gr_name, "dev");
	assert_string_equal(gr.gr_mem[0], "bob");
	assert_null(gr.gr_mem[1]);
	assert_int_equal(ua_cache_getgrnam(&c, "empty", &gr, buf, sizeof(buf)),
	    0);
	assert_null(gr.gr_mem[0]);
	assert_int_equal(ua_cache_getgrnam(&c, "nope", &gr, buf, sizeof(buf)),
	    -ENOENT);
	assert_int_equal(ua_cache_getgrgid(&c, 1, &gr, buf, sizeof(buf)),
	    -ENOENT);
	free(img);
}

/* Every buffer shorter than needed: -ERANGE and the output untouched. */
static void
test_short_buffers_are_erange(void **state)
{
	struct ua_cache c;
	struct passwd pw, sentinel_pw;
	struct group gr, sentinel_gr;
	_Alignas(char *) char buf[512];
	size_t len, n, need_pw = 0, need_gr = 0;
	uint8_t *img = build(&len);

	(void)state;
	open_ok(img, len, &c);
	memset(&sentinel_pw, 0x5a, sizeof(sentinel_pw));
	memset(&sentinel_gr, 0x5a, sizeof(sentinel_gr));
	for (n = 0; n < sizeof(buf) && need_pw == 0; n++) {
		pw = sentinel_pw;
		if (ua_cache_getpwnam(&c, "alice", &pw, buf, n) == 0)
			need_pw = n;
		else
			assert_memory_equal(&pw, &sentinel_pw, sizeof(pw));
	}
	/* alice, '*', gecos, home, shell with their NULs */
	assert_int_equal(need_pw, 6 + 2 + 8 + 12 + 10);
	/* an aligned buffer: exactly 3 pointers + "ops", "*", two names */
	for (n = 0; n < sizeof(buf) && need_gr == 0; n++) {
		gr = sentinel_gr;
		if (ua_cache_getgrnam(&c, "ops", &gr, buf, n) == 0)
			need_gr = n;
		else
			assert_memory_equal(&gr, &sentinel_gr, sizeof(gr));
	}
	assert_int_equal(need_gr, 3 * sizeof(char *) + 4 + 2 + 6 + 4);
	assert_int_equal(ua_cache_getpwuid(&c, 50001, &pw, buf, 5), -ERANGE);
	assert_int_equal(ua_cache_getgrgid(&c, 60001, &gr, buf, 8), -ERANGE);
	assert_int_equal(ua_cache_getpwent(&c, 0, &pw, buf, 1), -ERANGE);
	assert_int_equal(ua_cache_getgrent(&c, 0, &gr, buf, 0), -ERANGE);
	free(img);
}

static void
test_enumeration_in_id_order(void **state)
{
	static const uint32_t uids[] = { 50001, 50002, 50003 };
	static const uint32_t gids[] = { 50001, 60001, 60002, 60003 };
	struct ua_cache c;
	struct passwd pw;
	struct group gr;
	char buf[512];
	size_t len, i;
	uint8_t *img = build(&len);

	(void)state;
	open_ok(img, len, &c);
	for (i = 0; i < 3; i++) {
		assert_int_equal(
		    ua_cache_getpwent(&c, i, &pw, buf, sizeof(buf)), 0);
		assert_int_equal(pw.pw_uid, uids[i]);
	}
	assert_int_equal(ua_cache_getpwent(&c, 3, &pw, buf, sizeof(buf)),
	    -ENOENT);
	for (i = 0; i < 4; i++) {
		assert_int_equal(
		    ua_cache_getgrent(&c, i, &gr, buf, sizeof(buf)), 0);
		assert_int_equal(gr.gr_gid, gids[i]);
	}
	assert_int_equal(ua_cache_getgrent(&c, 4, &gr, buf, sizeof(buf)),
	    -ENOENT);
	assert_int_equal(ua_cache_getgrent(&c, SIZE_MAX, &gr, buf, sizeof(buf)),
	    -ENOENT);
	free(img);
}

static void
test_user_gids_lists_memberships(void **state)
{
	struct ua_cache c;
	gid_t gids[4];
	size_t len, total = 0;
	uint8_t *img = build(&len);

	(void)state;
	open_ok(img, len, &c);
	assert_int_equal(ua_cache_user_gids(&c, "bob", 0, gids, 4, &total), 2);
	assert_int_equal(total, 2);
	assert_int_equal(gids[0], 60001); /* gid order */
	assert_int_equal(gids[1], 60002);
	assert_int_equal(ua_cache_user_gids(&c, "bob", 1, gids, 4, &total), 1);
	assert_int_equal(gids[0], 60002);
	assert_int_equal(ua_cache_user_gids(&c, "bob", 0, gids, 1, NULL), 1);
	assert_int_equal(gids[0], 60001);
	assert_int_equal(
	    ua_cache_user_gids(&c, "BOB@example.com", 0, gids, 4, &total), 2);
	assert_int_equal(ua_cache_user_gids(&c, "carol", 0, gids, 4, &total),
	    0);
	assert_int_equal(total, 0);
	assert_int_equal(ua_cache_user_gids(&c, "nobody", 0, gids, 4, &total),
	    -ENOENT);
	free(img);
}

static void
test_empty_cache_answers_enoent(void **state)
{
	struct ua_cache c;
	struct passwd pw;
	struct group gr;
	char buf[64];
	uint8_t *img = NULL;
	size_t len;

	(void)state;
	assert_int_equal(ua_cache_build(NULL, 0, NULL, 0, &img, &len), 0);
	/* the header and the one (empty) block's sum */
	assert_int_equal(len, sizeof(struct ua_cache_header) + 8);
	open_ok(img, len, &c);
	assert_int_equal(ua_cache_getpwnam(&c, "a", &pw, buf, sizeof(buf)),
	    -ENOENT);
	assert_int_equal(ua_cache_getpwnam(&c, "a@b.c", &pw, buf, sizeof(buf)),
	    -ENOENT);
	assert_int_equal(ua_cache_getpwuid(&c, 5, &pw, buf, sizeof(buf)),
	    -ENOENT);
	assert_int_equal(ua_cache_getgrnam(&c, "a", &gr, buf, sizeof(buf)),
	    -ENOENT);
	assert_int_equal(ua_cache_getgrent(&c, 0, &gr, buf, sizeof(buf)),
	    -ENOENT);
	free(img);
}

static void
test_many_users_all_found(void **state)
{
	enum { N = 5000 };
	struct ua_cache_user *u = calloc(N, sizeof(*u));
	uint32_t *all = calloc(N, sizeof(*all));
	struct ua_cache_group g = { "everyone", 70000, all, N };
	char(*names)[24] = calloc(N, sizeof(*names));
	char(*emails)[40] = calloc(N, sizeof(*emails));
	char buf[256], email[40];
	struct ua_cache c;
	struct passwd pw;
	gid_t gid;
	uint8_t *img = NULL;
	size_t len, i;

	(void)state;
	assert_non_null(u);
	assert_non_null(all);
	assert_non_null(names);
	assert_non_null(emails);
	for (i = 0; i < N; i++) {
		(void)snprintf(names[i], sizeof(names[i]), "user%zu", i);
		(void)snprintf(emails[i], sizeof(emails[i]), "u%zu@example.org",
		    i);
		u[i] = (struct ua_cache_user){ names[i], emails[i], "", "/",
			"/bin/sh", (uint32_t)(100000 + 7 * i), 1000 };
		all[i] = (uint32_t)i;
	}
	assert_int_equal(ua_cache_build(u, N, &g, 1, &img, &len), 0);
	open_ok(img, len, &c);
	for (i = 0; i < N; i++) {
		assert_int_equal(
		    ua_cache_getpwnam(&c, names[i], &pw, buf, sizeof(buf)), 0);
		assert_int_equal(pw.pw_uid, 100000 + 7 * i);
		assert_int_equal(ua_cache_getpwuid(&c, (uid_t)(100000 + 7 * i),
				     &pw, buf, sizeof(buf)),
		    0);
		assert_string_equal(pw.pw_name, names[i]);
		(void)snprintf(email, sizeof(email), "U%zu@EXAMPLE.org", i);
		assert_int_equal(
		    ua_cache_getpwnam(&c, email, &pw, buf, sizeof(buf)), 0);
		assert_string_equal(pw.pw_name, names[i]);
		assert_int_equal(
		    ua_cache_user_gids(&c, names[i], 0, &gid, 1, NULL), 1);
		assert_int_equal(gid, 70000);
	}
	/* linear probing at load <= 1/2 keeps chains short */
	for (i = 0; i < UA_CACHE_NINDEXES; i++)
		assert_true(c.max_probe[i] < 64);
	ua_cache_unmap(&c);
	free(img);
	free(u);
	free(all);
	free(names);
	free(emails);
}

/* Every lookup kind, several buffer sizes: only defined answers. */
static void
exercise(const struct ua_cache *c)
{
	static const char *const names[] = { "alice", "bob", "carol", "ops",
		"dev", "empty", "alice@example.com", "BOB@EXAMPLE.COM", "x",
		"" };
	static const uint32_t ids[] = { 50001, 50002, 50003, 60001, 60002,
		60003, 7 };
	static const size_t sizes[] = { 0, 9, 40, 4096 };
	static char buf[4096];
	struct passwd pw;
	struct group gr;
	gid_t gids[4];
	size_t i, j, s, total;
	int r;

#define DEFINED(x)                                                             \
	do {                                                                   \
		r = (x);                                                       \
		assert_true(                                                   \
		    r == 0 || r == -ENOENT || r == -ERANGE || r == -EBADMSG);  \
	} while (0)
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			DEFINED(
			    ua_cache_getpwnam(c, names[i], &pw, buf, sizes[s]));
			DEFINED(
			    ua_cache_getgrnam(c, names[i], &gr, buf, sizes[s]));
		}
		for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
			DEFINED(
			    ua_cache_getpwuid(c, ids[i], &pw, buf, sizes[s]));
			DEFINED(
			    ua_cache_getgrgid(c, ids[i], &gr, buf, sizes[s]));
			if (r == 0) /* members stay inside buf */
				for (j = 0; gr.gr_mem[j] != NULL; j++)
					assert_true(gr.gr_mem[j] >= buf &&
					    gr.gr_mem[j] < buf + sizes[s]);
		}
		for (i = 0; i < 6; i++) {
			DEFINED(ua_cache_getpwent(c, i, &pw, buf, sizes[s]));
			DEFINED(ua_cache_getgrent(c, i, &gr, buf, sizes[s]));
		}
	}
	for (i = 0; i < 3; i++) {
		r = ua_cache_user_gids(c, names[i], 0, gids, 4, &total);
		assert_true(r >= 0 || r == -ENOENT || r == -EBADMSG);
		assert_true(r <= 4);
	}
#undef DEFINED
}

static void
test_every_truncation_refused(void **state)
{
	struct ua_cache c;
	size_t len, n;
	uint8_t *img = build(&len), *copy;

	(void)state;
	for (n = 0; n < len; n++) {
		/* exact size, so ASan sees any read past the end */
		copy = malloc(n > 0 ? n : 1);
		assert_non_null(copy);
		memcpy(copy, img, n);
		assert_int_not_equal(ua_cache_open_mem(copy, n, &c), 0);
		free(copy);
	}
	free(img);
}

/*
 * Flip bits in every byte.  Only the flags word may change and still open
 * (and then only the stale bit); the lookups must stay defined anyway.
 */
static void
test_every_byte_flip_refused(void **state)
{
	static const uint8_t masks[] = { 0x01, 0x80, 0xff };
	const size_t flags = offsetof(struct ua_cache_header, flags);
	struct ua_cache c;
	size_t len, off, m;
	uint8_t *img = build(&len), *copy = malloc(len);

	(void)state;
	assert_non_null(copy);
	for (off = 0; off < len; off++) {
		for (m = 0; m < sizeof(masks); m++) {
			memcpy(copy, img, len);
			copy[off] ^= masks[m];
			if (ua_cache_open_mem(copy, len, &c) != 0)
				continue;
			assert_true(off == flags && masks[m] == 0x01);
			assert_true(ua_cache_is_stale(&c));
			exercise(&c);
		}
	}
	free(copy);
	free(img);
}

/*
 * The same with the checksum fixed up afterwards, as a hostile writer would:
 * whatever opens must answer only with defined results.
 */
static void
test_every_byte_flip_with_checksum_is_safe(void **state)
{
	static const uint8_t masks[] = { 0x01, 0x10, 0x80, 0xff };
	struct ua_cache c;
	size_t len, off, m, opened = 0;
	uint8_t *img = build(&len), *copy = malloc(len);

	(void)state;
	assert_non_null(copy);
	for (off = 0; off < len; off++) {
		for (m = 0; m < sizeof(masks); m++) {
			memcpy(copy, img, len);
			copy[off] ^= masks[m];
			recompute_checksum(copy, len);
			if (ua_cache_open_mem(copy, len, &c) != 0)
				continue;
			opened++;
			exercise(&c);
		}
	}
	/* record bytes did reach the lookups */
	assert_true(opened > len);
	free(copy);
	free(img);
}

static void
test_hostile_values_are_ebadmsg(void **state)
{
	const struct ua_cache_header *h;
	struct ua_cache_user_rec u;
	struct ua_cache_group_rec g;
	struct ua_cache c;
	struct passwd pw;
	struct group gr;
	char buf[512];
	size_t len, at;
	uint8_t *img = build(&len), *copy = malloc(len);
	uint32_t big = UINT32_MAX;

	(void)state;
	assert_non_null(copy);
	h = (const struct ua_cache_header *)(const void *)img;
	/* alice's record (uid order: first) with a name beyond the pool */
	memcpy(copy, img, len);
	at = h->tables[UA_CACHE_T_USERS].off;
	memcpy(&u, copy + at, sizeof(u));
	u.shell.off = h->tables[UA_CACHE_T_STRINGS].count;
	u.shell.len = 1;
	memcpy(copy + at, &u, sizeof(u));
	recompute_checksum(copy, len);
	open_ok(copy, len, &c);
	assert_int_equal(ua_cache_getpwuid(&c, 50001, &pw, buf, sizeof(buf)),
	    -EBADMSG);
	assert_int_equal(ua_cache_getpwnam(&c, "bob", &pw, buf, sizeof(buf)),
	    0);
	/* a group whose member list runs past the table */
	memcpy(copy, img, len);
	at = h->tables[UA_CACHE_T_GROUPS].off + sizeof(g); /* 60001 */
	memcpy(&g, copy + at, sizeof(g));
	g.nmembers = UINT32_MAX;
	memcpy(copy + at, &g, sizeof(g));
	recompute_checksum(copy, len);
	open_ok(copy, len, &c);
	assert_int_equal(ua_cache_getgrgid(&c, 60001, &gr, buf, sizeof(buf)),
	    -EBADMSG);
	/* a member index that is no user */
	memcpy(copy, img, len);
	memcpy(copy + h->tables[UA_CACHE_T_MEMBERS].off, &big, sizeof(big));
	recompute_checksum(copy, len);
	open_ok(copy, len, &c);
	assert_int_equal(ua_cache_getgrnam(&c, "ops", &gr, buf, sizeof(buf)),
	    -EBADMSG);
	/* a probe bound larger than the index, a table past the end */
	memcpy(copy, img, len);
	memcpy(copy + offsetof(struct ua_cache_header, max_probe), &big, 4);
	recompute_checksum(copy, len);
	assert_int_equal(ua_cache_open_mem(copy, len, &c), -EBADMSG);
	memcpy(copy, img, len);
	memcpy(copy + offsetof(struct ua_cache_header, tables) + 4, &big, 4);
	recompute_checksum(copy, len);
	assert_int_equal(ua_cache_open_mem(copy, len, &c), -EBADMSG);
	/* another version */
	memcpy(copy, img, len);
	copy[offsetof(struct ua_cache_header, version)]++;
	recompute_checksum(copy, len);
	assert_int_equal(ua_cache_open_mem(copy, len, &c), -EPROTONOSUPPORT);
	free(copy);
	free(img);
}

/* ---- block sums ---------------------------------------------------------- */

#define BIG_N 8000 /* users: an image over UA_CACHE_EAGER_MAX */

struct big {
	struct ua_cache_user u[BIG_N];
	char names[BIG_N][16];
	char gecos[BIG_N][112];
	uint8_t *img;
	size_t len;
};

static struct big *
build_big(void)
{
	struct big *b = calloc(1, sizeof(*b));
	size_t i;

	assert_non_null(b);
	for (i = 0; i < BIG_N; i++) {
		(void)snprintf(b->names[i], sizeof(b->names[i]), "u%zu", i);
		memset(b->gecos[i], 'g', sizeof(b->gecos[i]) - 1);
		b->u[i] = (struct ua_cache_user){ b->names[i], NULL,
			b->gecos[i], "/home/x", "/bin/sh",
			(uint32_t)(100000 + i), 1000 };
	}
	assert_int_equal(ua_cache_build(b->u, BIG_N, NULL, 0, &b->img, &b->len),
	    0);
	assert_true(b->len > UA_CACHE_EAGER_MAX);
	return b;
}

static void
free_big(struct big *b)
{
	free(b->img);
	free(b);
}

static size_t
nblocks_of(const uint8_t *img)
{
	struct ua_cache_header h;

	memcpy(&h, img, sizeof(h));
	return h.sums.count;
}

/* Blocks lookups have verified so far (SIZE_MAX: all, at open). */
static size_t
verified(const struct ua_cache *c)
{
	size_t i, n = 0;

	if (ua_cache_test_block_verified(c, 0) < 0)
		return SIZE_MAX;
	for (i = 0; i < c->nblocks; i++)
		n += (size_t)ua_cache_test_block_verified(c, i);
	return n;
}

/* Opening a big image reads no block; each lookup verifies a few, once. */
static void
test_big_image_verified_lazily(void **state)
{
	struct big *b = build_big();
	struct ua_cache c;
	struct passwd pw;
	char buf[512];
	size_t i, n1, n2;

	(void)state;
	open_ok(b->img, b->len, &c);
	assert_int_equal(verified(&c), 0);
	assert_int_equal(ua_cache_getpwnam(&c, "u5", &pw, buf, sizeof(buf)), 0);
	assert_int_equal(pw.pw_uid, 100005);
	n1 = verified(&c);
	assert_true(n1 > 0 && n1 <= 6); /* slot, record, strings */
	assert_int_equal(ua_cache_getpwnam(&c, "u5", &pw, buf, sizeof(buf)), 0);
	assert_int_equal(verified(&c), n1);
	assert_int_equal(ua_cache_getpwuid(&c, 100006, &pw, buf, sizeof(buf)),
	    0);
	n2 = verified(&c);
	assert_true(n2 >= n1 && n2 < nblocks_of(b->img));
	for (i = 0; i < BIG_N; i++) {
		assert_int_equal(
		    ua_cache_getpwnam(&c, b->names[i], &pw, buf, sizeof(buf)),
		    0);
		assert_int_equal(pw.pw_uid, 100000 + i);
		assert_int_equal(ua_cache_getpwuid(&c, (uid_t)(100000 + i), &pw,
				     buf, sizeof(buf)),
		    0);
		assert_int_equal(
		    ua_cache_getpwent(&c, i, &pw, buf, sizeof(buf)), 0);
	}
	assert_int_equal(ua_cache_getpwnam(&c, "nobody", &pw, buf, sizeof(buf)),
	    -ENOENT);
	assert_true(verified(&c) <= nblocks_of(b->img));
	ua_cache_unmap(&c);
	ua_cache_unmap(&c); /* twice is fine */
	free_big(b);
}

/*
 * A victim among the last users and a block its lookup reads that the
 * lookup of "u5" does not: writes the victim's name into last (16 bytes)
 * and returns the block.  Which blocks a lookup reads depends on the
 * file's random hash seed, so the first candidate may share all of its
 * blocks with u5; one of fifty will not.
 */
static size_t
block_only_last_reads(const struct big *b, char *last)
{
	struct ua_cache c5, cl;
	struct passwd pw;
	char buf[512];
	size_t i = 0;
	int k;

	open_ok(b->img, b->len, &c5);
	assert_int_equal(ua_cache_getpwnam(&c5, "u5", &pw, buf, sizeof(buf)),
	    0);
	for (k = BIG_N - 1; k > BIG_N - 50; k--) {
		(void)snprintf(last, 16, "u%d", k);
		open_ok(b->img, b->len, &cl);
		assert_int_equal(
		    ua_cache_getpwnam(&cl, last, &pw, buf, sizeof(buf)), 0);
		for (i = 0; i < cl.nblocks; i++)
			if (ua_cache_test_block_verified(&cl, i) == 1 &&
			    ua_cache_test_block_verified(&c5, i) == 0)
				break;
		ua_cache_unmap(&cl);
		if (i < c5.nblocks)
			break;
	}
	assert_true(i < c5.nblocks);
	ua_cache_unmap(&c5);
	return i;
}

/*
 * One flipped byte in a block only the last user's lookup reads: the image
 * opens, lookups elsewhere answer, the first lookup reading that block
 * fails, and from then on every lookup fails (verified blocks and "not
 * found" included).
 */
static void
test_big_image_bad_block_fails_closed(void **state)
{
	struct big *b = build_big();
	struct ua_cache c;
	struct passwd pw;
	struct group gr;
	char buf[512], last[16];
	size_t blk, at;
	gid_t gid;

	(void)state;
	(void)snprintf(last, sizeof(last), "u%d", BIG_N - 1);
	blk = block_only_last_reads(b, last);
	at = blk << UA_CACHE_BLOCK_SHIFT;
	if (at < sizeof(struct ua_cache_header))
		at = sizeof(struct ua_cache_header);
	b->img[at + 3] ^= 0x01;
	open_ok(b->img, b->len, &c);
	assert_int_equal(ua_cache_getpwnam(&c, "u5", &pw, buf, sizeof(buf)), 0);
	assert_int_equal(ua_cache_getpwnam(&c, last, &pw, buf, sizeof(buf)),
	    -EBADMSG);
	assert_int_equal(ua_cache_test_block_verified(&c, blk), 0);
	assert_int_equal(ua_cache_getpwnam(&c, "u5", &pw, buf, sizeof(buf)),
	    -EBADMSG);
	assert_int_equal(ua_cache_getpwuid(&c, 100005, &pw, buf, sizeof(buf)),
	    -EBADMSG);
	assert_int_equal(ua_cache_getpwent(&c, 0, &pw, buf, sizeof(buf)),
	    -EBADMSG);
	assert_int_equal(ua_cache_getpwnam(&c, "nobody", &pw, buf, sizeof(buf)),
	    -EBADMSG);
	assert_int_equal(ua_cache_getgrgid(&c, 1000, &gr, buf, sizeof(buf)),
	    -EBADMSG);
	assert_int_equal(ua_cache_getgrent(&c, 0, &gr, buf, sizeof(buf)),
	    -EBADMSG);
	assert_int_equal(ua_cache_user_gids(&c, "u5", 0, &gid, 1, NULL),
	    -EBADMSG);
	ua_cache_unmap(&c);
	/* a fresh open trusts the other blocks again, until it reads it */
	open_ok(b->img, b->len, &c);
	assert_int_equal(ua_cache_getpwnam(&c, "u5", &pw, buf, sizeof(buf)), 0);
	assert_int_equal(ua_cache_getpwnam(&c, last, &pw, buf, sizeof(buf)),
	    -EBADMSG);
	assert_int_equal(ua_cache_getpwent(&c, 0, &pw, buf, sizeof(buf)),
	    -EBADMSG);
	ua_cache_unmap(&c);
	free_big(b);
}

/* What open does check on a big image: header and block sums table. */
static void
test_big_image_header_and_sums_at_open(void **state)
{
	const struct ua_cache_header *h;
	static const size_t hdr_bytes[] = {
		offsetof(struct ua_cache_header, size),
		offsetof(struct ua_cache_header, checksum),
		offsetof(struct ua_cache_header, seed),
		offsetof(struct ua_cache_header, created) + 7,
		offsetof(struct ua_cache_header, tables) + 13,
		offsetof(struct ua_cache_header, max_probe) + 2,
		offsetof(struct ua_cache_header, block_size) + 1,
		offsetof(struct ua_cache_header, sums),
		offsetof(struct ua_cache_header, sums) + 4,
	};
	struct big *b = build_big();
	struct ua_cache c;
	uint8_t *copy = malloc(b->len);
	size_t i, n, sums;

	(void)state;
	assert_non_null(copy);
	h = (const struct ua_cache_header *)(const void *)b->img;
	sums = h->sums.off;
	n = h->sums.count;
	assert_int_equal(sums + n * 8, b->len);
	for (i = 0; i < sizeof(hdr_bytes) / sizeof(hdr_bytes[0]); i++) {
		memcpy(copy, b->img, b->len);
		copy[hdr_bytes[i]] ^= 0x01;
		assert_int_equal(ua_cache_open_mem(copy, b->len, &c), -EBADMSG);
	}
	for (i = 0; i < n * 8; i += 5) {
		memcpy(copy, b->img, b->len);
		copy[sums + i] ^= 0x80;
		assert_int_equal(ua_cache_open_mem(copy, b->len, &c), -EBADMSG);
	}
	/* a block swapped with its sum still does not match elsewhere */
	memcpy(copy, b->img, b->len);
	memcpy(copy + sums, b->img + sums + 8, 8);
	memcpy(copy + sums + 8, b->img + sums, 8);
	assert_int_equal(ua_cache_open_mem(copy, b->len, &c), -EBADMSG);
	free(copy);
	free_big(b);
}

/* At or below the eager limit every block is checked at open, as before. */
static void
test_small_image_verified_at_open(void **state)
{
	const struct ua_cache_header *h;
	struct ua_cache c;
	size_t len;
	uint8_t *img = build(&len);

	(void)state;
	h = (const struct ua_cache_header *)(const void *)img;
	assert_true(len <= UA_CACHE_EAGER_MAX);
	assert_int_equal(h->sums.count, 1);
	open_ok(img, len, &c);
	assert_int_equal(verified(&c), SIZE_MAX);
	ua_cache_unmap(&c);
	img[h->tables[UA_CACHE_T_STRINGS].off + 1] ^= 0x20;
	assert_int_equal(ua_cache_open_mem(img, len, &c), -EBADMSG);
	free(img);
}

/* ---- files ------------------------------------------------------------- */

static char tmpdir[64];
static char path[128];

static int
setup_dir(void **state)
{
	(void)state;
	(void)snprintf(tmpdir, sizeof(tmpdir), "/tmp/ua-test-cache.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	(void)snprintf(path, sizeof(path), "%s/nss.cache", tmpdir);
	return 0;
}

static int
teardown_dir(void **state)
{
	char p[160];

	(void)state;
	(void)unlink(path);
	(void)snprintf(p, sizeof(p), "%s/link", tmpdir);
	(void)unlink(p);
	(void)snprintf(p, sizeof(p), "%s/fifo", tmpdir);
	(void)unlink(p);
	return rmdir(tmpdir);
}

static void
test_write_publishes_and_marks_old_stale(void **state)
{
	struct ua_cache old, cur;
	struct passwd pw;
	struct stat st;
	char buf[256];

	(void)state;
	assert_int_equal(ua_cache_write(path, users, NUSERS, groups, NGROUPS),
	    0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(ua_cache_map(path, &old, NULL), 0);
	assert_false(ua_cache_is_stale(&old));
	assert_int_equal(ua_cache_write(path, users + 1, 2, groups, 0), 0);
	/* seen through the existing mapping */
	assert_true(ua_cache_is_stale(&old));
	/* the old mapping still answers: immutable apart from the flag */
	assert_int_equal(ua_cache_getpwuid(&old, 50003, &pw, buf, sizeof(buf)),
	    0);
	assert_int_equal(ua_cache_map(path, &cur, NULL), 0);
	assert_false(ua_cache_is_stale(&cur));
	assert_int_equal(ua_cache_getpwuid(&cur, 50003, &pw, buf, sizeof(buf)),
	    -ENOENT);
	ua_cache_unmap(&old);
	ua_cache_unmap(&cur);
	assert_int_equal(rmdir(tmpdir), -1); /* only nss.cache is left */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(tmpdir), 0);
	assert_int_equal(mkdir(tmpdir, 0700), 0);
}

static void
test_map_refuses_unsafe_files(void **state)
{
	struct ua_cache c;
	char link[160], fifo[160];
	int fd;

	(void)state;
	assert_int_equal(ua_cache_map(path, &c, NULL), -ENOENT);
	assert_int_equal(ua_cache_write(path, users, NUSERS, groups, NGROUPS),
	    0);
	assert_int_equal(ua_cache_map(path, &c, NULL), 0);
	ua_cache_unmap(&c);
	assert_int_equal(chmod(path, 0664), 0); /* group-writable */
	assert_int_equal(ua_cache_map(path, &c, NULL), -EPERM);
	assert_int_equal(chmod(path, 0646), 0);
	assert_int_equal(ua_cache_map(path, &c, NULL), -EPERM);
	assert_int_equal(chmod(path, 0644), 0);
	/* a directory where anyone may swap the file */
	assert_int_equal(chmod(tmpdir, 0777), 0);
	assert_int_equal(ua_cache_map(path, &c, NULL), -EPERM);
	assert_int_equal(chmod(tmpdir, 0700), 0);
	/* owned by neither root nor the owner of the directory */
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(ua_cache_map(path, &c, NULL), -EPERM);
		assert_int_equal(chown(tmpdir, 65534, 65534), 0);
		assert_int_equal(ua_cache_map(path, &c, NULL), 0);
		ua_cache_unmap(&c);
		assert_int_equal(chown(tmpdir, 0, 0), 0);
		assert_int_equal(chown(path, 0, 0), 0);
	}
	(void)snprintf(link, sizeof(link), "%s/link", tmpdir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(ua_cache_map(link, &c, NULL), -EPERM);
	(void)snprintf(fifo, sizeof(fifo), "%s/fifo", tmpdir);
	assert_int_equal(mkfifo(fifo, 0600), 0); /* must not block */
	assert_int_equal(ua_cache_map(fifo, &c, NULL), -EPERM);
	assert_int_equal(ua_cache_map(tmpdir, &c, NULL), -EPERM);
	assert_int_equal(truncate(path, 100), 0);
	assert_int_equal(ua_cache_map(path, &c, NULL), -EBADMSG);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ua_cache_map(path, &c, NULL), -EBADMSG);
}

/* The same through a real mapping: opens lazily, fails closed. */
static void
test_map_big_file_lazy(void **state)
{
	struct big *b = build_big();
	struct ua_cache c;
	struct passwd pw;
	char buf[512], last[16];
	uint8_t byte;
	size_t at;
	int fd;

	(void)state;
	(void)snprintf(last, sizeof(last), "u%d", BIG_N - 1);
	assert_int_equal(ua_cache_write(path, b->u, BIG_N, NULL, 0), 0);
	assert_int_equal(ua_cache_map(path, &c, NULL), 0);
	assert_int_equal(verified(&c), 0);
	assert_int_equal(ua_cache_getpwnam(&c, "u5", &pw, buf, sizeof(buf)), 0);
	assert_true(verified(&c) <= 6);
	ua_cache_unmap(&c);
	/* the same layout as b->img, another seed: find the block anew */
	free(b->img);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	b->img = malloc(b->len);
	assert_non_null(b->img);
	assert_int_equal(pread(fd, b->img, b->len, 0), (ssize_t)b->len);
	close(fd);
	at = block_only_last_reads(b, last) << UA_CACHE_BLOCK_SHIFT;
	if (at < sizeof(struct ua_cache_header))
		at = sizeof(struct ua_cache_header);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &byte, 1, (off_t)at), 1);
	byte ^= 0x01;
	assert_int_equal(pwrite(fd, &byte, 1, (off_t)at), 1);
	close(fd);
	assert_int_equal(ua_cache_map(path, &c, NULL), 0);
	assert_int_equal(ua_cache_getpwnam(&c, "u5", &pw, buf, sizeof(buf)), 0);
	assert_int_equal(ua_cache_getpwnam(&c, last, &pw, buf, sizeof(buf)),
	    -EBADMSG);
	assert_int_equal(ua_cache_getpwnam(&c, "u5", &pw, buf, sizeof(buf)),
	    -EBADMSG);
	ua_cache_unmap(&c);
	assert_int_equal(unlink(path), 0);
	free_big(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_rejects_bad_input),
		cmocka_unit_test(test_getpwnam_fills_every_field),
		cmocka_unit_test(test_getpwnam_unknown_is_enoent),
		cmocka_unit_test(test_getpwuid_finds_user),
		cmocka_unit_test(test_email_alias_is_case_insensitive),
		cmocka_unit_test(test_getgr_members_and_alignment),
		cmocka_unit_test(test_short_buffers_are_erange),
		cmocka_unit_test(test_enumeration_in_id_order),
		cmocka_unit_test(test_user_gids_lists_memberships),
		cmocka_unit_test(test_empty_cache_answers_enoent),
		cmocka_unit_test(test_many_users_all_found),
		cmocka_unit_test(test_every_truncation_refused),
		cmocka_unit_test(test_every_byte_flip_refused),
		cmocka_unit_test(test_every_byte_flip_with_checksum_is_safe),
		cmocka_unit_test(test_hostile_values_are_ebadmsg),
		cmocka_unit_test(test_big_image_verified_lazily),
		cmocka_unit_test(test_big_image_bad_block_fails_closed),
		cmocka_unit_test(test_big_image_header_and_sums_at_open),
		cmocka_unit_test(test_small_image_verified_at_open),
		cmocka_unit_test_setup_teardown(
		    test_write_publishes_and_marks_old_stale, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_map_refuses_unsafe_files,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_map_big_file_lazy,
		    setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests_name("cache", tests, NULL, NULL);
}
