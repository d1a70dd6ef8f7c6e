/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the NSS cache reader: any bytes in as an image, a
 * refusal or defined answers out.  It must never crash or read outside the
 * image or the caller's buffers.  Each input runs twice: as given, and
 * "repaired" (magic, version, size and checksum made valid, as a hostile
 * writer would), so mutations reach the tables behind the checksum.
 *
 * run-fuzz-sources: common/client/cache.c
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
	    "ALICE@EXAMPLE.COM", "" };
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
			defined(ua_cache_getpwuid(c, pw.pw_uid, &pw, buf,
			    buflen));
			r = ua_cache_user_gids(c, name, 0, gids, 8, &total);
			if (r < -EBADMSG || r > 8)
				abort();
		}
		r = ua_cache_getgrent(c, i, &gr, buf, buflen);
		defined(r);
		if (r == 0) {
			memcpy(name, gr.gr_name, strlen(gr.gr_name) + 1);
			defined(ua_cache_getgrnam(c, name, &gr, buf, buflen));
			defined(ua_cache_getgrgid(c, gr.gr_gid, &gr, buf,
			    buflen));
		}
	}
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		defined(ua_cache_getpwnam(c, fixed[i], &pw, buf, buflen));
		defined(ua_cache_getgrnam(c, fixed[i], &gr, buf, buflen));
	}
	defined(ua_cache_getpwuid(c, 1000, &pw, buf, buflen));
	defined(ua_cache_getgrgid(c, 1000, &gr, buf, buflen));
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
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ua_cache_header hdr;
	uint64_t sum;
	uint8_t *copy;

	/* an exact-size copy: the image must not be read past its end */
	copy = malloc(size > 0 ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	run(copy, size);
	if (size >= sizeof(hdr) && size % UA_CACHE_ALIGN == 0 &&
	    size <= UA_CACHE_MAX_SIZE) {
		memcpy(&hdr, copy, sizeof(hdr));
		hdr.magic = UA_CACHE_MAGIC;
		hdr.version = UA_CACHE_VERSION;
		hdr.size = size;
		memcpy(copy, &hdr, sizeof(hdr));
		sum = ua_cache_checksum(copy, size);
		memcpy(copy + offsetof(struct ua_cache_header, checksum), &sum,
		    sizeof(sum));
		run(copy, size);
	}
	free(copy);
	return 0;
}
