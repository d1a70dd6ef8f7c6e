/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/client/sha256.c: the FIPS 180-2 / NIST CSRC
 * example messages, every padding boundary (digests from coreutils
 * sha256sum), incremental input split anywhere, and the digest compare.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/sha256.h"

static void
hex(const uint8_t d[UA_SHA256_LEN], char out[2 * UA_SHA256_LEN + 1])
{
	size_t i;

	for (i = 0; i < UA_SHA256_LEN; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void
expect(const void *p, size_t n, const char *want)
{
	uint8_t d[UA_SHA256_LEN];
	char got[2 * UA_SHA256_LEN + 1];

	ua_sha256(p, n, d);
	hex(d, got);
	assert_string_equal(got, want);
}

/* NIST's examples: one block, empty, two blocks, 896 bits, 10^6 'a'. */
static void
test_nist_vectors(void **state)
{
	static const char two[] =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char b896[] =
	    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	struct ua_sha256 c;
	uint8_t d[UA_SHA256_LEN], a[1000];
	char got[2 * UA_SHA256_LEN + 1];
	int i;

	(void)state;
	expect("abc", 3,
	    "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	expect("", 0,
	    "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	expect(NULL, 0,
	    "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	expect(two, strlen(two),
	    "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
	expect(b896, strlen(b896),
	    "cf5b16a778af8380036ce59e7b049237"
	    "0b249b11e8f07a51afac45037afee9d1");
	memset(a, 'a', sizeof(a));
	ua_sha256_init(&c);
	for (i = 0; i < 1000; i++)
		ua_sha256_update(&c, a, sizeof(a));
	ua_sha256_final(&c, d);
	hex(d, got);
	assert_string_equal(got,
	    "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
}

/* Around 56 and 64 bytes the length does or does not fit the last block. */
static void
test_padding_boundaries(void **state)
{
	static const struct {
		size_t n;
		const char *d;
	} v[] = {
		{ 55,
		    "d5e285683cd4efc02d021a5c62014694"
		    "958901005d6f71e89e0989fac77e4072" },
		{ 56,
		    "04c26261370ee7541549d16dee320c72"
		    "3e3fd14671e66a099afe0a377c16888e" },
		{ 63,
		    "75220b47218278e656f2013bb8f0c455"
		    "a25eaf01e86c64924e9d48d89776d6f2" },
		{ 64,
		    "7ce100971f64e7001e8fe5a51973ecdf"
		    "e1ced42befe7ee8d5fd6219506b5393c" },
		{ 65,
		    "9537c5fdf120482f7d58d25e9ed583f5"
		    "2c02b4e304ea814db1633ad565aed7e9" },
		{ 119,
		    "000b48d4edf0fa7bee3c6236ecd2785b"
		    "aa5db4eeb8bb54341b029e0d9fa5fb0c" },
		{ 120,
		    "13f05a0b594787f5ecd315edc96141bd"
		    "3243203d1b7d4f0836f37308b276ba98" },
	};
	uint8_t x[128];
	size_t i;

	(void)state;
	memset(x, 'x', sizeof(x));
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		expect(x, v[i].n, v[i].d);
}

/* Any split of the input into two updates gives the one-call digest. */
static void
test_incremental_equals_one_shot(void **state)
{
	uint8_t msg[200], whole[UA_SHA256_LEN], parts[UA_SHA256_LEN];
	struct ua_sha256 c;
	size_t n, cut;

	(void)state;
	for (n = 0; n < sizeof(msg); n++)
		msg[n] = (uint8_t)(n * 7 + 1);
	for (n = 0; n <= sizeof(msg); n += 13) {
		ua_sha256(msg, n, whole);
		for (cut = 0; cut <= n; cut++) {
			ua_sha256_init(&c);
			ua_sha256_update(&c, msg, cut);
			ua_sha256_update(&c, NULL, 0);
			ua_sha256_update(&c, msg + cut, n - cut);
			ua_sha256_final(&c, parts);
			assert_memory_equal(whole, parts, UA_SHA256_LEN);
		}
	}
}

static void
test_equal_looks_at_every_byte(void **state)
{
	uint8_t a[UA_SHA256_LEN], b[UA_SHA256_LEN];
	size_t i;

	(void)state;
	ua_sha256("abc", 3, a);
	memcpy(b, a, sizeof(b));
	assert_true(ua_sha256_equal(a, b));
	for (i = 0; i < UA_SHA256_LEN; i++) {
		b[i] ^= 0x01;
		assert_false(ua_sha256_equal(a, b));
		b[i] ^= 0x81;
		assert_false(ua_sha256_equal(a, b));
		b[i] ^= 0x80;
	}
	assert_true(ua_sha256_equal(a, b));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nist_vectors),
		cmocka_unit_test(test_padding_boundaries),
		cmocka_unit_test(test_incremental_equals_one_shot),
		cmocka_unit_test(test_equal_looks_at_every_byte),
	};

	return cmocka_run_group_tests_name("sha256", tests, NULL, NULL);
}
