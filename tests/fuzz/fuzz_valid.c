/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the validators: every one of them on arbitrary bytes,
 * each acceptance re-checked against the rule it claims, ua_valid_utf8
 * against an independent decoder, ua_parse_uint against printing back.
 * It must never accept what the rules refuse; a broken invariant aborts.
 *
 * run-fuzz-sources: common/client/valid.c
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/valid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			abort();                                               \
	} while (0)

/*
 * Reference UTF-8 check, written differently on purpose: decode any
 * 1-4 byte shape, then judge the code point and the shortest length.
 */
static bool
ref_utf8(const uint8_t *p, size_t n)
{
	size_t i = 0, len, k;
	uint32_t cp;

	while (i < n) {
		if (p[i] < 0x80)
			len = 1, cp = p[i];
		else if ((p[i] & 0xe0) == 0xc0)
			len = 2, cp = p[i] & 0x1f;
		else if ((p[i] & 0xf0) == 0xe0)
			len = 3, cp = p[i] & 0x0f;
		else if ((p[i] & 0xf8) == 0xf0)
			len = 4, cp = p[i] & 0x07;
		else
			return false;
		if (n - i < len)
			return false;
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000))
			return false; /* overlong */
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

static bool
all_in(const char *s, const char *set)
{
	return s[strspn(s, set)] == '\0';
}

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define DIGIT "0123456789"

static void
check_names(const char *s, size_t n)
{
	const char *why = NULL;
	size_t l = strlen(s);

	if (ua_valid_name(s, &why) == 0) {
		check(l >= 1 && l <= UA_MAX_LOGIN && l <= n);
		check(strchr(LOWER "_", s[0]) != NULL);
		check(strspn(s, LOWER DIGIT "_.-") >= l - 1);
		check(all_in(s, LOWER DIGIT "_.-") || s[l - 1] == '$');
	} else
		check(why != NULL);
	why = NULL;
	if (ua_valid_pool(s, &why) == 0) {
		check(l >= 1 && l <= UA_MAX_POOL && l <= n);
		check(strchr(LOWER, s[0]) != NULL);
		check(all_in(s, LOWER DIGIT "_-"));
	} else
		check(why != NULL);
}

static void
check_email(const char *s)
{
	char out[UA_MAX_EMAIL + 1];
	const char *why = NULL, *at;
	size_t l = strlen(s);
	int r;

	if (ua_valid_email(s, &why) == 0) {
		at = strchr(s, '@');
		check(l <= UA_MAX_EMAIL && at != NULL && at != s);
		check(strchr(at + 1, '@') == NULL && strchr(at, '.') != NULL);
		check((size_t)(at - s) <= 64);
		check(strpbrk(s, " \t\r\n\"\\ABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
		    NULL);
		check(ua_valid_utf8(s, l));
		/* Already normal: normalising changes nothing. */
		check(ua_email_normalize(s, out, sizeof(out), NULL) == 0);
		check(strcmp(out, s) == 0);
	} else
		check(why != NULL);
	why = NULL;
	r = ua_email_normalize(s, out, sizeof(out), &why);
	if (r == 0)
		check(ua_valid_email(out, NULL) == 0 && strlen(out) == l);
	else
		check(why != NULL && out[0] == '\0' &&
		    (r == -EINVAL || r == -ENAMETOOLONG));
	r = ua_email_normalize(s, out, 8, NULL);
	check(r == 0 || out[0] == '\0');
}

static void
check_text(const char *s)
{
	const char *why = NULL;
	size_t l = strlen(s), i;

	if (ua_valid_gecos(s, &why) == 0 || ua_valid_path_field(s, &why) == 0) {
		check(l <= UA_MAX_GECOS && ua_valid_utf8(s, l));
		check(strchr(s, ':') == NULL);
		for (i = 0; i < l; i++)
			check((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
	} else
		check(why != NULL);
	if (ua_valid_path_field(s, NULL) == 0)
		check(s[0] == '/' && l <= UA_MAX_PATHFIELD);
}

static void
check_numbers(const char *s, const uint8_t *data, size_t size)
{
	uint64_t v = 0, lo = 0, hi = UINT64_MAX;
	char back[32];
	int r;

	if (ua_valid_otp(s, NULL) == 0)
		check(strlen(s) == UA_OTP_DIGITS && all_in(s, DIGIT));
	r = ua_parse_uint(s, 0, UINT64_MAX, &v);
	if (r == 0) {
		check(ua_snprintf(back, sizeof(back), "%" PRIu64, v) > 0);
		check(strcmp(back, s) == 0);
	} else
		check(r == -EINVAL || r == -ERANGE);
	if (size >= 2) {
		lo = data[0];
		hi = (uint64_t)data[1] * 1000;
	}
	r = ua_parse_uint(s, lo, hi, &v);
	if (r == 0)
		check(v >= lo && v <= hi);
	r = ua_snprintf(back, sizeof(back), "%s", s);
	if (strlen(s) < sizeof(back))
		check(r == (int)strlen(s) && strcmp(back, s) == 0);
	else
		check(r == -ENAMETOOLONG && strlen(back) == sizeof(back) - 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	char *s;
	bool utf8;

	utf8 = ua_valid_utf8((const char *)data, size);
	check(utf8 == ref_utf8(data, size));
	if (ua_valid_password((const char *)data, size, &why) == 0)
		check(utf8 && size >= 1 && size <= UA_MAX_PASSWORD &&
		    memchr(data, '\0', size) == NULL);
	else
		check(why != NULL);

	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	check_names(s, size);
	check_email(s);
	check_text(s);
	check_numbers(s, data, size);
	free(s);
	return 0;
}
