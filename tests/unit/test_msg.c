/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the public socket's message codec (common/client/proto.c):
 * every rule ua_msg_decode applies to the bytes of a frame (header,
 * version, type, field count, tags, repeats, lengths, caps, NULs,
 * truncation, trailing bytes), that a refused message leaves nothing
 * behind, and that encode and decode agree.  Frames are built byte by
 * byte here, not with ua_msg_encode, so that the two cannot share a bug.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "client/frame.h"
#include "client/proto.h"
#include "client/wipe.h"

/* A raw frame payload under construction. */
struct raw {
	uint8_t p[2 * UA_MAX_FRAME];
	size_t n;
};

static void
raw_u16(struct raw *r, uint16_t v)
{
	assert_true(r->n + 2 <= sizeof(r->p));
	r->p[r->n++] = (uint8_t)(v >> 8);
	r->p[r->n++] = (uint8_t)v;
}

static void
raw_bytes(struct raw *r, const void *p, size_t n)
{
	assert_true(r->n + n <= sizeof(r->p));
	memcpy(r->p + r->n, p, n);
	r->n += n;
}

/* version, type, count */
static void
raw_head(struct raw *r, uint16_t version, uint16_t type, uint16_t count)
{
	r->n = 0;
	raw_u16(r, version);
	raw_u16(r, type);
	raw_u16(r, count);
}

/* tag, u16 length, n bytes of p */
static void
raw_field(struct raw *r, uint16_t tag, const void *p, size_t n)
{
	raw_u16(r, tag);
	raw_u16(r, (uint16_t)n);
	raw_bytes(r, p, n);
}

static void
raw_str(struct raw *r, uint16_t tag, const char *s)
{
	raw_field(r, tag, s, strlen(s));
}

/*
 * Decode and expect refusal with want; the output must be left as it
 * was (a sentinel), since a refused message keeps nothing.
 */
static void
expect_refused(const struct raw *r, int want)
{
	struct ua_msg m;

	memset(&m, 0xa5, sizeof(m));
	assert_int_equal(ua_msg_decode(r->p, r->n, &m), want);
	assert_int_equal(m.n, (size_t)0xa5a5a5a5a5a5a5a5ULL);
	assert_int_equal(m.type, 0xa5a5);
}

static void
decode_ok(const struct raw *r, struct ua_msg *m)
{
	assert_int_equal(ua_msg_decode(r->p, r->n, m), 0);
}

/* An INITIATE as the PAM module sends it, field by field. */
static void
test_decode_initiate(void **state)
{
	struct raw r;
	struct ua_msg m;

	(void)state;
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_INITIATE, 4);
	raw_str(&r, UA_T_POOL, "staff");
	raw_str(&r, UA_T_USER, "sam");
	raw_str(&r, UA_T_SERVICE, "sshd");
	raw_str(&r, UA_T_RHOST, "192.0.2.1");
	decode_ok(&r, &m);
	assert_int_equal(m.type, UA_MSG_INITIATE);
	assert_int_equal(m.n, 4);
	assert_string_equal(ua_msg_get(&m, UA_T_POOL), "staff");
	assert_string_equal(ua_msg_get(&m, UA_T_USER), "sam");
	assert_string_equal(ua_msg_get(&m, UA_T_SERVICE), "sshd");
	assert_string_equal(ua_msg_get(&m, UA_T_RHOST), "192.0.2.1");
	assert_null(ua_msg_get(&m, UA_T_TTY));
	/* Order is kept; len is the value's. */
	assert_int_equal(m.f[3].tag, UA_T_RHOST);
	assert_int_equal(m.f[3].len, 9);
	ua_msg_clear(&m);
	assert_int_equal(m.n, 0);
}

static void
test_decode_respond_and_chpass(void **state)
{
	struct raw r;
	struct ua_msg m;

	(void)state;
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_RESPOND, 2);
	raw_str(&r, UA_T_CHALLENGE, "PASSWORD");
	raw_str(&r, UA_T_ANSWER, "correct horse");
	decode_ok(&r, &m);
	assert_string_equal(ua_msg_get(&m, UA_T_ANSWER), "correct horse");
	ua_msg_clear(&m);

	raw_head(&r, UA_PROTO_VERSION, UA_MSG_CHPASS, 5);
	raw_str(&r, UA_T_POOL, "staff");
	raw_str(&r, UA_T_USER, "sam");
	raw_str(&r, UA_T_SERVICE, "passwd");
	raw_str(&r, UA_T_OLD_PASSWORD, "old pw");
	raw_str(&r, UA_T_NEW_PASSWORD, "new pw");
	decode_ok(&r, &m);
	assert_string_equal(ua_msg_get(&m, UA_T_OLD_PASSWORD), "old pw");
	assert_string_equal(ua_msg_get(&m, UA_T_NEW_PASSWORD), "new pw");
	ua_msg_clear(&m);
}

/* Fewer than the 6 header bytes: malformed, whatever they are. */
static void
test_short_header_refused(void **state)
{
	struct raw r;
	struct ua_msg m;
	size_t n;

	(void)state;
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_PING, 0);
	for (n = 0; n < 6; n++) {
		r.n = n;
		expect_refused(&r, -EBADMSG);
	}
	assert_int_equal(ua_msg_decode(NULL, 0, &m), -EBADMSG);
	r.n = 6;
	decode_ok(&r, &m);
	assert_int_equal(m.type, UA_MSG_PING);
	assert_int_equal(m.n, 0);
}

static void
test_other_versions_refused(void **state)
{
	static const uint16_t bad[] = { 0, UA_PROTO_VERSION + 1, 0x0100,
		0xffff };
	struct raw r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		raw_head(&r, bad[i], UA_MSG_PING, 0);
		expect_refused(&r, -EPROTONOSUPPORT);
	}
}

static void
test_every_known_type_and_no_other(void **state)
{
	static const uint16_t bad[] = { 0, UA_MSG_MAX + 1, 0x0100, 0xffff };
	struct raw r;
	struct ua_msg m;
	uint16_t t;
	size_t i;

	(void)state;
	for (t = 1; t <= UA_MSG_MAX; t++) {
		raw_head(&r, UA_PROTO_VERSION, t, 0);
		decode_ok(&r, &m);
		assert_int_equal(m.type, t);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		raw_head(&r, UA_PROTO_VERSION, bad[i], 0);
		expect_refused(&r, -EBADMSG);
	}
}

/* Every tag 1..UA_T_MAX is accepted, and 0 or past the last is not. */
static void
test_every_known_tag_and_no_other(void **state)
{
	static const uint16_t bad[] = { 0, UA_T_MAX + 1, 32, 0x0101, 0xffff };
	struct raw r;
	struct ua_msg m;
	uint16_t t;
	size_t i;

	(void)state;
	for (t = 1; t <= UA_T_MAX; t++) {
		raw_head(&r, UA_PROTO_VERSION, UA_MSG_INITIATE, 1);
		raw_str(&r, t, "v");
		decode_ok(&r, &m);
		assert_int_equal(m.f[0].tag, t);
		ua_msg_clear(&m);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		raw_head(&r, UA_PROTO_VERSION, UA_MSG_INITIATE, 2);
		raw_str(&r, UA_T_POOL, "staff");
		raw_str(&r, bad[i], "v");
		expect_refused(&r, -EBADMSG);
	}
}

/* A tag may appear once: the second POOL (or USER) is refused. */
static void
test_repeated_tag_refused(void **state)
{
	struct raw r;

	(void)state;
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_INITIATE, 3);
	raw_str(&r, UA_T_POOL, "staff");
	raw_str(&r, UA_T_USER, "sam");
	raw_str(&r, UA_T_POOL, "other");
	expect_refused(&r, -EBADMSG);
	/* The same value twice is refused all the same. */
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_RESPOND, 2);
	raw_str(&r, UA_T_ANSWER, "x");
	raw_str(&r, UA_T_ANSWER, "x");
	expect_refused(&r, -EBADMSG);
	/* The highest tag too (the seen-set's last bit). */
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_CHPASS, 2);
	raw_str(&r, UA_T_MAX, "a");
	raw_str(&r, UA_T_MAX, "b");
	expect_refused(&r, -EBADMSG);
}

/* UA_MSG_MAX_FIELDS fields pass; one more in the count does not. */
static void
test_field_count_cap(void **state)
{
	struct raw r;
	struct ua_msg m;
	uint16_t t;

	(void)state;
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_CHALLENGE, UA_MSG_MAX_FIELDS);
	for (t = 1; t <= UA_MSG_MAX_FIELDS; t++)
		raw_str(&r, t, "v");
	decode_ok(&r, &m);
	assert_int_equal(m.n, UA_MSG_MAX_FIELDS);
	ua_msg_clear(&m);
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_CHALLENGE, UA_MSG_MAX_FIELDS + 1);
	for (t = 1; t <= UA_MSG_MAX_FIELDS + 1; t++)
		raw_str(&r, t, "v");
	expect_refused(&r, -EBADMSG);
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_CHALLENGE, 0xffff);
	expect_refused(&r, -EBADMSG);
}

/* A count above the fields present, or below (trailing bytes). */
static void
test_count_must_match_fields(void **state)
{
	struct raw r;

	(void)state;
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_INITIATE, 3);
	raw_str(&r, UA_T_POOL, "staff");
	raw_str(&r, UA_T_USER, "sam");
	expect_refused(&r, -EBADMSG);
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_INITIATE, 1);
	raw_str(&r, UA_T_POOL, "staff");
	raw_str(&r, UA_T_USER, "sam");
	expect_refused(&r, -EBADMSG);
	/* one stray byte after a complete message */
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_PING, 0);
	raw_bytes(&r, "\0", 1);
	expect_refused(&r, -EBADMSG);
}

/* Every cut of a valid message short of its end is refused. */
static void
test_every_truncation_refused(void **state)
{
	struct raw r;
	struct ua_msg m;
	size_t full, n;

	(void)state;
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_RESPOND, 2);
	raw_str(&r, UA_T_CHALLENGE, "EMAIL_OTP");
	raw_str(&r, UA_T_ANSWER, "12345678");
	full = r.n;
	for (n = 0; n < full; n++) {
		r.n = n;
		expect_refused(&r, -EBADMSG);
	}
	r.n = full;
	decode_ok(&r, &m);
	ua_msg_clear(&m);
}

/* A length running past the end is malformed, not over the cap. */
static void
test_length_past_end_refused(void **state)
{
	struct raw r;

	(void)state;
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_INITIATE, 1);
	raw_u16(&r, UA_T_POOL);
	raw_u16(&r, 10);
	raw_bytes(&r, "staff", 5);
	expect_refused(&r, -EBADMSG);
	/* a tag with no length at all */
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_INITIATE, 1);
	raw_u16(&r, UA_T_POOL);
	raw_bytes(&r, "\0", 1);
	expect_refused(&r, -EBADMSG);
}

/* Values of exactly UA_FIELD_MAX bytes pass; one more is -EMSGSIZE. */
static void
test_value_size_cap(void **state)
{
	static char big[UA_FIELD_MAX + 2];
	struct raw r;
	struct ua_msg m;

	(void)state;
	memset(big, 'q', sizeof(big) - 1);
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_CHALLENGE, 1);
	raw_field(&r, UA_T_INFO, big, UA_FIELD_MAX);
	decode_ok(&r, &m);
	assert_int_equal(m.f[0].len, UA_FIELD_MAX);
	assert_int_equal(strlen(ua_msg_get(&m, UA_T_INFO)), UA_FIELD_MAX);
	ua_msg_clear(&m);
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_CHALLENGE, 1);
	raw_field(&r, UA_T_INFO, big, UA_FIELD_MAX + 1);
	expect_refused(&r, -EMSGSIZE);
	/* the cap is judged on the length, before the bytes are there */
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_CHALLENGE, 1);
	raw_u16(&r, UA_T_INFO);
	raw_u16(&r, 0xffff);
	expect_refused(&r, -EMSGSIZE);
}

/* The biggest message a frame holds: fields up to UA_MAX_FRAME bytes. */
static void
test_largest_frame_decodes(void **state)
{
	static char big[UA_FIELD_MAX];
	struct raw r;
	struct ua_msg m;
	uint8_t *enc = NULL;
	size_t enc_len = 0, room;
	uint16_t t, count = 0;

	(void)state;
	memset(big, 'z', sizeof(big));
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_CHALLENGE, 0);
	room = UA_MAX_FRAME - r.n;
	for (t = 1; t <= UA_MSG_MAX_FIELDS && room >= 4; t++, count++) {
		size_t len = room - 4 < UA_FIELD_MAX ? room - 4 : UA_FIELD_MAX;

		raw_field(&r, t, big, len);
		room -= 4 + len;
	}
	r.p[4] = (uint8_t)(count >> 8);
	r.p[5] = (uint8_t)count;
	assert_int_equal(r.n, UA_MAX_FRAME);
	decode_ok(&r, &m);
	assert_int_equal(m.n, count);
	/* ... and it encodes back to the same bytes, within the ceiling */
	assert_int_equal(ua_msg_encode(&m, &enc, &enc_len), 0);
	assert_int_equal(enc_len, r.n);
	assert_memory_equal(enc, r.p, r.n);
	ua_freezero(enc, enc_len);
	/* one (empty) field more does not fit an encoded frame */
	assert_int_equal(ua_msg_add(&m, UA_T_MAX, ""), 0);
	assert_int_equal(ua_msg_encode(&m, &enc, &enc_len), -EMSGSIZE);
	ua_msg_clear(&m);
}

static void
test_embedded_nul_refused(void **state)
{
	struct raw r;

	(void)state;
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_RESPOND, 2);
	raw_str(&r, UA_T_CHALLENGE, "PASSWORD");
	raw_field(&r, UA_T_ANSWER, "pass\0word", 9);
	expect_refused(&r, -EBADMSG);
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_RESPOND, 1);
	raw_field(&r, UA_T_ANSWER, "\0", 1);
	expect_refused(&r, -EBADMSG);
}

/* An empty value is a value: "" (the empty password asks for a code). */
static void
test_empty_value_kept(void **state)
{
	struct raw r;
	struct ua_msg m;

	(void)state;
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_RESPOND, 2);
	raw_str(&r, UA_T_CHALLENGE, "PASSWORD");
	raw_str(&r, UA_T_ANSWER, "");
	decode_ok(&r, &m);
	assert_non_null(ua_msg_get(&m, UA_T_ANSWER));
	assert_string_equal(ua_msg_get(&m, UA_T_ANSWER), "");
	assert_int_equal(m.f[1].len, 0);
	ua_msg_clear(&m);
}

/*
 * The codec carries bytes: UTF-8 and control characters are judged by
 * who reads a field (auth.c's take_text, ua_valid_password), not here.
 * This pins that down, so moving the check is a visible decision.
 */
static void
test_utf8_is_not_judged_by_the_codec(void **state)
{
	struct raw r;
	struct ua_msg m;

	(void)state;
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_INITIATE, 2);
	raw_str(&r, UA_T_USER, "\xff\xfe\xc0\x80");
	raw_str(&r, UA_T_SERVICE, "a\nb\x1b");
	decode_ok(&r, &m);
	assert_string_equal(ua_msg_get(&m, UA_T_USER), "\xff\xfe\xc0\x80");
	ua_msg_clear(&m);
}

/* Refused after fields were taken: those are freed (ASan's leak check). */
static void
test_refusal_after_fields_frees_them(void **state)
{
	struct raw r;

	(void)state;
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_CHPASS, 4);
	raw_str(&r, UA_T_POOL, "staff");
	raw_str(&r, UA_T_OLD_PASSWORD, "secret one");
	raw_str(&r, UA_T_NEW_PASSWORD, "secret two");
	raw_str(&r, UA_T_POOL, "again");
	expect_refused(&r, -EBADMSG);
	raw_head(&r, UA_PROTO_VERSION, UA_MSG_CHPASS, 2);
	raw_str(&r, UA_T_OLD_PASSWORD, "secret one");
	raw_str(&r, UA_T_NEW_PASSWORD, "secret two");
	raw_bytes(&r, "x", 1);
	expect_refused(&r, -EBADMSG);
}

/* What ua_msg_encode writes, ua_msg_decode reads back unchanged. */
static void
test_encode_decode_round_trip(void **state)
{
	struct ua_msg a, b;
	uint8_t *p = NULL;
	size_t n = 0, i;

	(void)state;
	ua_msg_init(&a, UA_MSG_CHALLENGE);
	assert_int_equal(ua_msg_add(&a, UA_T_CHALLENGE, "SELECT_CHALLENGE"), 0);
	assert_int_equal(ua_msg_add(&a, UA_T_AVAILABLE, "PASSWORD,EMAIL_OTP"),
	    0);
	assert_int_equal(ua_msg_add(&a, UA_T_INFO, ""), 0);
	assert_int_equal(ua_msg_add(&a, UA_T_MESSAGE, NULL), 0);
	assert_int_equal(a.n, 3);
	assert_int_equal(ua_msg_encode(&a, &p, &n), 0);
	assert_int_equal(ua_msg_decode(p, n, &b), 0);
	assert_int_equal(b.type, a.type);
	assert_int_equal(b.n, a.n);
	for (i = 0; i < a.n; i++) {
		assert_int_equal(b.f[i].tag, a.f[i].tag);
		assert_string_equal(b.f[i].val, a.f[i].val);
	}
	ua_freezero(p, n);
	ua_msg_clear(&a);
	ua_msg_clear(&b);
}

/* The builder's caps: the same numbers as the decoder's. */
static void
test_add_caps(void **state)
{
	static char big[UA_FIELD_MAX + 2];
	struct ua_msg m;
	uint16_t t;

	(void)state;
	memset(big, 'b', sizeof(big) - 1);
	ua_msg_init(&m, UA_MSG_RESULT);
	assert_int_equal(ua_msg_add(&m, UA_T_INFO, big), -EMSGSIZE);
	big[UA_FIELD_MAX] = '\0';
	assert_int_equal(ua_msg_add(&m, UA_T_INFO, big), 0);
	for (t = 2; t <= UA_MSG_MAX_FIELDS; t++)
		assert_int_equal(ua_msg_add(&m, t, "v"), 0);
	assert_int_equal(ua_msg_add(&m, UA_T_MAX, "v"), -E2BIG);
	ua_msg_clear(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_initiate),
		cmocka_unit_test(test_decode_respond_and_chpass),
		cmocka_unit_test(test_short_header_refused),
		cmocka_unit_test(test_other_versions_refused),
		cmocka_unit_test(test_every_known_type_and_no_other),
		cmocka_unit_test(test_every_known_tag_and_no_other),
		cmocka_unit_test(test_repeated_tag_refused),
		cmocka_unit_test(test_field_count_cap),
		cmocka_unit_test(test_count_must_match_fields),
		cmocka_unit_test(test_every_truncation_refused),
		cmocka_unit_test(test_length_past_end_refused),
		cmocka_unit_test(test_value_size_cap),
		cmocka_unit_test(test_largest_frame_decodes),
		cmocka_unit_test(test_embedded_nul_refused),
		cmocka_unit_test(test_empty_value_kept),
		cmocka_unit_test(test_utf8_is_not_judged_by_the_codec),
		cmocka_unit_test(test_refusal_after_fields_frees_them),
		cmocka_unit_test(test_encode_decode_round_trip),
		cmocka_unit_test(test_add_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
