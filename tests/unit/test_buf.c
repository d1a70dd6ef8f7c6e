/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/client/buf.c: the ceiling, the getters' bounds,
 * big-endian layout, string rules and wiping frees.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "client/buf.h"

static void
test_put_ints_are_big_endian(void **state)
{
	static const uint8_t want[] = {
		0xab,
		0x12,
		0x34,
		0xde,
		0xad,
		0xbe,
		0xef,
		0x01,
		0x02,
		0x03,
		0x04,
		0x05,
		0x06,
		0x07,
		0x08,
	};
	struct ua_buf b;

	(void)state;
	ua_buf_init(&b, 64);
	assert_int_equal(ua_buf_put_u8(&b, 0xab), 0);
	assert_int_equal(ua_buf_put_u16(&b, 0x1234), 0);
	assert_int_equal(ua_buf_put_u32(&b, 0xdeadbeef), 0);
	assert_int_equal(ua_buf_put_u64(&b, 0x0102030405060708ULL), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	ua_buf_free(&b);
}

static void
test_get_ints_round_trip(void **state)
{
	struct ua_buf b;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	(void)state;
	ua_buf_init(&b, 64);
	assert_int_equal(ua_buf_put_u8(&b, 0xff), 0);
	assert_int_equal(ua_buf_put_u16(&b, 0xfffe), 0);
	assert_int_equal(ua_buf_put_u32(&b, 0xfffffffd), 0);
	assert_int_equal(ua_buf_put_u64(&b, UINT64_MAX - 3), 0);
	assert_int_equal(ua_buf_get_u8(&b, &u8), 0);
	assert_int_equal(ua_buf_get_u16(&b, &u16), 0);
	assert_int_equal(ua_buf_get_u32(&b, &u32), 0);
	assert_int_equal(ua_buf_get_u64(&b, &u64), 0);
	assert_int_equal(u8, 0xff);
	assert_int_equal(u16, 0xfffe);
	assert_int_equal(u32, 0xfffffffd);
	assert_true(u64 == UINT64_MAX - 3);
	assert_int_equal(ua_buf_end(&b), 0);
	ua_buf_free(&b);
}

static void
test_put_past_ceiling_is_emsgsize_and_changes_nothing(void **state)
{
	struct ua_buf b;

	(void)state;
	ua_buf_init(&b, 5);
	assert_int_equal(ua_buf_put_u32(&b, 1), 0);
	assert_int_equal(ua_buf_put_u16(&b, 2), -EMSGSIZE);
	assert_int_equal(b.len, 4);
	assert_int_equal(ua_buf_put_u8(&b, 3), 0);
	assert_int_equal(ua_buf_put_u8(&b, 4), -EMSGSIZE);
	assert_int_equal(b.len, 5);
	ua_buf_free(&b);
}

static void
test_put_huge_size_does_not_overflow(void **state)
{
	struct ua_buf b;
	char c = 'x';

	(void)state;
	ua_buf_init(&b, SIZE_MAX);
	assert_int_equal(ua_buf_put(&b, &c, 1), 0);
	/* len + n wraps around: must be refused before any copy. */
	assert_int_equal(ua_buf_put(&b, &c, SIZE_MAX), -EMSGSIZE);
	assert_int_equal(b.len, 1);
	ua_buf_free(&b);
}

static void
test_zero_ceiling_refuses_every_byte(void **state)
{
	struct ua_buf b;

	(void)state;
	ua_buf_init(&b, 0);
	assert_int_equal(ua_buf_put_u8(&b, 1), -EMSGSIZE);
	assert_int_equal(ua_buf_put(&b, NULL, 0), 0);
	assert_null(b.data);
	ua_buf_free(&b);
}

static void
test_writer_grows_up_to_ceiling_keeping_bytes(void **state)
{
	struct ua_buf b;
	uint8_t chunk[100];
	size_t i, j;

	(void)state;
	ua_buf_init(&b, 10000);
	for (i = 0; i < 100; i++) {
		memset(chunk, (int)i, sizeof(chunk));
		assert_int_equal(ua_buf_put(&b, chunk, sizeof(chunk)), 0);
	}
	assert_int_equal(b.len, 10000);
	assert_true(b.cap <= b.max);
	for (i = 0; i < 100; i++)
		for (j = 0; j < 100; j++)
			assert_int_equal(b.data[i * 100 + j], i);
	assert_int_equal(ua_buf_put_u8(&b, 0), -EMSGSIZE);
	ua_buf_free(&b);
}

static void
test_put_on_view_is_erofs(void **state)
{
	static const uint8_t bytes[4] = { 0 };
	struct ua_buf b;

	(void)state;
	ua_buf_view(&b, bytes, sizeof(bytes));
	assert_int_equal(ua_buf_put_u8(&b, 1), -EROFS);
	assert_int_equal(ua_buf_put_str(&b, ""), -EROFS);
	assert_int_equal(ua_buf_put(&b, NULL, 0), -EROFS);
	ua_buf_free(&b);
}

static void
test_put_str_writes_length_and_bytes_without_nul(void **state)
{
	static const uint8_t want[] = { 0, 3, 's', 'a', 'm', 0, 0 };
	struct ua_buf b;

	(void)state;
	ua_buf_init(&b, 64);
	assert_int_equal(ua_buf_put_str(&b, "sam"), 0);
	assert_int_equal(ua_buf_put_str(&b, ""), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	ua_buf_free(&b);
}

static void
test_put_str_over_65535_bytes_is_emsgsize(void **state)
{
	struct ua_buf b;
	char *s;

	(void)state;
	s = malloc(65537);
	assert_non_null(s);
	memset(s, 'a', 65536);
	s[65536] = '\0';
	ua_buf_init(&b, 1 << 20);
	assert_int_equal(ua_buf_put_str(&b, s), -EMSGSIZE);
	s[65535] = '\0';
	assert_int_equal(ua_buf_put_str(&b, s), 0);
	assert_int_equal(b.len, 2 + 65535);
	ua_buf_free(&b);
	free(s);
}

static void
test_put_str_at_ceiling_writes_nothing(void **state)
{
	struct ua_buf b;

	(void)state;
	/* Room for the length but not the bytes: no orphan length. */
	ua_buf_init(&b, 4);
	assert_int_equal(ua_buf_put_str(&b, "abc"), -EMSGSIZE);
	assert_int_equal(b.len, 0);
	assert_int_equal(ua_buf_put_str(&b, "ab"), 0);
	ua_buf_free(&b);
}

static void
test_get_on_short_buffer_is_ebadmsg_and_keeps_ret(void **state)
{
	static const uint8_t bytes[3] = { 1, 2, 3 };
	struct ua_buf b;
	uint32_t u32 = 77;
	uint64_t u64 = 77;
	const uint8_t *p = NULL;

	(void)state;
	ua_buf_view(&b, bytes, sizeof(bytes));
	assert_int_equal(ua_buf_get_u32(&b, &u32), -EBADMSG);
	assert_int_equal(ua_buf_get_u64(&b, &u64), -EBADMSG);
	assert_int_equal(ua_buf_get_bytes(&b, 4, &p), -EBADMSG);
	assert_int_equal(u32, 77);
	assert_true(u64 == 77);
	assert_null(p);
	assert_int_equal(ua_buf_left(&b), 3);
	ua_buf_free(&b);
}

static void
test_get_bytes_points_into_view_and_advances(void **state)
{
	static const uint8_t bytes[5] = { 1, 2, 3, 4, 5 };
	struct ua_buf b;
	const uint8_t *p;

	(void)state;
	ua_buf_view(&b, bytes, sizeof(bytes));
	assert_int_equal(ua_buf_get_bytes(&b, 2, &p), 0);
	assert_ptr_equal(p, bytes);
	assert_int_equal(ua_buf_get_bytes(&b, 3, &p), 0);
	assert_ptr_equal(p, bytes + 2);
	assert_int_equal(ua_buf_left(&b), 0);
	assert_int_equal(ua_buf_get_bytes(&b, 0, &p), 0);
	assert_int_equal(ua_buf_get_bytes(&b, SIZE_MAX, &p), -EBADMSG);
	ua_buf_free(&b);
}

static void
test_get_str_round_trip(void **state)
{
	struct ua_buf b;
	char *s = NULL, *e = NULL;

	(void)state;
	ua_buf_init(&b, 64);
	assert_int_equal(ua_buf_put_str(&b, "alice"), 0);
	assert_int_equal(ua_buf_put_str(&b, ""), 0);
	assert_int_equal(ua_buf_get_str(&b, 5, &s), 0);
	assert_string_equal(s, "alice");
	assert_int_equal(ua_buf_get_str(&b, 0, &e), 0);
	assert_string_equal(e, "");
	assert_int_equal(ua_buf_end(&b), 0);
	free(s);
	free(e);
	ua_buf_free(&b);
}

static void
test_get_str_rejects_embedded_nul(void **state)
{
	static const uint8_t bytes[] = { 0, 3, 'a', 0, 'b' };
	struct ua_buf b;
	char *s = NULL;

	(void)state;
	ua_buf_view(&b, bytes, sizeof(bytes));
	assert_int_equal(ua_buf_get_str(&b, 64, &s), -EBADMSG);
	assert_null(s);
	assert_int_equal(ua_buf_left(&b), sizeof(bytes));
}

static void
test_get_str_rejects_over_max(void **state)
{
	static const uint8_t bytes[] = { 0, 4, 'a', 'b', 'c', 'd' };
	struct ua_buf b;
	char *s = NULL;

	(void)state;
	ua_buf_view(&b, bytes, sizeof(bytes));
	assert_int_equal(ua_buf_get_str(&b, 3, &s), -EMSGSIZE);
	assert_null(s);
	assert_int_equal(ua_buf_left(&b), sizeof(bytes));
	assert_int_equal(ua_buf_get_str(&b, 4, &s), 0);
	assert_string_equal(s, "abcd");
	free(s);
}

static void
test_get_str_rejects_length_past_end(void **state)
{
	static const uint8_t bytes[] = { 0xff, 0xff, 'a', 'b' };
	static const uint8_t half[] = { 0 };
	struct ua_buf b;
	char *s = NULL;

	(void)state;
	ua_buf_view(&b, bytes, sizeof(bytes));
	assert_int_equal(ua_buf_get_str(&b, SIZE_MAX, &s), -EBADMSG);
	ua_buf_view(&b, half, sizeof(half));
	assert_int_equal(ua_buf_get_str(&b, SIZE_MAX, &s), -EBADMSG);
	assert_null(s);
}

static void
test_end_rejects_trailing_bytes(void **state)
{
	static const uint8_t bytes[] = { 0, 1, 2 };
	struct ua_buf b;
	uint16_t v;

	(void)state;
	ua_buf_view(&b, bytes, sizeof(bytes));
	assert_int_equal(ua_buf_get_u16(&b, &v), 0);
	assert_int_equal(ua_buf_end(&b), -EBADMSG);
	assert_int_equal(ua_buf_left(&b), 1);
}

static void
test_view_of_null_is_empty(void **state)
{
	struct ua_buf b;
	uint8_t v;

	(void)state;
	ua_buf_view(&b, NULL, 10);
	assert_int_equal(ua_buf_left(&b), 0);
	assert_int_equal(ua_buf_get_u8(&b, &v), -EBADMSG);
	assert_int_equal(ua_buf_end(&b), 0);
}

static void
test_free_leaves_reusable_writer_and_accepts_null(void **state)
{
	struct ua_buf b;

	(void)state;
	ua_buf_free(NULL);
	ua_buf_init(&b, 8);
	assert_int_equal(ua_buf_put_u64(&b, 1), 0);
	ua_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.max, 8);
	assert_int_equal(ua_buf_put_u64(&b, 2), 0);
	ua_buf_free(&b);
	ua_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_ints_are_big_endian),
		cmocka_unit_test(test_get_ints_round_trip),
		cmocka_unit_test(
		    test_put_past_ceiling_is_emsgsize_and_changes_nothing),
		cmocka_unit_test(test_put_huge_size_does_not_overflow),
		cmocka_unit_test(test_zero_ceiling_refuses_every_byte),
		cmocka_unit_test(test_writer_grows_up_to_ceiling_keeping_bytes),
		cmocka_unit_test(test_put_on_view_is_erofs),
		cmocka_unit_test(
		    test_put_str_writes_length_and_bytes_without_nul),
		cmocka_unit_test(test_put_str_over_65535_bytes_is_emsgsize),
		cmocka_unit_test(test_put_str_at_ceiling_writes_nothing),
		cmocka_unit_test(
		    test_get_on_short_buffer_is_ebadmsg_and_keeps_ret),
		cmocka_unit_test(test_get_bytes_points_into_view_and_advances),
		cmocka_unit_test(test_get_str_round_trip),
		cmocka_unit_test(test_get_str_rejects_embedded_nul),
		cmocka_unit_test(test_get_str_rejects_over_max),
		cmocka_unit_test(test_get_str_rejects_length_past_end),
		cmocka_unit_test(test_end_rejects_trailing_bytes),
		cmocka_unit_test(test_view_of_null_is_empty),
		cmocka_unit_test(
		    test_free_leaves_reusable_writer_and_accepts_null),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
