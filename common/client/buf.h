/* SPDX-License-Identifier: MIT */
/*
 * struct ua_buf: the one bounded buffer every outside byte goes through.
 * A writer grows up to a ceiling fixed at creation; a reader is a view over
 * bytes it does not own, and every getter checks what is left.  Integers
 * are big-endian on the wire.  Buffers are wiped when freed.
 */
#ifndef UA_BUF_H
#define UA_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ua_buf {
	uint8_t *data; /* owned when writable */
	size_t len;    /* bytes written / bytes in the view */
	size_t cap;    /* allocated bytes (writer) */
	size_t max;    /* ceiling for len (writer) */
	size_t off;    /* read position */
	bool readonly; /* a view: data is not ours */
};

/* Empty writer that may grow to max bytes.  Never fails (allocates lazily). */
void ua_buf_init(struct ua_buf *b, size_t max);

/* Read-only view over n bytes at p (not copied, not freed). */
void ua_buf_view(struct ua_buf *b, const void *p, size_t n);

/*
 * Wipe and free a writer's storage (it stays a usable empty writer with the
 * same ceiling); a view is just reset.  NULL is fine.
 */
void ua_buf_free(struct ua_buf *b);

/*
 * Append.  -EMSGSIZE past the ceiling, -ENOMEM, -EROFS on a view.  A
 * failed put leaves the buffer as it was (nothing half-written).
 */
int ua_buf_put(struct ua_buf *b, const void *p, size_t n);
int ua_buf_put_u8(struct ua_buf *b, uint8_t v);
int ua_buf_put_u16(struct ua_buf *b, uint16_t v);
int ua_buf_put_u32(struct ua_buf *b, uint32_t v);
int ua_buf_put_u64(struct ua_buf *b, uint64_t v);
/* u16 length + bytes (no NUL).  Strings over 65535 bytes: -EMSGSIZE. */
int ua_buf_put_str(struct ua_buf *b, const char *s);

/* Bytes left to read. */
size_t ua_buf_left(const struct ua_buf *b);

/* Getters: -EBADMSG when too few bytes remain; *ret written only on success. */
int ua_buf_get_u8(struct ua_buf *b, uint8_t *ret);
int ua_buf_get_u16(struct ua_buf *b, uint16_t *ret);
int ua_buf_get_u32(struct ua_buf *b, uint32_t *ret);
int ua_buf_get_u64(struct ua_buf *b, uint64_t *ret);
/* Pointer to the next n bytes inside the buffer (not copied). */
int ua_buf_get_bytes(struct ua_buf *b, size_t n, const uint8_t **ret);
/*
 * u16 length + bytes, copied into a new NUL-terminated string the caller
 * frees (ua_erase_free for secrets).  -EMSGSIZE if longer than max,
 * -EBADMSG for an embedded NUL or a short buffer, -ENOMEM.
 */
int ua_buf_get_str(struct ua_buf *b, size_t max, char **ret);

/* 0 when every byte was read, else -EBADMSG (trailing garbage). */
int ua_buf_end(const struct ua_buf *b);

#endif
