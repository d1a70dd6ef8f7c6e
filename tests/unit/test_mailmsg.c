/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for helpers/userauthd/mail/mailmsg.c: the headers of the code
 * mail, the template escapes, RFC 2047 subjects, refusals of every value
 * that could inject a header, and the envelope sender read back.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "client/valid.h"
#include "client/wipe.h"
#include "server/defaults.h"
#include "userauthd/hostname.h"
#include "userauthd/mail/mailmsg.h"

#define NOW 1767225600 /* Thu, 01 Jan 2026 00:00:00 UTC */

static struct ua_pool_conf
pool(const char *from, const char *subject, const char *tmpl)
{
	struct ua_pool_conf p;

	memset(&p, 0, sizeof(p));
	p.name = (char *)(uintptr_t) "customer";
	p.mail_from = (char *)(uintptr_t)from;
	p.mail_subject = (char *)(uintptr_t)subject;
	p.mail_template.text = (char *)(uintptr_t)tmpl;
	return p;
}

static char *
compose_ok(const struct ua_pool_conf *p, unsigned secs, char **ret_id)
{
	char *body = NULL, *id = NULL;

	assert_int_equal(mailmsg_compose(p, "alice@example.com", "12345678",
			     secs, NOW, &body, &id),
	    0);
	assert_non_null(body);
	assert_non_null(id);
	if (ret_id != NULL)
		*ret_id = id;
	else
		free(id);
	return body;
}

/* The value of header name (up to its CRLF), or NULL. */
static char *
header(const char *msg, const char *name, char *out, size_t outsz)
{
	const char *end = strstr(msg, "\r\n\r\n"), *p = msg, *e;
	size_t n = strlen(name);

	while (p != NULL && p < end) {
		if (strncmp(p, name, n) == 0 && p[n] == ':' &&
		    p[n + 1] == ' ') {
			e = strstr(p, "\r\n");
			(void)snprintf(out, outsz, "%.*s", (int)(e - p - n - 2),
			    p + n + 2);
			return out;
		}
		p = strstr(p, "\r\n");
		if (p != NULL)
			p += 2;
	}
	return NULL;
}

static void
test_compose_default_message(void **state)
{
	struct ua_pool_conf p = pool("userauth@example.com", NULL, NULL);
	char v[256], *id = NULL, *msg;
	const char *body;
	size_t i;

	(void)state;
	msg = compose_ok(&p, 180, &id);
	assert_non_null(header(msg, "Date", v, sizeof(v)));
	assert_string_equal(v, "Thu, 01 Jan 2026 00:00:00 +0000");
	assert_string_equal(header(msg, "From", v, sizeof(v)),
	    "userauth@example.com");
	assert_string_equal(header(msg, "To", v, sizeof(v)),
	    "alice@example.com");
	assert_string_equal(header(msg, "Subject", v, sizeof(v)),
	    UA_DEFAULT_MAIL_SUBJECT);
	assert_string_equal(header(msg, "MIME-Version", v, sizeof(v)), "1.0");
	assert_string_equal(header(msg, "Content-Type", v, sizeof(v)),
	    "text/plain; charset=utf-8");
	assert_string_equal(
	    header(msg, "Content-Transfer-Encoding", v, sizeof(v)), "8bit");
	assert_string_equal(header(msg, "Auto-Submitted", v, sizeof(v)),
	    "auto-generated");
	/* Message-ID: <32 hex digits@the From domain>, also returned. */
	assert_string_equal(header(msg, "Message-ID", v, sizeof(v)), id);
	assert_int_equal(strlen(id), 1 + 32 + 1 + strlen("example.com") + 1);
	assert_int_equal(strspn(id + 1, "0123456789abcdef"), 32);
	assert_string_equal(id + 33, "@example.com>");
	body = strstr(msg, "\r\n\r\n") + 4;
	assert_string_equal(body,
	    "Your sign-in code is 12345678\r\n\r\n"
	    "It is valid for 3 minutes. If you did not try to sign in, "
	    "ignore this message.\r\n");
	/* CRLF everywhere: no bare LF or CR, and no link. */
	for (i = 0; msg[i] != '\0'; i++) {
		if (msg[i] == '\n')
			assert_true(i > 0 && msg[i - 1] == '\r');
		if (msg[i] == '\r')
			assert_int_equal(msg[i + 1], '\n');
	}
	assert_null(strstr(msg, "://"));
	ua_erase_free(msg);
	free(id);
}

static void
test_compose_template_escapes(void **state)
{
	struct ua_pool_conf p = pool("otp@mail.example.org", "Code for %p",
	    "Pool %p: %c, %m min, 100%% yours.\n.leading dot\nno final "
	    "newline");
	char *msg;

	(void)state;
	msg = compose_ok(&p, 600, NULL);
	assert_string_equal(strstr(msg, "\r\n\r\n") + 4,
	    "Pool customer: 12345678, 10 min, 100% yours.\r\n"
	    ".leading dot\r\nno final newline\r\n");
	/* The subject is not a template. */
	assert_non_null(strstr(msg, "\r\nSubject: Code for %p\r\n"));
	ua_erase_free(msg);
}

static void
test_compose_minutes_round_down_to_at_least_one(void **state)
{
	struct ua_pool_conf p = pool("a@example.com", NULL, "%c %m\n");
	static const struct {
		unsigned secs;
		const char *want;
	} cases[] = { { 0, "12345678 1\r\n" }, { 59, "12345678 1\r\n" },
		{ 90, "12345678 1\r\n" }, { 179, "12345678 2\r\n" },
		{ 180, "12345678 3\r\n" }, { 600, "12345678 10\r\n" } };
	size_t i;
	char *msg;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		msg = compose_ok(&p, cases[i].secs, NULL);
		assert_string_equal(strstr(msg, "\r\n\r\n") + 4, cases[i].want);
		ua_erase_free(msg);
	}
}

static int
b64val(char c)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = strchr(tab, c);

	return c != '\0' && p != NULL ? (int)(p - tab) : -1;
}

/* Decode the encoded words of a folded Subject into out. */
static void
decode_subject(const char *msg, char *out, size_t outsz)
{
	const char *p = strstr(msg, "\r\nSubject: ") + 11, *e;
	size_t o = 0, i, n;
	int v[4];

	for (;;) {
		assert_int_equal(strncmp(p, "=?UTF-8?B?", 10), 0);
		p += 10;
		e = strstr(p, "?=");
		assert_non_null(e);
		/* 75 characters at most per encoded word. */
		assert_true((size_t)(e - p) + 12 <= 75);
		n = (size_t)(e - p);
		assert_int_equal(n % 4, 0);
		for (i = 0; i < n; i += 4) {
			v[0] = b64val(p[i]);
			v[1] = b64val(p[i + 1]);
			v[2] = p[i + 2] == '=' ? 0 : b64val(p[i + 2]);
			v[3] = p[i + 3] == '=' ? 0 : b64val(p[i + 3]);
			assert_true(
			    v[0] >= 0 && v[1] >= 0 && v[2] >= 0 && v[3] >= 0);
			assert_true(o + 3 < outsz);
			out[o++] = (char)(v[0] << 2 | v[1] >> 4);
			if (p[i + 2] != '=')
				out[o++] = (char)((v[1] & 15) << 4 | v[2] >> 2);
			if (p[i + 3] != '=')
				out[o++] = (char)((v[2] & 3) << 6 | v[3]);
		}
		/* Each word holds whole characters. */
		out[o] = '\0';
		assert_true(ua_valid_utf8(out, o));
		p = e + 2;
		if (strncmp(p, "\r\n ", 3) != 0)
			break;
		p += 3;
	}
	assert_int_equal(strncmp(p, "\r\n", 2), 0);
}

static void
test_compose_utf8_subject_is_encoded(void **state)
{
	struct ua_pool_conf p =
	    pool("a@example.com", "Ihr Anmeldecode f\xc3\xbcr heute", NULL);
	char subject[1024], longsub[UA_MAX_MAIL_SUBJECT + 1], *msg;
	size_t i;

	(void)state;
	msg = compose_ok(&p, 180, NULL);
	assert_non_null(strstr(msg,
	    "\r\nSubject: =?UTF-8?B?"
	    "SWhyIEFubWVsZGVjb2RlIGbDvHIgaGV1dGU=?=\r\n"));
	ua_erase_free(msg);
	/* 100 two-byte characters: several words, none splits one. */
	for (i = 0; i < 100; i++)
		memcpy(longsub + 2 * i, "\xc3\xa4", 2);
	longsub[200] = '\0';
	p.mail_subject = longsub;
	msg = compose_ok(&p, 180, NULL);
	decode_subject(msg, subject, sizeof(subject));
	assert_string_equal(subject, longsub);
	ua_erase_free(msg);
	/* ASCII that looks like an encoded word is encoded too. */
	p.mail_subject = (char *)(uintptr_t) "=?x?";
	msg = compose_ok(&p, 180, NULL);
	decode_subject(msg, subject, sizeof(subject));
	assert_string_equal(subject, "=?x?");
	ua_erase_free(msg);
}

static void
refused(const struct ua_pool_conf *p, const char *to, const char *code,
    int want)
{
	char *body = (char *)(uintptr_t) "untouched", *id = body;

	assert_int_equal(mailmsg_compose(p, to, code, 180, NOW, &body, &id),
	    want);
	assert_string_equal(body, "untouched");
	assert_string_equal(id, "untouched");
}

static void
test_compose_refuses_header_injection(void **state)
{
	struct ua_pool_conf p = pool("a@example.com", NULL, NULL);
	static const char *const subjects[] = { "x\r\nBcc: e@vil.com", "x\n",
		"x\ry", "tab\there", "nel\xc2\x85", "bad \xff utf8", "" };
	static const char *const addrs[] = { "a@example.com\r\nBcc: e@vil.com",
		"a@example.com\n", "A@Example.com", "a b@example.com",
		"<a@example.com>", "a@example", "" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		refused(&p, addrs[i], "12345678", -EINVAL);
		p.mail_from = (char *)(uintptr_t)addrs[i];
		refused(&p, "alice@example.com", "12345678", -EINVAL);
		p.mail_from = (char *)(uintptr_t) "a@example.com";
	}
	for (i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
		p.mail_subject = (char *)(uintptr_t)subjects[i];
		refused(&p, "alice@example.com", "12345678", -EINVAL);
	}
}

static void
test_compose_refuses_missing_from_and_bad_codes(void **state)
{
	struct ua_pool_conf p = pool(NULL, NULL, NULL);

	(void)state;
	refused(&p, "alice@example.com", "12345678", -EINVAL);
	refused(NULL, "alice@example.com", "12345678", -EINVAL);
	p.mail_from = (char *)(uintptr_t) "a@example.com";
	refused(&p, NULL, "12345678", -EINVAL);
	refused(&p, "alice@example.com", NULL, -EINVAL);
	refused(&p, "alice@example.com", "", -EINVAL);
	refused(&p, "alice@example.com", "1234567a", -EINVAL);
	refused(&p, "alice@example.com", "12345678\r\n", -EINVAL);
	refused(&p, "alice@example.com", "12345678901234567", -EINVAL);
}

static void
test_compose_refuses_bad_templates(void **state)
{
	struct ua_pool_conf p = pool("a@example.com", NULL, "%c %x\n");
	char longline[1200];

	(void)state;
	refused(&p, "alice@example.com", "12345678", -EINVAL);
	p.mail_template.text = (char *)(uintptr_t) "%c\r\nx";
	refused(&p, "alice@example.com", "12345678", -EINVAL);
	p.mail_template.text = (char *)(uintptr_t) "%c %";
	refused(&p, "alice@example.com", "12345678", -EINVAL);
	memset(longline, 'x', sizeof(longline) - 1);
	longline[0] = '%';
	longline[1] = 'c';
	longline[sizeof(longline) - 1] = '\0';
	p.mail_template.text = longline;
	refused(&p, "alice@example.com", "12345678", -EMSGSIZE);
}

static void
test_message_ids_differ(void **state)
{
	struct ua_pool_conf p = pool("a@example.com", NULL, NULL);
	char *id1 = NULL, *id2 = NULL, *m1, *m2;

	(void)state;
	m1 = compose_ok(&p, 180, &id1);
	m2 = compose_ok(&p, 180, &id2);
	assert_string_not_equal(id1, id2);
	ua_erase_free(m1);
	ua_erase_free(m2);
	free(id1);
	free(id2);
}

static void
test_from_reads_the_envelope_sender(void **state)
{
	struct ua_pool_conf p = pool("otp@example.net", NULL, NULL);
	char out[UA_MAX_EMAIL + 1], *msg;

	(void)state;
	msg = compose_ok(&p, 180, NULL);
	assert_int_equal(mailmsg_from(msg, out, sizeof(out)), 0);
	assert_string_equal(out, "otp@example.net");
	assert_int_equal(mailmsg_from(msg, out, 5), -EINVAL);
	ua_erase_free(msg);
	assert_int_equal(mailmsg_from("To: a@b.com\r\n\r\nFrom: x@y.com\r\n",
			     out, sizeof(out)),
	    -EINVAL);
	assert_int_equal(mailmsg_from("From: x@y.com\r\nFrom: z@y.com\r\n\r\n",
			     out, sizeof(out)),
	    -EINVAL);
	assert_int_equal(
	    mailmsg_from("From: X Y <x@y.com>\r\n\r\n", out, sizeof(out)),
	    -EINVAL);
	assert_int_equal(mailmsg_from("From: x@y.com", out, sizeof(out)),
	    -EINVAL);
	assert_int_equal(mailmsg_from("", out, sizeof(out)), -EINVAL);
}

/*
 * Invitations name the host and the pool, give the validity in words,
 * and ask for a password only in pools that have passwords.
 */
static void
test_invite_names_host_and_human_validity(void **state)
{
	static const struct {
		unsigned secs;
		const char *words;
	} v[] = {
		{ 259200, "valid for 3 days and" },
		{ 3600, "valid for 1 hour and" },
		{ 5400, "valid for 90 minutes and" },
		{ 90000, "valid for 1 day and 1 hour and" },
		{ 100000, "valid for 1 day, 3 hours and 46 minutes and" },
		{ 2592000, "valid for 30 days and" },
	};
	struct ua_pool_conf p = pool("otp@example.com", NULL, NULL);
	char *body = NULL, *id = NULL, want[160];
	size_t i;

	(void)state;
	p.allow_password = true;
	(void)snprintf(want, sizeof(want),
	    "sign in to %s (customer "
	    "accounts).",
	    hostname_get());
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(mailmsg_compose_invite(&p, "alice@example.com",
				     "12345678", v[i].secs, NOW, &body, &id),
		    0);
		if (strstr(body, v[i].words) == NULL)
			fail_msg("%u s: no '%s' in\n%s", v[i].secs, v[i].words,
			    body);
		assert_non_null(strstr(body, want));
		assert_null(strstr(body, "minutes and\r\n"));
		assert_non_null(strstr(body, "choose your password"));
		ua_erase_free(body);
		free(id);
	}
	p.allow_password = false;
	assert_int_equal(mailmsg_compose_invite(&p, "alice@example.com",
			     "12345678", 259200, NOW, &body, &id),
	    0);
	assert_null(strstr(body, "choose your password"));
	assert_non_null(strstr(body, "no password to choose"));
	assert_non_null(strstr(body, "valid for 3 days"));
	ua_erase_free(body);
	free(id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compose_default_message),
		cmocka_unit_test(test_compose_template_escapes),
		cmocka_unit_test(
		    test_compose_minutes_round_down_to_at_least_one),
		cmocka_unit_test(test_compose_utf8_subject_is_encoded),
		cmocka_unit_test(test_compose_refuses_header_injection),
		cmocka_unit_test(
		    test_compose_refuses_missing_from_and_bad_codes),
		cmocka_unit_test(test_compose_refuses_bad_templates),
		cmocka_unit_test(test_message_ids_differ),
		cmocka_unit_test(test_from_reads_the_envelope_sender),
		cmocka_unit_test(test_invite_names_host_and_human_validity),
	};

	return cmocka_run_group_tests_name("mailmsg", tests, NULL, NULL);
}
