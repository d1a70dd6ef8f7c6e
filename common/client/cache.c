/* SPDX-License-Identifier: MIT */
/*
 * NSS cache reader (format: cache_format.h, doc/PROTOCOL.md): the hash and
 * checksums, validation of an image, mapping a file, and the lazy block
 * verification the lookups (cache_lookup.c) go through.  Nothing here may
 * trust a byte of the image it has not checked.
 *
 * Integrity (since format version 2): opening checks the header and the
 * block sums table, O(blocks); the blocks themselves are checked at open
 * for a small file and on first use for a big one, so that no byte of the
 * image reaches a caller (or steers a lookup) before its block has matched.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/cache.h"
#include "client/cache_int.h"

/* ---- hash and checksum ------------------------------------------------ */

#define H_K1 UINT64_C(0x9e3779b97f4a7c15)
#define H_K2 UINT64_C(0xd6e8feb86659fd93)
#define H_K3 UINT64_C(0xff51afd7ed558ccd)

/*
 * One 8-byte word per round.  For a fixed word the round is a bijection of
 * the state, and for a fixed state it is injective in the word, so any
 * change confined to one word always changes the result.
 */
static inline uint64_t
hash_round(uint64_t h, uint64_t w)
{
	h ^= w * H_K2;
	h = (h << 29) | (h >> 35);
	return h * H_K1 + H_K3;
}

static inline uint64_t
hash_final(uint64_t h)
{
	h ^= h >> 32;
	h *= H_K3;
	h ^= h >> 29;
	h *= H_K2;
	h ^= h >> 32;
	return h;
}

static uint64_t
hash_words(uint64_t h, const uint8_t *p, size_t nwords)
{
	uint64_t w;
	size_t i;

	for (i = 0; i < nwords; i++) {
		memcpy(&w, p + 8 * i, sizeof(w));
		h = hash_round(h, w);
	}
	return h;
}

uint64_t
ua_cache_hash(uint64_t seed, const void *p, size_t n)
{
	const uint8_t *s = p;
	uint64_t h = seed ^ (n * H_K1), w = 0;

	h = hash_words(h, s, n / 8);
	if (n % 8 != 0) {
		memcpy(&w, s + n - n % 8, n % 8);
		h = hash_round(h, w);
	}
	return hash_final(h);
}

/* The sums table sits exactly at the end of len bytes. */
static bool
sums_at_end(const struct ua_cache_header *hdr, size_t len)
{
	return hdr->sums.off >= sizeof(*hdr) && hdr->sums.off <= len &&
	    (len - hdr->sums.off) % sizeof(uint64_t) == 0 &&
	    (len - hdr->sums.off) / sizeof(uint64_t) == hdr->sums.count;
}

uint64_t
ua_cache_checksum(const void *img, size_t len)
{
	struct ua_cache_header hdr;
	uint64_t h;

	if (len < sizeof(hdr) || len % UA_CACHE_ALIGN != 0)
		return 0;
	memcpy(&hdr, img, sizeof(hdr));
	if (!sums_at_end(&hdr, len))
		return 0;
	hdr.flags = 0;
	hdr.checksum = 0;
	h = UA_CACHE_MAGIC ^ (len * H_K1);
	h = hash_words(h, (const uint8_t *)&hdr, sizeof(hdr) / 8);
	/* the sums bind every block: O(blocks), not O(file) */
	h = hash_words(h, (const uint8_t *)img + hdr.sums.off, hdr.sums.count);
	return hash_final(h);
}

uint64_t
ua_cache_block_sum(const void *img, size_t data_end, size_t i)
{
	size_t lo = sizeof(struct ua_cache_header), hi = data_end;
	uint64_t h;

	/* past the largest image a block is empty (and no shift overflows) */
	if (i >= (UA_CACHE_MAX_SIZE >> UA_CACHE_BLOCK_SHIFT)) {
		lo = hi;
	} else {
		if (i << UA_CACHE_BLOCK_SHIFT > lo)
			lo = i << UA_CACHE_BLOCK_SHIFT;
		if ((i + 1) << UA_CACHE_BLOCK_SHIFT < hi)
			hi = (i + 1) << UA_CACHE_BLOCK_SHIFT;
	}
	if (lo > hi)
		lo = hi;
	/* the index in the seed: a block moved elsewhere does not match */
	h = UA_CACHE_MAGIC ^ (i * H_K2) ^ ((hi - lo) * H_K1);
	h = hash_words(h, (const uint8_t *)img + lo, (hi - lo) / 8);
	return hash_final(h);
}

/* ---- validation --------------------------------------------------------- */

static const size_t elem_size[UA_CACHE_NTABLES] = {
	[UA_CACHE_T_USERS] = sizeof(struct ua_cache_user_rec),
	[UA_CACHE_T_GROUPS] = sizeof(struct ua_cache_group_rec),
	[UA_CACHE_T_MEMBERS] = sizeof(uint32_t),
	[UA_CACHE_T_GIDS] = sizeof(uint32_t),
	[UA_CACHE_T_STRINGS] = 1,
	[UA_CACHE_T_MARKS] = sizeof(struct ua_cache_mark_rec),
	[UA_CACHE_T_IDX_USER_NAME] = sizeof(struct ua_cache_slot),
	[UA_CACHE_T_IDX_USER_EMAIL] = sizeof(struct ua_cache_slot),
	[UA_CACHE_T_IDX_USER_UID] = sizeof(struct ua_cache_slot),
	[UA_CACHE_T_IDX_GROUP_NAME] = sizeof(struct ua_cache_slot),
	[UA_CACHE_T_IDX_GROUP_GID] = sizeof(struct ua_cache_slot),
};

/* Size, block size and sums table consistent with len bytes. */
static int
check_layout(const struct ua_cache_header *hdr, size_t len)
{
	uint64_t nblocks;

	if (len < sizeof(*hdr) || len > UA_CACHE_MAX_SIZE ||
	    len % UA_CACHE_ALIGN != 0 || hdr->size != len ||
	    hdr->block_size != UA_CACHE_BLOCK_SIZE || !sums_at_end(hdr, len))
		return -EBADMSG;
	nblocks = ((uint64_t)hdr->sums.off + UA_CACHE_BLOCK_SIZE - 1) >>
	    UA_CACHE_BLOCK_SHIFT;
	if (hdr->sums.count != nblocks)
		return -EBADMSG;
	return 0;
}

int
ua_cache_seal(void *img, size_t len)
{
	struct ua_cache_header hdr;
	uint8_t *p = img;
	uint64_t sum;
	uint32_t i;

	if (img == NULL || len < sizeof(hdr))
		return -EBADMSG;
	memcpy(&hdr, img, sizeof(hdr));
	if (check_layout(&hdr, len) < 0)
		return -EBADMSG;
	for (i = 0; i < hdr.sums.count; i++) {
		sum = ua_cache_block_sum(img, hdr.sums.off, i);
		memcpy(p + hdr.sums.off + (size_t)i * sizeof(sum), &sum,
		    sizeof(sum));
	}
	sum = ua_cache_checksum(img, len);
	memcpy(p + offsetof(struct ua_cache_header, checksum), &sum,
	    sizeof(sum));
	return 0;
}

/* Tables must lie in the data area [header, end): every byte has a block. */
static int
check_tables(const struct ua_cache_header *hdr, size_t len)
{
	const struct ua_cache_table *t;
	uint64_t bytes;
	uint32_t probe;
	int i;

	for (i = 0; i < UA_CACHE_NTABLES; i++) {
		t = &hdr->tables[i];
		bytes = (uint64_t)t->count * elem_size[i];
		if (t->off % UA_CACHE_ALIGN != 0 || t->off < sizeof(*hdr) ||
		    t->off > len || bytes > len - t->off)
			return -EBADMSG;
		if (i < UA_CACHE_T_FIRST_INDEX)
			continue;
		/* an index: 0 or a power of two slots, probes bounded */
		probe = hdr->max_probe[i - UA_CACHE_T_FIRST_INDEX];
		if ((t->count & (t->count - 1)) != 0 || probe > t->count)
			return -EBADMSG;
	}
	if (hdr->tables[UA_CACHE_T_USERS].count > UA_CACHE_MAX_RECORDS ||
	    hdr->tables[UA_CACHE_T_GROUPS].count > UA_CACHE_MAX_RECORDS ||
	    hdr->tables[UA_CACHE_T_MARKS].count > UA_CACHE_MAX_MARKS)
		return -EBADMSG;
	return 0;
}

static bool
block_ok(const uint8_t *base, uint32_t data_end, size_t i)
{
	uint64_t want;

	/* sums end the file (checked at open), i < count: in bounds */
	memcpy(&want, base + data_end + i * sizeof(want), sizeof(want));
	return ua_cache_block_sum(base, data_end, i) == want;
}

int
ua_cache_open_mem(const void *img, size_t len, struct ua_cache *ret)
{
	struct ua_cache_header hdr;
	struct ua_cache_lazy *lazy = NULL;
	uint32_t i, nwords;
	int r;

	if (img == NULL || len < sizeof(hdr) || len > UA_CACHE_MAX_SIZE ||
	    len % UA_CACHE_ALIGN != 0)
		return -EBADMSG;
	memcpy(&hdr, img, sizeof(hdr));
	if (hdr.magic != UA_CACHE_MAGIC)
		return -EBADMSG;
	if (hdr.version != UA_CACHE_VERSION)
		return -EPROTONOSUPPORT;
	if ((hdr.flags & ~UA_CACHE_F_KNOWN) != 0 || check_layout(&hdr, len) < 0)
		return -EBADMSG;
	if (ua_cache_checksum(img, len) != hdr.checksum)
		return -EBADMSG;
	r = check_tables(&hdr, hdr.sums.off);
	if (r < 0)
		return r;
	if (len <= UA_CACHE_EAGER_MAX) {
		/* cheap at this size, and a bad file is refused up front */
		for (i = 0; i < hdr.sums.count; i++)
			if (!block_ok(img, hdr.sums.off, i))
				return -EBADMSG;
	} else {
		nwords = (hdr.sums.count + 31) / 32;
		lazy = calloc(1, sizeof(*lazy) + nwords * sizeof(uint32_t));
		if (lazy == NULL)
			return -ENOMEM;
		lazy->nwords = nwords;
	}
	ret->base = img;
	ret->size = len;
	ret->seed = hdr.seed;
	memcpy(ret->email_salt, hdr.email_salt, sizeof(ret->email_salt));
	memcpy(ret->tab, hdr.tables, sizeof(ret->tab));
	memcpy(ret->max_probe, hdr.max_probe, sizeof(ret->max_probe));
	ret->data_end = hdr.sums.off;
	ret->nblocks = hdr.sums.count;
	ret->lazy = lazy;
	ret->mapped = false;
	return 0;
}

static int
parent_dir(const char *path, char *out, size_t outsz)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (slash == NULL) {
		if (outsz < 2)
			return -ENAMETOOLONG;
		memcpy(out, ".", 2);
		return 0;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= outsz)
		return -ENAMETOOLONG;
	memcpy(out, path, n);
	out[n] = '\0';
	return 0;
}

/* The checks doas and SSSD make: who could have written this file? */
static int
check_owner(const char *path, const struct stat *st)
{
	char dir[PATH_MAX];
	struct stat dst;
	int r;

	if (!S_ISREG(st->st_mode) || (st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return -EPERM;
	r = parent_dir(path, dir, sizeof(dir));
	if (r < 0)
		return r;
	if (stat(dir, &dst) < 0)
		return -errno;
	if (!S_ISDIR(dst.st_mode) || (dst.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return -EPERM;
	if (st->st_uid != 0 && st->st_uid != dst.st_uid)
		return -EPERM;
	return 0;
}

/*
 * Map len bytes of fd read-only one block (64 KiB) past a 2 MiB boundary.
 * ext4 keeps a big file in the page cache as 2 MiB folios, and the kernel maps
 * such a folio whole when address and file offset agree modulo 2 MiB: a
 * lookup touching four places in the file would add 8 MiB to the caller's
 * RSS.  Shifted, a fault maps only its neighbourhood (the kernel's
 * fault-around, 64 KiB, aligned in the address space).  Shifted by a
 * whole block rather than a page, a verification block is exactly one
 * fault-around window: hashing it maps 64 KiB, not parts of two windows.
 * Falls back to a plain mapping.
 */
static void *
map_shifted(int fd, size_t len)
{
	const size_t huge = (size_t)2 << 20;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), mlen, span, head, shift;
	uint8_t *res, *at;
	void *p;

	if (page == 0 || page >= huge || (page & (page - 1)) != 0)
		return mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	mlen = (len + page - 1) & ~(page - 1);
	shift = page < UA_CACHE_BLOCK_SIZE ? UA_CACHE_BLOCK_SIZE : page;
	span = mlen + 2 * huge;
	res = mmap(NULL, span, PROT_NONE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	at = (uint8_t *)(((uintptr_t)res + huge - 1) & ~(uintptr_t)(huge - 1)) +
	    shift;
	p = mmap(at, len, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED) {
		int e = errno; /* the caller reports mmap's */

		(void)munmap(res, span);
		errno = e;
		return MAP_FAILED;
	}
	/* give back the reservation around the file */
	head = (size_t)(at - res);
	if (head > 0)
		(void)munmap(res, head);
	(void)munmap(at + mlen, span - head - mlen);
	return p;
}

int
ua_cache_map(const char *path, struct ua_cache *ret, struct stat *ret_st)
{
	struct stat st;
	void *p = MAP_FAILED;
	size_t len = 0;
	int fd, r;

	/* O_NONBLOCK: a FIFO planted at path must not hang the caller */
	fd = open(path,
	    O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno == ELOOP ? -EPERM : -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	r = check_owner(path, &st);
	if (r < 0)
		goto out;
	if (st.st_size < (off_t)sizeof(struct ua_cache_header) ||
	    st.st_size > (off_t)UA_CACHE_MAX_SIZE) {
		r = -EBADMSG;
		goto out;
	}
	len = (size_t)st.st_size;
	p = map_shifted(fd, len);
	if (p == MAP_FAILED) {
		r = -errno;
		goto out;
	}
	r = ua_cache_open_mem(p, len, ret);
	if (r < 0)
		goto out;
	/*
	 * Verifying every block at open (a file up to UA_CACHE_EAGER_MAX)
	 * read every page, so the whole file now counts in this process's
	 * RSS.  Lookups touch a few pages each: unmap the rest from our page
	 * tables; they stay in the page cache, shared, and a read faults them
	 * back unchanged (a shared file mapping, so the data cannot be lost).
	 * Advice only.  A bigger file was not read beyond its header and
	 * block sums (8 bytes per 64 KiB): nothing worth a syscall.
	 */
	if (ret->lazy == NULL)
		(void)madvise(p, len, MADV_DONTNEED);
	ret->mapped = true;
	if (ret_st != NULL)
		*ret_st = st;
	p = MAP_FAILED; /* handed over to ret */
out:
	if (p != MAP_FAILED)
		(void)munmap(p, len);
	(void)close(fd);
	return r;
}

void
ua_cache_unmap(struct ua_cache *c)
{
	if (c == NULL)
		return;
	free(c->lazy);
	c->lazy = NULL;
	if (!c->mapped)
		return;
	(void)munmap((void *)(uintptr_t)c->base, c->size);
	c->mapped = false;
	c->base = NULL;
	c->size = 0;
}

int
ua_cache_test_block_verified(const struct ua_cache *c, size_t i)
{
	if (c->lazy == NULL)
		return -1;
	if (i >= c->nblocks)
		return 0;
	return (__atomic_load_n(&c->lazy->bits[i / 32], __ATOMIC_RELAXED) >>
		   (i % 32)) &
	    1;
}

bool
ua_cache_is_stale(const struct ua_cache *c)
{
	const size_t at = offsetof(struct ua_cache_header, flags);
	uint32_t f;

	/* a mapping is page-aligned: read the live word atomically */
	if (c->mapped)
		f = __atomic_load_n(
		    (const uint32_t *)(const void *)(c->base + at),
		    __ATOMIC_RELAXED);
	else
		memcpy(&f, c->base + at, sizeof(f));
	return (f & UA_CACHE_F_STALE) != 0;
}

/* ---- lazy verification -------------------------------------------------- */

/*
 * The slow half of ua_cache_verify (cache_int.h): a lazily verified image.
 * No lock: two threads may hash the same block at once and both set its
 * bit, which is harmless.  A mismatch marks the whole image bad (see
 * ua_cache_usable): fail closed from then on.
 */
int
ua_cache_verify_blocks(const struct ua_cache *c, size_t off, size_t len)
{
	struct ua_cache_lazy *z = c->lazy;
	size_t i, last;
	uint32_t bit;

	/* callers read inside a table, which open kept in the data area */
	if (off > c->data_end || len > c->data_end - off)
		return -EBADMSG;
	last = (off + len - 1) >> UA_CACHE_BLOCK_SHIFT;
	for (i = off >> UA_CACHE_BLOCK_SHIFT; i <= last; i++) {
		bit = UINT32_C(1) << (i % 32);
		if ((__atomic_load_n(&z->bits[i / 32], __ATOMIC_RELAXED) &
			bit) != 0)
			continue;
		if (!block_ok(c->base, c->data_end, i)) {
			__atomic_store_n(&z->bad, 1, __ATOMIC_RELAXED);
			return -EBADMSG;
		}
		(void)__atomic_fetch_or(&z->bits[i / 32], bit,
		    __ATOMIC_RELAXED);
	}
	return 0;
}
