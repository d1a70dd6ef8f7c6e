/* SPDX-License-Identifier: MIT */
/*
 * The NSS module's long-lived view of the cache file at one path, shared by
 * all threads of the host process.  Lookups pin a generation without locks
 * or syscalls; a generation is never unmapped while a lookup may hold it.
 */
#ifndef UANSS_CACHE_READER_H
#define UANSS_CACHE_READER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "client/cache.h"

/* One mapped file.  readers is atomic; the rest changes only while free. */
struct uanss_gen {
	struct ua_cache cache;
	unsigned long readers; /* lookups pinning this generation */
	int state;             /* UANSS_GEN_*, under the refresh lock */
	bool stale_seen;       /* already stale when opened: stat() instead */
	struct stat st;        /* identity of the file when mapped */
};

#define UANSS_GENERATIONS 8

/*
 * How often the path is stat()ed: at most every UANSS_CHECK_NS (a lookup
 * after a longer pause stats first), whether a generation is served or
 * not.  With nothing to serve (no file, or a refused one), every lookup
 * stat()s the path, a file is opened as soon as the path names another
 * one than at the last failure, and the same one again at most every
 * UANSS_RETRY_NS.  The first bounds
 * how long a process keeps reading a mapping whose file was truncated in
 * place (SIGBUS, nss_userauth(8)); opening at once is what lets nscd,
 * told by userauthctl right after a publish, see the new file instead of
 * caching a miss for its negative time to live.
 */
#define UANSS_CHECK_NS UINT64_C(10000000)   /* 10 ms */
#define UANSS_RETRY_NS UINT64_C(1000000000) /* 1 s */

/*
 * cur is published with sequentially consistent atomics.  A lookup raises
 * cur->readers and then re-reads cur: if cur moved, it lets go and retries.
 * The refresher stores the new cur, then unmaps a retired generation only
 * when it reads its count as zero; in the single total order of those
 * operations a pin either is seen by the refresher or sees the new cur.
 *
 * The fast path reads the clock (vDSO) and the pinned file's stale flag.
 * At most every UANSS_CHECK_NS (so before the first lookup after a pause
 * of more than that), or at once when the flag is set, one thread stat()s
 * the path (the descriptor was closed after mmap: none is kept in the
 * host process) and reopens if device, inode, size or times changed; it
 * does so before it reads the mapping, so a file truncated in place is
 * found before a page past its new end is touched, unless the lookup
 * comes within UANSS_CHECK_NS of the last check.
 * The inode cannot have been reused for another file while we map it, so
 * a different file at the path is always seen.  A generation that was
 * already stale when mapped (republished again while it was being opened,
 * three times running) costs a stat() per lookup until the path names
 * another file, which is then mapped at once: a stale generation is never
 * served on the word of the timer alone.  A missing or refused file retires
 * the current generation: no answers (fail closed) until a good file
 * appears; the path's identity at that failure is kept (one atomic word)
 * to tell a new file from the refused one, by every lookup: within
 * UANSS_CHECK_NS of a failed check a new file would otherwise go unseen,
 * and nscd, told right after the publish, would cache the miss.
 */
struct uanss_reader {
	const char *path;
	struct uanss_gen *cur;   /* atomic */
	uint64_t next_check_ns;  /* atomic, CLOCK_MONOTONIC */
	int last_err;            /* atomic: answer if cur is NULL */
	pid_t lock_tid;          /* atomic: refreshing tid or 0 */
	uint64_t (*clock)(void); /* tests: CLOCK_MONOTONIC ns; NULL = real */
	/* under the refresh lock, with nothing to serve: */
	uint64_t retry_ns; /* the same file is not opened again before */
	/* atomic: the identity of what was at the path when opening failed
	 * (0: nothing), compared with a stat() by every lookup that has
	 * nothing to serve */
	uint64_t refused_sig;
	struct uanss_gen gen[UANSS_GENERATIONS];
};

#define UANSS_READER_INIT(p)                                                   \
	{                                                                      \
		.path = (p)                                                    \
	}

/*
 * Pin the current generation in *ret; lookups use &(*ret)->cache, then
 * uanss_release(*ret).  -ENOENT (no cache file), -EPERM (owner, mode),
 * -EBADMSG, -EPROTONOSUPPORT (refused content), other -errno.  errno is
 * preserved.
 */
int uanss_acquire(struct uanss_reader *h, struct uanss_gen **ret);
void uanss_release(struct uanss_gen *g);

/* Unmap every generation (tests): no lookup may run now or later. */
void uanss_reader_close(struct uanss_reader *h);

#endif
