/* SPDX-License-Identifier: MIT */
/*
 * struct ua_buf: bounded writer and checked reader for every outside byte.
 * It must never read or write past len/max, leave a partial value behind
 * after a failed put, or free storage without wiping it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/buf.h"
#include "client/wipe.h"

/* First allocation; small frames fit without a second one. */
#define UA_BUF_MIN_CAP 256

void
ua_buf_init(struct ua_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
ua_buf_view(struct ua_buf *b, const void *p, size_t n)
{
	memset(b, 0, sizeof(*b));
	/*
	 * The struct has one pointer for both kinds; a view never writes
	 * through it (every put checks readonly), so dropping const is safe.
	 * The cast through uintptr_t says so to -Wcast-qual.
	 */
	b->data = (uint8_t *)(uintptr_t)p;
	b->len = p == NULL ? 0 : n;
	b->max = b->len;
	b->readonly = true;
}

void
ua_buf_free(struct ua_buf *b)
{
	size_t max;

	if (b == NULL)
		return;
	if (b->readonly) {
		memset(b, 0, sizeof(*b));
		return;
	}
	max = b->max;
	ua_freezero(b->data, b->cap);
	memset(b, 0, sizeof(*b));
	/* An emptied writer can be used again with the same ceiling. */
	b->max = max;
}

/*
 * Make room for n more bytes.  Growing copies into a new allocation and
 * wipes the old one (realloc could leave a secret behind in freed memory).
 */
static int
buf_reserve(struct ua_buf *b, size_t n)
{
	uint8_t *p;
	size_t need, cap;

	if (b->readonly)
		return -EROFS;
	if (b->len > b->max || n > b->max - b->len)
		return -EMSGSIZE;
	need = b->len + n;
	if (need <= b->cap)
		return 0;
	cap = b->cap < UA_BUF_MIN_CAP ? UA_BUF_MIN_CAP : b->cap;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	if (cap > b->max)
		cap = b->max;
	p = malloc(cap);
	if (p == NULL)
		return -ENOMEM;
	if (b->len > 0)
		memcpy(p, b->data, b->len);
	ua_freezero(b->data, b->cap);
	b->data = p;
	b->cap = cap;
	return 0;
}

int
ua_buf_put(struct ua_buf *b, const void *p, size_t n)
{
	int r;

	if (n == 0)
		return b->readonly ? -EROFS : 0;
	if (p == NULL)
		return -EINVAL;
	r = buf_reserve(b, n);
	if (r < 0)
		return r;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int
ua_buf_put_u8(struct ua_buf *b, uint8_t v)
{
	return ua_buf_put(b, &v, 1);
}

int
ua_buf_put_u16(struct ua_buf *b, uint16_t v)
{
	uint8_t p[2];

	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return ua_buf_put(b, p, sizeof(p));
}

int
ua_buf_put_u32(struct ua_buf *b, uint32_t v)
{
	uint8_t p[4];
	size_t i;

	for (i = 0; i < sizeof(p); i++)
		p[i] = (uint8_t)(v >> (8 * (sizeof(p) - 1 - i)));
	return ua_buf_put(b, p, sizeof(p));
}

int
ua_buf_put_u64(struct ua_buf *b, uint64_t v)
{
	uint8_t p[8];
	size_t i;

	for (i = 0; i < sizeof(p); i++)
		p[i] = (uint8_t)(v >> (8 * (sizeof(p) - 1 - i)));
	return ua_buf_put(b, p, sizeof(p));
}

int
ua_buf_put_str(struct ua_buf *b, const char *s)
{
	size_t n;
	int r;

	if (s == NULL)
		return -EINVAL;
	n = strnlen(s, (size_t)UINT16_MAX + 1);
	if (n > UINT16_MAX)
		return -EMSGSIZE;
	/* Reserve length and bytes together: no half-written string. */
	r = buf_reserve(b, 2 + n);
	if (r < 0)
		return r;
	r = ua_buf_put_u16(b, (uint16_t)n);
	if (r < 0)
		return r;
	return ua_buf_put(b, s, n);
}

size_t
ua_buf_left(const struct ua_buf *b)
{
	if (b->off >= b->len)
		return 0;
	return b->len - b->off;
}

int
ua_buf_get_bytes(struct ua_buf *b, size_t n, const uint8_t **ret)
{
	if (n > ua_buf_left(b))
		return -EBADMSG;
	*ret = b->data + b->off;
	b->off += n;
	return 0;
}

/* Big-endian unsigned integer of n (<= 8) bytes. */
static int
buf_get_be(struct ua_buf *b, size_t n, uint64_t *ret)
{
	const uint8_t *p;
	uint64_t v = 0;
	size_t i;
	int r;

	r = ua_buf_get_bytes(b, n, &p);
	if (r < 0)
		return r;
	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	*ret = v;
	return 0;
}

int
ua_buf_get_u8(struct ua_buf *b, uint8_t *ret)
{
	uint64_t v;
	int r;

	r = buf_get_be(b, 1, &v);
	if (r < 0)
		return r;
	*ret = (uint8_t)v;
	return 0;
}

int
ua_buf_get_u16(struct ua_buf *b, uint16_t *ret)
{
	uint64_t v;
	int r;

	r = buf_get_be(b, 2, &v);
	if (r < 0)
		return r;
	*ret = (uint16_t)v;
	return 0;
}

int
ua_buf_get_u32(struct ua_buf *b, uint32_t *ret)
{
	uint64_t v;
	int r;

	r = buf_get_be(b, 4, &v);
	if (r < 0)
		return r;
	*ret = (uint32_t)v;
	return 0;
}

int
ua_buf_get_u64(struct ua_buf *b, uint64_t *ret)
{
	return buf_get_be(b, 8, ret);
}

int
ua_buf_get_str(struct ua_buf *b, size_t max, char **ret)
{
	const uint8_t *p;
	size_t n, off;
	char *s;

	if (ua_buf_left(b) < 2)
		return -EBADMSG;
	off = b->off;
	n = ((size_t)b->data[off] << 8) | b->data[off + 1];
	if (n > max)
		return -EMSGSIZE;
	if (n > ua_buf_left(b) - 2)
		return -EBADMSG;
	p = b->data + off + 2;
	if (memchr(p, '\0', n) != NULL)
		return -EBADMSG;
	s = malloc(n + 1);
	if (s == NULL)
		return -ENOMEM;
	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	/* Consume only once the whole string was accepted. */
	b->off = off + 2 + n;
	*ret = s;
	return 0;
}

int
ua_buf_end(const struct ua_buf *b)
{
	return ua_buf_left(b) == 0 ? 0 : -EBADMSG;
}
