/* SPDX-License-Identifier: MIT */
/*
 * Validators for outside values (names, pools, emails, GECOS, paths,
 * passwords, codes, numbers) and the truncation-checked snprintf.  They must
 * never allocate, log, or accept a value on a path that was not checked.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "client/valid.h"

static int
why(const char **reterr_why, const char *reason)
{
	if (reterr_why != NULL)
		*reterr_why = reason;
	return -EINVAL;
}

/*
 * Length of the well-formed UTF-8 sequence at p (n > 0 bytes available)
 * and its code point, or 0 if it is not one.  Ranges follow RFC 3629
 * table 3-7: no overlongs, no surrogates, nothing above U+10FFFF.
 */
static size_t
utf8_seq(const uint8_t *p, size_t n, uint32_t *ret_cp)
{
	uint8_t lo = 0x80, hi = 0xbf;
	uint32_t cp;
	size_t len, i;

	if (p[0] < 0x80) {
		*ret_cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
		if (p[0] == 0xe0)
			lo = 0xa0; /* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
		if (p[0] == 0xf0)
			lo = 0x90; /* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else
		return 0; /* continuation, C0/C1, F5..FF */
	if (n < len)
		return 0; /* truncated */
	if (p[1] < lo || p[1] > hi)
		return 0;
	cp = (cp << 6) | (p[1] & 0x3f);
	for (i = 2; i < len; i++) {
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	*ret_cp = cp;
	return len;
}

bool
ua_valid_utf8(const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	uint32_t cp;
	size_t i, l;

	if (s == NULL)
		return n == 0;
	for (i = 0; i < n; i += l) {
		l = utf8_seq(p + i, n - i, &cp);
		if (l == 0)
			return false;
	}
	return true;
}

static bool
is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int
ua_valid_name(const char *s, const char **reterr_why)
{
	size_t n, i;

	if (s == NULL || s[0] == '\0')
		return why(reterr_why, "name is empty");
	n = strnlen(s, UA_MAX_LOGIN + 1);
	if (n > UA_MAX_LOGIN)
		return why(reterr_why, "name is longer than 32 bytes");
	if (s[0] == '-' || s[0] == '+')
		return why(reterr_why, "name must not start with '-' or '+'");
	if (!is_lower(s[0]) && s[0] != '_')
		return why(reterr_why,
		    "name must start with a lowercase letter or '_'");
	for (i = 1; i < n; i++) {
		if (is_lower(s[i]) || is_digit(s[i]) || s[i] == '_' ||
		    s[i] == '.' || s[i] == '-')
			continue;
		if (s[i] == '$' && i == n - 1)
			continue;
		return why(reterr_why,
		    "name may contain only a-z 0-9 _ . - and a final $");
	}
	/* Not all digits: implied by the first character rule above. */
	return 0;
}

int
ua_valid_pool(const char *s, const char **reterr_why)
{
	size_t n, i;

	if (s == NULL || s[0] == '\0')
		return why(reterr_why, "pool name is empty");
	n = strnlen(s, UA_MAX_POOL + 1);
	if (n > UA_MAX_POOL)
		return why(reterr_why, "pool name is longer than 32 bytes");
	if (!is_lower(s[0]))
		return why(reterr_why,
		    "pool name must start with a lowercase letter");
	for (i = 1; i < n; i++) {
		if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '_' &&
		    s[i] != '-')
			return why(reterr_why,
			    "pool name may contain only a-z, 0-9, '_' and '-'");
	}
	return 0;
}

/* RFC 5322 atext, lowercase only. */
static bool
is_atext(char c)
{
	return is_lower(c) || is_digit(c) ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Dot-separated run of non-empty labels made of ok() characters. */
static bool
dotted(const char *s, size_t n, bool (*ok)(char))
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return false;
			continue;
		}
		if (!ok(s[i]))
			return false;
	}
	return true;
}

static bool
is_domain_char(char c)
{
	return is_lower(c) || is_digit(c) || c == '-';
}

int
ua_valid_email(const char *s, const char **reterr_why)
{
	const char *at, *dom;
	size_t n, i, local;

	if (s == NULL || s[0] == '\0')
		return why(reterr_why, "email is empty");
	n = strnlen(s, UA_MAX_EMAIL + 1);
	if (n > UA_MAX_EMAIL)
		return why(reterr_why, "email is longer than 254 bytes");
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return why(reterr_why,
			    "email must be printable ASCII without spaces");
		if (s[i] >= 'A' && s[i] <= 'Z')
			return why(reterr_why, "email must be lowercase");
	}
	at = strchr(s, '@');
	if (at == NULL || strchr(at + 1, '@') != NULL)
		return why(reterr_why, "email must contain exactly one '@'");
	local = (size_t)(at - s);
	if (local == 0)
		return why(reterr_why, "email has an empty local part");
	if (local > 64)
		return why(reterr_why,
		    "email local part is longer than 64 bytes");
	if (!dotted(s, local, is_atext))
		return why(reterr_why, "email local part is not a dot-atom");
	dom = at + 1;
	if (strchr(dom, '.') == NULL)
		return why(reterr_why, "email domain has no '.'");
	if (!dotted(dom, n - local - 1, is_domain_char))
		return why(reterr_why, "email domain is not a host name");
	return 0;
}

int
ua_email_normalize(const char *in, char *out, size_t outsz,
    const char **reterr_why)
{
	size_t n, i;
	int r;

	if (in == NULL || out == NULL || outsz == 0)
		return why(reterr_why, "email is empty");
	n = strnlen(in, outsz);
	if (n >= outsz) {
		out[0] = '\0';
		if (reterr_why != NULL)
			*reterr_why = "email is too long";
		return -ENAMETOOLONG;
	}
	for (i = 0; i < n; i++) {
		char c = in[i];

		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[n] = '\0';
	r = ua_valid_email(out, reterr_why);
	if (r < 0)
		out[0] = '\0';
	return r;
}

/*
 * Free text stored in passwd fields: valid UTF-8, no C0/C1 control
 * characters or DEL (they would forge lines in logs and terminals), and
 * no ':' (the passwd field separator).
 */
static int
text_field(const char *s, size_t n, const char **reterr_why)
{
	const uint8_t *p = (const uint8_t *)s;
	uint32_t cp;
	size_t i, l;

	for (i = 0; i < n; i += l) {
		l = utf8_seq(p + i, n - i, &cp);
		if (l == 0)
			return why(reterr_why, "not valid UTF-8");
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return why(reterr_why, "contains a control character");
		if (cp == ':')
			return why(reterr_why, "contains ':'");
	}
	return 0;
}

int
ua_valid_gecos(const char *s, const char **reterr_why)
{
	size_t n;

	if (s == NULL)
		return why(reterr_why, "display name is missing");
	n = strnlen(s, UA_MAX_GECOS + 1);
	if (n > UA_MAX_GECOS)
		return why(reterr_why, "display name is longer than 256 bytes");
	return text_field(s, n, reterr_why);
}

int
ua_valid_path_field(const char *s, const char **reterr_why)
{
	size_t n;

	if (s == NULL || s[0] == '\0')
		return why(reterr_why, "path is empty");
	n = strnlen(s, UA_MAX_PATHFIELD + 1);
	if (n > UA_MAX_PATHFIELD)
		return why(reterr_why, "path is longer than 255 bytes");
	if (s[0] != '/')
		return why(reterr_why, "path is not absolute");
	return text_field(s, n, reterr_why);
}

int
ua_valid_password(const char *s, size_t n, const char **reterr_why)
{
	/* Length first: an oversized input is refused without reading it. */
	if (s == NULL || n == 0)
		return why(reterr_why, "password is empty");
	if (n > UA_MAX_PASSWORD)
		return why(reterr_why, "password is longer than 1024 bytes");
	if (memchr(s, '\0', n) != NULL)
		return why(reterr_why, "password contains a NUL byte");
	if (!ua_valid_utf8(s, n))
		return why(reterr_why, "password is not valid UTF-8");
	return 0;
}

int
ua_valid_otp(const char *s, const char **reterr_why)
{
	size_t i;

	if (s == NULL)
		return why(reterr_why, "code is empty");
	for (i = 0; i < UA_OTP_DIGITS; i++)
		if (!is_digit(s[i]))
			return why(reterr_why, "code is not 8 digits");
	if (s[i] != '\0')
		return why(reterr_why, "code is not 8 digits");
	return 0;
}

int
ua_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0, d;
	size_t i;

	if (s == NULL || s[0] == '\0' || min > max)
		return -EINVAL;
	for (i = 0; s[i] != '\0'; i++) {
		if (!is_digit(s[i]))
			return -EINVAL;
	}
	if (s[0] == '0' && s[1] != '\0')
		return -EINVAL;
	for (i = 0; s[i] != '\0'; i++) {
		d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int
ua_snprintf(char *out, size_t outsz, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (out == NULL || outsz == 0 || fmt == NULL)
		return -EINVAL;
	va_start(ap, fmt);
	r = vsnprintf(out, outsz, fmt, ap);
	va_end(ap);
	if (r < 0) {
		out[0] = '\0';
		return -EINVAL;
	}
	if ((size_t)r >= outsz)
		return -ENAMETOOLONG;
	return r;
}
