/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the NSS cache reader: any bytes in as an image, a
 * refusal or defined answers out.  It must never crash or read outside the
 * image or the caller's buffers.  Each input runs twice: as given, and
 * "repaired" (magic, version, size, block layout, block sums and checksum
 * made valid, as a hostile writer would), so mutations reach the tables
 * behind the sums.  An input over UA_CACHE_EAGER_MAX takes the lazy path.
 *
 * run-fuzz-sources: common/client/cache.c common/client/cache_lookup.c
 * run-fuzz-sources: common/client/sha256.c
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A result the reader may give: anything else aborts the run. */
static void
defined(int r)
{
	if (r != 0 && r != -ENOENT && r != -ERANGE && r != -EBADMSG)
		abort();
}

/* Exact-size heap buffers, so ASan sees a write one past the end. */
static void
lookups(const struct ua_cache *c, size_t buflen)
{
	static const char *const fixed[] = { "root", "alice", "a@b.c",
		"ALICE@EXAMPLE.COM", " alice@example.com\t", "@", " ", "" };
	struct ua_cache_mark mark;
	char *buf = malloc(buflen > 0 ? buflen : 1);
	char name[UA_CACHE_MAX_STR + 1];
	struct passwd pw;
	struct group gr;
	gid_t gids[8];
	size_t i, total;
	int r;

	if (buf == NULL)
		return;
	for (i = 0; i < 8; i++) {
		/* names and ids found in the image itself, then looked up */
		r = ua_cache_getpwent(c, i, &pw, buf, buflen);
		defined(r);
		if (r == 0) {
			memcpy(name, pw.pw_name, strlen(pw.pw_name) + 1);
			defined(ua_cache_getpwnam(c, name, &pw, buf, buflen));
			defined(
			    ua_cache_getpwuid(c, pw.pw_uid, &pw, buf, buflen));
			r = ua_cache_user_gids(c, name, 0, gids, 8, &total);
			if (r < -EBADMSG || r > 8)
				abort();
		}
		r = ua_cache_getgrent(c, i, &gr, buf, buflen);
		defined(r);
		if (r == 0) {
			memcpy(name, gr.gr_name, strlen(gr.gr_name) + 1);
			defined(ua_cache_getgrnam(c, name, &gr, buf, buflen));
			defined(
			    ua_cache_getgrgid(c, gr.gr_gid, &gr, buf, buflen));
		}
	}
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		defined(ua_cache_getpwnam(c, fixed[i], &pw, buf, buflen));
		defined(ua_cache_getgrnam(c, fixed[i], &gr, buf, buflen));
	}
	defined(ua_cache_getpwuid(c, 1000, &pw, buf, buflen));
	defined(ua_cache_getgrgid(c, 1000, &gr, buf, buflen));
	for (i = 0; i < 4; i++)
		defined(ua_cache_get_mark(c, i, &mark, buf, buflen));
	free(buf);
}

static void
run(const uint8_t *img, size_t len)
{
	struct ua_cache c;

	if (ua_cache_open_mem(img, len, &c) != 0)
		return;
	(void)ua_cache_is_stale(&c);
	lookups(&c, 0);
	lookups(&c, 7);
	lookups(&c, 64);
	lookups(&c, 8192);
	ua_cache_unmap(&c);
}

/*
 * Where the sums table of a size-byte file starts: the data area end e
 * with e + 8 * ceil(e / block) == size, or 0 if no e fits.
 */
static size_t
data_end_for(size_t size)
{
	size_t n = size / (UA_CACHE_BLOCK_SIZE + 8), e;

	for (; n <= size / (UA_CACHE_BLOCK_SIZE + 8) + 2; n++) {
		if (n * 8 > size)
			break;
		e = size - n * 8;
		if (e >= sizeof(struct ua_cache_header) &&
		    (e + UA_CACHE_BLOCK_SIZE - 1) / UA_CACHE_BLOCK_SIZE == n)
			return e;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ua_cache_header hdr;
	uint8_t *copy;
	size_t end;

	/* an exact-size copy: the image must not be read past its end */
	copy = malloc(size > 0 ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	run(copy, size);
	end = size >= sizeof(hdr) && size % UA_CACHE_ALIGN == 0 &&
		size <= UA_CACHE_MAX_SIZE
	    ? data_end_for(size)
	    : 0;
	if (end != 0) {
		memcpy(&hdr, copy, sizeof(hdr));
		hdr.magic = UA_CACHE_MAGIC;
		hdr.version = UA_CACHE_VERSION;
		hdr.size = size;
		hdr.block_size = UA_CACHE_BLOCK_SIZE;
		hdr.sums.off = (uint32_t)end;
		hdr.sums.count = (uint32_t)((size - end) / 8);
		memcpy(copy, &hdr, sizeof(hdr));
		if (ua_cache_seal(copy, size) == 0)
			run(copy, size);
	}
	free(copy);
	return 0;
}
