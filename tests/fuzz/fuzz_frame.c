/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the frame reader and the ua_buf getters: bytes arrive in
 * small chunks over a socketpair, and ua_frame_rx/ua_frame_read must cut
 * exactly the frames a plain in-memory parse finds.  It must never use
 * more than two fds or block; a mismatch or a broken invariant aborts.
 *
 * run-fuzz-sources: common/client/frame.c common/client/buf.c
 * run-fuzz-sources: common/client/wipe.c
 *
 * Input: byte 0 picks the chunk size (1..32), byte 1 the frame cap
 * (16 * byte), the rest is the stream the peer sends.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/buf.h"
#include "client/frame.h"
#include "client/wipe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Larger streams could fill the socket buffer of the ua_frame_read pass. */
#define FUZZ_MAX_STREAM (32 * 1024)

#define check(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			abort();                                               \
	} while (0)

/* Walk a payload as a message: each op byte selects the next getter. */
static void
parse_message(const uint8_t *p, size_t n)
{
	struct ua_buf b, w;
	const uint8_t *bytes;
	uint8_t op, u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	char *s, *t;
	size_t left;

	ua_buf_view(&b, p, n);
	ua_buf_init(&w, 1024);
	while (ua_buf_get_u8(&b, &op) == 0) {
		left = ua_buf_left(&b);
		switch (op % 7) {
		case 0:
			(void)ua_buf_get_u8(&b, &u8);
			break;
		case 1:
			(void)ua_buf_get_u16(&b, &u16);
			break;
		case 2:
			(void)ua_buf_get_u32(&b, &u32);
			break;
		case 3:
			(void)ua_buf_get_u64(&b, &u64);
			break;
		case 4:
			if (ua_buf_get_bytes(&b, op / 7, &bytes) == 0)
				check(bytes >= p && bytes + op / 7 <= p + n);
			else
				check(ua_buf_left(&b) == left);
			break;
		case 5:
			if (ua_buf_get_str(&b, op, &s) < 0) {
				check(ua_buf_left(&b) == left);
				break;
			}
			check(strlen(s) <= op);
			check(ua_buf_left(&b) == left - 2 - strlen(s));
			/* What we read, we can write and read back. */
			if (ua_buf_put_str(&w, s) == 0) {
				check(ua_buf_get_str(&w, op, &t) == 0);
				check(strcmp(s, t) == 0);
				free(t);
			}
			ua_erase_free(s);
			break;
		default:
			check((ua_buf_end(&b) == 0) == (left == 0));
			break;
		}
	}
	check(ua_buf_left(&b) == 0 && ua_buf_end(&b) == 0);
	ua_buf_free(&w);
}

/*
 * Reference: the result of frame number idx in the stream, found by a
 * plain in-memory walk.  1 and the frame, or the error the reader must
 * report (-EMSGSIZE, or -ECONNRESET at the end of the stream).
 */
static int
ref_frame(const uint8_t *p, size_t n, size_t max, size_t idx,
    const uint8_t **ret, size_t *ret_len)
{
	size_t off = 0, len, i;

	for (i = 0;; i++) {
		if (n - off < UA_FRAME_HDR)
			return -ECONNRESET;
		len = ((size_t)p[off] << 24) | ((size_t)p[off + 1] << 16) |
		    ((size_t)p[off + 2] << 8) | p[off + 3];
		if (len > max)
			return -EMSGSIZE;
		off += UA_FRAME_HDR;
		if (n - off < len)
			return -ECONNRESET;
		if (i == idx) {
			*ret = p + off;
			*ret_len = len;
			return 1;
		}
		off += len;
	}
}

static void
check_frame(const uint8_t *s, size_t n, size_t max, size_t idx,
    const uint8_t *got, size_t got_len)
{
	const uint8_t *want;
	size_t want_len;

	check(ref_frame(s, n, max, idx, &want, &want_len) == 1);
	check(got != NULL && got_len == want_len);
	check(want_len == 0 || memcmp(got, want, want_len) == 0);
	parse_message(got, got_len);
}

/* Feed the stream chunk by chunk through the incremental reader. */
static void
rx_pass(const uint8_t *s, size_t n, size_t chunk, size_t max)
{
	struct ua_frame_rx rx;
	uint8_t *got;
	size_t off = 0, len, idx = 0, want_len;
	const uint8_t *want;
	ssize_t w;
	int sv[2], r = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
		sv) < 0)
		return;
	ua_frame_rx_init(&rx, max);
	while (r >= 0) {
		if (off < n) {
			len = n - off < chunk ? n - off : chunk;
			w = send(sv[0], s + off, len, MSG_NOSIGNAL);
			check(w > 0);
			off += (size_t)w;
		} else if (sv[0] >= 0) {
			(void)close(sv[0]);
			sv[0] = -1;
		}
		for (;;) {
			r = ua_frame_rx_feed(&rx, sv[1]);
			if (r != 1)
				break;
			ua_frame_rx_take(&rx, &got, &len);
			check_frame(s, n, max, idx++, got, len);
			ua_freezero(got, len == 0 ? 1 : len);
		}
		/* Every byte sent and EOF seen: the reader must say so. */
		check(r < 0 || sv[0] >= 0);
	}
	check(ref_frame(s, n, max, idx, &want, &want_len) == r);
	check(rx.body == NULL && rx.hdr_got == 0);
	ua_frame_rx_reset(&rx);
	if (sv[0] >= 0)
		(void)close(sv[0]);
	(void)close(sv[1]);
}

/* The same stream, sent at once, through the blocking-style reader. */
static void
read_pass(const uint8_t *s, size_t n, size_t max)
{
	uint8_t *got;
	size_t len, idx = 0, off = 0, want_len;
	const uint8_t *want;
	ssize_t w;
	int sv[2], r;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
		sv) < 0)
		return;
	while (off < n) {
		w = send(sv[0], s + off, n - off, MSG_NOSIGNAL);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	/* If the socket buffer was full, the stream is what fitted. */
	n = off;
	(void)close(sv[0]);
	for (;;) {
		r = ua_frame_read(sv[1], max, 0, &got, &len);
		if (r < 0)
			break;
		check_frame(s, n, max, idx++, got, len);
		ua_freezero(got, len == 0 ? 1 : len);
	}
	check(ref_frame(s, n, max, idx, &want, &want_len) == r);
	(void)close(sv[1]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunk, max;

	parse_message(data, size);
	if (size < 2 || size - 2 > FUZZ_MAX_STREAM)
		return 0;
	chunk = (size_t)(data[0] % 32) + 1;
	max = (size_t)data[1] * 16;
	rx_pass(data + 2, size - 2, chunk, max);
	read_pass(data + 2, size - 2, max);
	return 0;
}
