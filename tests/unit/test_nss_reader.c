/* SPDX-License-Identifier: MIT */
/*
 * Tests for the NSS module's generation handling (nss_userauth/
 * cache_reader.c): immediate pick-up of a republished cache, consistent
 * answers while another thread republishes in a loop, the once-a-second
 * check noticing truncation and refused files, and the fork-safe lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "nss_userauth/cache_reader.h"
#include "server/cache_writer.h"

#define NREADERS 4
#define RUN_SECONDS 2

static char tmpdir[160];
static char path[200];
static struct uanss_reader reader;

/*
 * Generation n: every user's gecos is "gen n", home "/home/gn", and group
 * "ops" holds the first n % 4 + 1 users, in order.
 */
static int
publish_gen(unsigned n)
{
	static const char *const names[] = { "alice", "bob", "carol", "dave" };
	static const uint32_t all[] = { 0, 1, 2, 3 };
	struct ua_cache_user u[4];
	struct ua_cache_group g = { "ops", 60001, all, n % 4 + 1 };
	char gecos[32], home[32];
	size_t i;

	(void)snprintf(gecos, sizeof(gecos), "gen %u", n);
	(void)snprintf(home, sizeof(home), "/home/g%u", n);
	for (i = 0; i < 4; i++)
		u[i] = (struct ua_cache_user){ names[i], NULL, gecos, home,
			"/bin/sh", (uint32_t)(50001 + i),
			(uint32_t)(50001 + i) };
	return ua_cache_write(path, u, 4, &g, 1);
}

/* "gen N" -> N, or -1 (no sscanf: banned everywhere). */
static int
parse_gen(const char *gecos)
{
	unsigned long v;
	char *end;

	if (strncmp(gecos, "gen ", 4) != 0)
		return -1;
	errno = 0;
	v = strtoul(gecos + 4, &end, 10);
	if (errno != 0 || *end != '\0' || end == gecos + 4 || v > INT32_MAX)
		return -1;
	return (int)v;
}

/*
 * The reader's clock: it stands still until a test moves it forward, so
 * the timed checks (every 10 ms while a file is served, every second
 * while none is) happen exactly when a test says, however slow the
 * machine.
 */
static uint64_t clock_offset_ns; /* atomic */

static uint64_t
test_clock(void)
{
	return UINT64_C(1000000000000) +
	    __atomic_load_n(&clock_offset_ns, __ATOMIC_RELAXED);
}

static void
sleep_ms(long ms)
{
	__atomic_fetch_add(&clock_offset_ns, (uint64_t)ms * 1000000u,
	    __ATOMIC_RELAXED);
}

static int
setup(void **state)
{
	(void)state;
	const char *base = getenv("TMPDIR");

	if (base == NULL)
		base = "/tmp";
	if (base[0] != '/' || strlen(base) > 100)
		return -1; /* say so rather than test elsewhere */
	(void)snprintf(tmpdir, sizeof(tmpdir), "%s/ua-test-reader.XXXXXX",
	    base);
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	(void)snprintf(path, sizeof(path), "%s/nss.cache", tmpdir);
	memset(&reader, 0, sizeof(reader));
	reader.path = path;
	reader.clock = test_clock;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	uanss_reader_close(&reader);
	(void)unlink(path);
	return rmdir(tmpdir);
}

/* Lookup through the reader: the generation number seen, or -errno. */
static int
gen_of(const char *name)
{
	struct uanss_gen *g;
	struct passwd pw;
	char buf[256];
	int r;

	r = uanss_acquire(&reader, &g);
	if (r < 0)
		return r;
	r = ua_cache_getpwnam(&g->cache, name, &pw, buf, sizeof(buf));
	uanss_release(g);
	if (r < 0)
		return r;
	r = parse_gen(pw.pw_gecos);
	assert_true(r >= 0);
	return r;
}

static void
test_missing_file_is_found_at_once(void **state)
{
	(void)state;
	assert_int_equal(gen_of("alice"), -ENOENT);
	sleep_ms(20);
	assert_int_equal(gen_of("alice"), -ENOENT); /* still none there */
	assert_int_equal(publish_gen(1), 0);
	/*
	 * within the 10 ms of the last check and not the 1 s: with nothing
	 * to serve each lookup stats the path (nscd, told right after a
	 * publish, would otherwise cache the miss)
	 */
	assert_int_equal(gen_of("alice"), 1);
}

static void
test_republish_is_seen_at_once(void **state)
{
	unsigned n;

	(void)state;
	for (n = 1; n < 20; n++) {
		assert_int_equal(publish_gen(n), 0);
		assert_int_equal(gen_of("bob"), (int)n);
	}
}

struct stats {
	unsigned long lookups;
	unsigned long bad;
	int first, last;
};

static bool stop; /* atomic */

/* Every answer must come from one generation, never a mix. */
static void
check_one(struct stats *st)
{
	struct uanss_gen *g;
	struct passwd pw;
	struct group gr;
	char buf[1024], home[32];
	unsigned k;
	int r, n = 0, m;

	r = uanss_acquire(&reader, &g);
	if (r < 0) {
		st->bad++;
		return;
	}
	for (k = 0; k < 4; k++) { /* an enumeration under one pin */
		r = ua_cache_getpwent(&g->cache, k, &pw, buf, sizeof(buf));
		if (r < 0 || (m = parse_gen(pw.pw_gecos)) < 0 ||
		    (k > 0 && m != n)) {
			st->bad++;
			break;
		}
		n = m;
		(void)snprintf(home, sizeof(home), "/home/g%d", n);
		if (strcmp(pw.pw_dir, home) != 0 || pw.pw_uid != 50001 + k)
			st->bad++;
	}
	r = ua_cache_getgrgid(&g->cache, 60001, &gr, buf, sizeof(buf));
	if (r < 0)
		st->bad++;
	else
		for (k = 0; k < (unsigned)n % 4 + 1; k++)
			if (gr.gr_mem[k] == NULL ||
			    strcmp(gr.gr_mem[k],
				k == 0       ? "alice"
				    : k == 1 ? "bob"
				    : k == 2 ? "carol"
					     : "dave") != 0)
				st->bad++;
	uanss_release(g);
	if (st->lookups++ == 0)
		st->first = n;
	if (n < st->last) /* generations never go backwards */
		st->bad++;
	st->last = n;
}

static void *
reader_thread(void *arg)
{
	struct stats *st = arg;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED))
		check_one(st);
	return NULL;
}

static unsigned
count_mappings(void)
{
	char line[512];
	unsigned n = 0;
	FILE *f = fopen("/proc/self/maps", "re");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, tmpdir) != NULL)
			n++;
	(void)fclose(f);
	return n;
}

static void
test_consistent_while_republished(void **state)
{
	pthread_t t[NREADERS];
	struct stats st[NREADERS];
	struct timespec start, now;
	unsigned n = 1, i;

	(void)state;
	assert_int_equal(publish_gen(n), 0);
	assert_int_equal(gen_of("alice"), 1);
	memset(st, 0, sizeof(st));
	__atomic_store_n(&stop, false, __ATOMIC_RELAXED);
	for (i = 0; i < NREADERS; i++)
		assert_int_equal(
		    pthread_create(&t[i], NULL, reader_thread, &st[i]), 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		assert_int_equal(publish_gen(++n), 0);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < RUN_SECONDS);
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < NREADERS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		print_message("# reader %u: %lu lookups, generations %d..%d\n",
		    i, st[i].lookups, st[i].first, st[i].last);
		assert_int_equal(st[i].bad, 0);
		assert_true(st[i].lookups > 100);
		assert_true(st[i].last > st[i].first);
	}
	assert_true(n > 10);
	assert_int_equal(gen_of("dave"), (int)n);
	/* old generations were unmapped, not piled up */
	assert_true(count_mappings() <= UANSS_GENERATIONS);
	print_message("# %u generations published, %u still mapped\n", n,
	    count_mappings());
}

/*
 * Truncated in place, as root could.  A lookup within UANSS_CHECK_NS of
 * the last check could touch pages past the new end (SIGBUS, see
 * nss_userauth(8)); one after it must find out from stat() before it
 * reads the mapping.  11 ms, not a second: a reader that read the mapping
 * first (or checked once a second) dies here of SIGBUS.
 */
static void
test_truncation_noticed_after_10ms(void **state)
{
	(void)state;
	assert_int_equal(publish_gen(7), 0);
	assert_int_equal(gen_of("carol"), 7);
	assert_int_equal(truncate(path, 0), 0);
	sleep_ms(11);
	assert_int_equal(gen_of("carol"), -EBADMSG);
	assert_int_equal(count_mappings(), 0);
	assert_int_equal(publish_gen(8), 0);
	sleep_ms(1100); /* nothing served: retried once a second */
	assert_int_equal(gen_of("carol"), 8);
	/* the header is still there */
	assert_int_equal(truncate(path, 200), 0);
	sleep_ms(11);
	assert_int_equal(gen_of("carol"), -EBADMSG);
	/* and a lookup after a long pause checks first too */
	assert_int_equal(publish_gen(9), 0);
	sleep_ms(1100);
	assert_int_equal(gen_of("carol"), 9);
	sleep_ms(60 * 1000);
	assert_int_equal(truncate(path, 0), 0);
	assert_int_equal(gen_of("carol"), -EBADMSG);
}

static void
test_refused_replacement_fails_closed(void **state)
{
	char other[200];
	FILE *f;

	(void)state;
	assert_int_equal(publish_gen(3), 0);
	assert_int_equal(gen_of("alice"), 3);
	/* someone else's rename: no stale flag, found by the timed check */
	(void)snprintf(other, sizeof(other), "%s/garbage", tmpdir);
	f = fopen(other, "we");
	assert_non_null(f);
	(void)fputs(
	    "not a cache file at all, but long enough to look at ..."
	    "................................................................"
	    "................................................................"
	    "...................",
	    f);
	(void)fclose(f);
	assert_int_equal(chmod(other, 0644), 0);
	assert_int_equal(rename(other, path), 0);
	assert_int_equal(gen_of("alice"), 3); /* within the 10 ms */
	sleep_ms(11);
	assert_int_equal(gen_of("alice"), -EBADMSG);
	sleep_ms(11);
	/* the same refused file stays refused (reopened once a second) */
	assert_int_equal(gen_of("alice"), -EBADMSG);
	assert_int_equal(publish_gen(4), 0);
	/*
	 * another file: opened at once, within the 10 ms of the last check
	 * (nscd, told right after the publish, would cache the miss)
	 */
	assert_int_equal(gen_of("alice"), 4);
	assert_int_equal(chmod(path, 0664), 0);
	sleep_ms(11);
	assert_int_equal(gen_of("alice"), -EPERM);
	/* mended in place: its ctime tells, at once */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(gen_of("alice"), 4);
}

/* A lock left behind by a thread that is not ours is taken over. */
static void
test_lock_of_vanished_owner_is_taken(void **state)
{
	pid_t child;
	int status;

	(void)state;
	assert_int_equal(publish_gen(5), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, &status, 0), child);
	reader.lock_tid = child; /* as if forked mid-refresh */
	assert_int_equal(gen_of("alice"), 5);
	assert_int_equal(reader.lock_tid, 0);
}

static void
test_stale_file_left_in_place_is_served(void **state)
{
	struct ua_cache c;
	int fd;
	uint32_t flags = UA_CACHE_F_STALE;

	(void)state;
	/* a stale-marked file at the path is served, not reopened forever */
	assert_int_equal(publish_gen(6), 0);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(
	    pwrite(fd, &flags, 4, offsetof(struct ua_cache_header, flags)), 4);
	close(fd);
	assert_int_equal(ua_cache_map(path, &c, NULL), 0);
	assert_true(ua_cache_is_stale(&c));
	ua_cache_unmap(&c);
	assert_int_equal(gen_of("alice"), 6);
	assert_int_equal(gen_of("alice"), 6);
}

/*
 * A generation that was already stale when mapped (republished while it was
 * being opened) is served only while the path still names that file: once
 * another file is renamed into place it is mapped at the next lookup, not
 * at the next timed check.  Publishing in a tight loop on tmpfs made every
 * reader sit on such a generation until the timer, and with a coarse
 * clock forever in between.
 */
static void
test_stale_when_mapped_then_replaced(void **state)
{
	int fd;
	uint32_t flags = UA_CACHE_F_STALE;

	(void)state;
	assert_int_equal(publish_gen(6), 0);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(
	    pwrite(fd, &flags, 4, offsetof(struct ua_cache_header, flags)), 4);
	close(fd);
	assert_int_equal(gen_of("alice"), 6); /* mapped already stale */
	assert_int_equal(publish_gen(7), 0);  /* no clock movement */
	assert_int_equal(gen_of("alice"), 7);
	assert_int_equal(publish_gen(8), 0); /* and the flag works again */
	assert_int_equal(gen_of("alice"), 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_missing_file_is_found_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_republish_is_seen_at_once,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_consistent_while_republished, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_truncation_noticed_after_10ms, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_refused_replacement_fails_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_lock_of_vanished_owner_is_taken, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_stale_file_left_in_place_is_served, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_stale_when_mapped_then_replaced, setup, teardown),
	};

	return cmocka_run_group_tests_name("nss_reader", tests, NULL, NULL);
}
