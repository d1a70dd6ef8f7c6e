/* SPDX-License-Identifier: MIT */
/*
 * Tests for what format 3 of the NSS cache added (test_cache.c has the
 * rest): email aliases kept only as salted SHA-256 digests of the
 * normalised address, the id high-water marks, and the refusal of the
 * older formats.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/cache.h"
#include "client/sha256.h"
#include "server/cache_writer.h"

static const struct ua_cache_user users[] = {
	{ "alice", "Alice@Example.com", "Alice A", "/home/alice", "/bin/bash",
	    50001, 50001 },
	{ "bob", "bob@example.net", "Bob", "/home/bob", "/bin/sh", 50002,
	    50002 },
	{ "carol", NULL, "Carol", "/home/carol", "/bin/sh", 50003, 50003 },
	{ "dave", " Dave.Smith@Mail.Example.ORG  ", "", "/home/dave", "/bin/sh",
	    50004, 50004 },
};
#define NUSERS (sizeof(users) / sizeof(users[0]))
static const char *const addresses[] = { "alice@example.com", "bob@example.net",
	"dave.smith@mail.example.org" };

static const struct ua_cache_mark marks[] = {
	{ "customer", 200007, 300002 },
	{ "staff", 210000, 310000 },
};

static uint8_t *
build(size_t *len)
{
	const struct ua_cache_input in = { users, NUSERS, NULL, 0, marks, 2 };
	uint8_t *img = NULL;

	assert_int_equal(ua_cache_build_input(&in, &img, len), 0);
	return img;
}

/* What strings(1) prints: runs of at least four printable bytes. */
static bool
strings_contain(const uint8_t *img, size_t len, const char *needle)
{
	char run[8192];
	size_t i, n = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && (isprint(img[i]) || img[i] == '\t') &&
		    n + 1 < sizeof(run)) {
			run[n++] = (char)img[i];
			continue;
		}
		run[n] = '\0';
		if (n >= 4 && strstr(run, needle) != NULL)
			return true;
		n = 0;
	}
	return false;
}

/*
 * S16: no address and no part of one in any printable run.  (A run with
 * an '@' may occur: digests are random bytes.)
 */
static void
test_image_holds_no_email_address(void **state)
{
	static const char *const parts[] = { "Alice@Example.com", "alice@",
		"example", "Example", "Dave.Smith", "dave.smith",
		"Mail.Example", "example.net", "EXAMPLE" };
	size_t len, i;
	uint8_t *img = build(&len);

	(void)state;
	for (i = 0; i < sizeof(addresses) / sizeof(addresses[0]); i++)
		assert_null(
		    memmem(img, len, addresses[i], strlen(addresses[i])));
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		assert_false(strings_contain(img, len, parts[i]));
	/* the rest of the entries is there as before */
	assert_true(strings_contain(img, len, "/home/alice"));
	free(img);
}

static void
test_alias_found_in_any_case_and_trimmed(void **state)
{
	static const struct {
		const char *query, *login;
	} ok[] = {
		{ "alice@example.com", "alice" },
		{ "ALICE@Example.com", "alice" },
		{ "aLiCe@eXaMpLe.CoM", "alice" },
		{ " alice@example.com", "alice" },
		{ "alice@example.com \t\r\n", "alice" },
		{ "BOB@EXAMPLE.NET", "bob" },
		{ "dave.smith@mail.example.org", "dave" },
		{ "\vDAVE.SMITH@MAIL.EXAMPLE.ORG ", "dave" },
	};
	static const char *const no[] = { "alice@example.co", "alice@",
		"@example.com", "alice example.com", "alic@example.com",
		"carol@example.com", "alice@example.com.", " @ ", "@",
		"bob@example.com", "alice\xc3\x84@example.com" };
	struct ua_cache c;
	struct passwd pw;
	gid_t gid;
	char buf[256];
	size_t len, i;
	uint8_t *img = build(&len);

	(void)state;
	assert_int_equal(ua_cache_open_mem(img, len, &c), 0);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(
		    ua_cache_getpwnam(&c, ok[i].query, &pw, buf, sizeof(buf)),
		    0);
		assert_string_equal(pw.pw_name, ok[i].login);
		assert_int_equal(
		    ua_cache_user_gids(&c, ok[i].query, 0, &gid, 1, NULL), 0);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_int_equal(
		    ua_cache_getpwnam(&c, no[i], &pw, buf, sizeof(buf)),
		    -ENOENT);
	/* login names are matched as they are, never trimmed */
	assert_int_equal(ua_cache_getpwnam(&c, " alice", &pw, buf, sizeof(buf)),
	    -ENOENT);
	ua_cache_unmap(&c);
	free(img);
}

/* The record's digest is SHA-256(salt || normalised address). */
static void
test_digest_is_salted_sha256(void **state)
{
	struct ua_cache_header h;
	struct ua_cache_user_rec u;
	struct ua_sha256 s;
	uint8_t want[UA_SHA256_LEN], zero[UA_SHA256_LEN] = { 0 };
	uint8_t *img2 = NULL;
	size_t len, len2, at, i;
	uint8_t *img = build(&len);

	(void)state;
	memcpy(&h, img, sizeof(h));
	for (i = 0; i < NUSERS; i++) {
		at = h.tables[UA_CACHE_T_USERS].off + i * sizeof(u);
		memcpy(&u, img + at, sizeof(u));
		if (i == 2) { /* carol: no alias, no digest */
			assert_memory_equal(u.email_digest, zero, sizeof(zero));
			continue;
		}
		ua_sha256_init(&s);
		ua_sha256_update(&s, h.email_salt, sizeof(h.email_salt));
		ua_sha256_update(&s, addresses[i < 2 ? i : 2],
		    strlen(addresses[i < 2 ? i : 2]));
		ua_sha256_final(&s, want);
		assert_memory_equal(u.email_digest, want, sizeof(want));
	}
	/* another file, another salt: nothing to precompute across them */
	img2 = build(&len2);
	assert_int_equal(len, len2);
	assert_memory_not_equal(img2 +
		offsetof(struct ua_cache_header, email_salt),
	    h.email_salt, UA_CACHE_SALT_LEN);
	memcpy(&u, img2 + h.tables[UA_CACHE_T_USERS].off, sizeof(u));
	ua_sha256(addresses[0], strlen(addresses[0]), want);
	assert_memory_not_equal(u.email_digest, want, sizeof(want));
	free(img2);
	free(img);
}

static void
test_writer_checks_aliases(void **state)
{
	struct ua_cache_user u[2] = { users[0], users[1] };
	uint8_t *img = NULL;
	size_t len;

	(void)state;
	u[1].email = "  ALICE@example.COM "; /* the same, normalised */
	assert_int_equal(ua_cache_build(u, 2, NULL, 0, &img, &len), -EINVAL);
	u[1].email = "   ";
	assert_int_equal(ua_cache_build(u, 2, NULL, 0, &img, &len), -EINVAL);
	u[1].email = "no-at-sign";
	assert_int_equal(ua_cache_build(u, 2, NULL, 0, &img, &len), -EINVAL);
	u[1].name = "alice@example.com"; /* a login equal to an alias */
	u[1].email = NULL;
	assert_int_equal(ua_cache_build(u, 2, NULL, 0, &img, &len), -EINVAL);
	assert_null(img);
}

static void
test_normalize(void **state)
{
	char out[UA_CACHE_MAX_EMAIL], big[UA_CACHE_MAX_EMAIL + 8];

	(void)state;
	assert_int_equal(ua_cache_email_normalize(" A@B.c\n", 7, out), 5);
	assert_memory_equal(out, "a@b.c", 5);
	assert_int_equal(ua_cache_email_normalize("ab", 2, out), -ENOENT);
	assert_int_equal(ua_cache_email_normalize(" \t", 2, out), -ENOENT);
	assert_int_equal(ua_cache_email_normalize("", 0, out), -ENOENT);
	memset(big, 'a', sizeof(big));
	big[1] = '@';
	assert_int_equal(ua_cache_email_normalize(big, UA_CACHE_MAX_EMAIL, out),
	    UA_CACHE_MAX_EMAIL);
	assert_int_equal(
	    ua_cache_email_normalize(big, UA_CACHE_MAX_EMAIL + 1, out),
	    -ENOENT);
	big[0] = ' '; /* trimmed first, then measured */
	assert_int_equal(
	    ua_cache_email_normalize(big, UA_CACHE_MAX_EMAIL + 1, out),
	    UA_CACHE_MAX_EMAIL);
}

static void
test_marks_round_trip(void **state)
{
	struct ua_cache_mark m;
	struct ua_cache c;
	char buf[64];
	size_t len, i;
	uint8_t *img = build(&len);

	(void)state;
	assert_int_equal(ua_cache_open_mem(img, len, &c), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(ua_cache_get_mark(&c, i, &m, buf, sizeof(buf)),
		    0);
		assert_string_equal(m.pool, marks[i].pool);
		assert_int_equal(m.uid_next, marks[i].uid_next);
		assert_int_equal(m.gid_next, marks[i].gid_next);
	}
	assert_int_equal(ua_cache_get_mark(&c, 2, &m, buf, sizeof(buf)),
	    -ENOENT);
	assert_int_equal(ua_cache_get_mark(&c, 0, &m, buf, 8), -ERANGE);
	ua_cache_unmap(&c);
	free(img);
	/* without marks (test images): none */
	assert_int_equal(ua_cache_build(users, NUSERS, NULL, 0, &img, &len), 0);
	assert_int_equal(ua_cache_open_mem(img, len, &c), 0);
	assert_int_equal(ua_cache_get_mark(&c, 0, &m, buf, sizeof(buf)),
	    -ENOENT);
	ua_cache_unmap(&c);
	free(img);
}

static void
test_marks_checked(void **state)
{
	struct ua_cache_mark bad[2] = { marks[0], marks[1] };
	const struct ua_cache_input in = { users, NUSERS, NULL, 0, bad, 2 };
	struct ua_cache_header h;
	struct ua_cache_mark_rec r;
	struct ua_cache_mark m;
	struct ua_cache c;
	char buf[64];
	uint8_t *img = NULL;
	size_t len;

	(void)state;
	bad[1].pool = "customer"; /* one mark per pool */
	assert_int_equal(ua_cache_build_input(&in, &img, &len), -EINVAL);
	bad[1].pool = "";
	assert_int_equal(ua_cache_build_input(&in, &img, &len), -EINVAL);
	bad[1].pool = "a:b";
	assert_int_equal(ua_cache_build_input(&in, &img, &len), -EINVAL);
	assert_null(img);
	/* a hostile writer's mark naming a string outside the pool */
	img = build(&len);
	memcpy(&h, img, sizeof(h));
	memcpy(&r, img + h.tables[UA_CACHE_T_MARKS].off, sizeof(r));
	r.pool.off = h.tables[UA_CACHE_T_STRINGS].count;
	r.pool.len = 2;
	memcpy(img + h.tables[UA_CACHE_T_MARKS].off, &r, sizeof(r));
	assert_int_equal(ua_cache_seal(img, len), 0);
	assert_int_equal(ua_cache_open_mem(img, len, &c), 0);
	assert_int_equal(ua_cache_get_mark(&c, 0, &m, buf, sizeof(buf)),
	    -EBADMSG);
	assert_int_equal(ua_cache_get_mark(&c, 1, &m, buf, sizeof(buf)), 0);
	/* more marks than any daemon writes: refused at open */
	h.tables[UA_CACHE_T_MARKS].count = UA_CACHE_MAX_MARKS + 1;
	memcpy(img, &h, sizeof(h));
	assert_int_equal(ua_cache_seal(img, len), 0);
	assert_int_equal(ua_cache_open_mem(img, len, &c), -EBADMSG);
	free(img);
}

/* A file of format 2 (addresses in clear) is refused, in memory and file. */
static void
test_older_versions_refused(void **state)
{
	char dir[] = "/tmp/ua-test-alias.XXXXXX", path[64];
	uint32_t v;
	struct ua_cache c;
	size_t len;
	uint8_t *img = build(&len);
	int fd;

	(void)state;
	for (v = 1; v < UA_CACHE_VERSION; v++) {
		memcpy(img + offsetof(struct ua_cache_header, version), &v,
		    sizeof(v));
		assert_int_equal(ua_cache_seal(img, len), 0);
		assert_int_equal(ua_cache_open_mem(img, len, &c),
		    -EPROTONOSUPPORT);
	}
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/nss.cache", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, img, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	assert_int_equal(ua_cache_map(path, &c, NULL), -EPROTONOSUPPORT);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	free(img);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_holds_no_email_address),
		cmocka_unit_test(test_alias_found_in_any_case_and_trimmed),
		cmocka_unit_test(test_digest_is_salted_sha256),
		cmocka_unit_test(test_writer_checks_aliases),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_marks_round_trip),
		cmocka_unit_test(test_marks_checked),
		cmocka_unit_test(test_older_versions_refused),
	};

	return cmocka_run_group_tests_name("cache_alias", tests, NULL, NULL);
}
