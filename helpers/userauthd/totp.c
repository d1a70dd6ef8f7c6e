/* SPDX-License-Identifier: MIT */
/*
 * TOTP on liboath.  Secrets never leave this file except as the caller's
 * buffers; every code computed here is wiped.  Verification computes all
 * steps of the window and compares each in constant time, so its timing
 * does not tell which step matched or whether one did.
 */
#include <errno.h>
#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "client/wipe.h"
#include "server/qr.h"
#include "userauthd/hostname.h"
#include "userauthd/totp.h"

static bool oath_ready;

static int
ensure_oath(void)
{
	if (!oath_ready) {
		if (oath_init() != OATH_OK)
			return -EIO;
		oath_ready = true;
	}
	return 0;
}

void
totp_params_of(const struct ua_pool_conf *pc, struct totp_params *ret)
{
	ret->digits = pc->totp_digits;
	ret->period = pc->totp_period;
	ret->alg = pc->totp_algorithm;
}

const char *
totp_issuer(const struct ua_pool_conf *pc)
{
	if (pc != NULL && pc->totp_issuer != NULL && pc->totp_issuer[0] != '\0')
		return pc->totp_issuer;
	return hostname_get();
}

int
totp_new_secret(uint8_t secret[TOTP_SECRET_LEN])
{
	size_t got = 0;
	ssize_t n;

	while (got < TOTP_SECRET_LEN) {
		n = getrandom(secret + got, TOTP_SECRET_LEN - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		got += (size_t)n;
	}
	return 0;
}

int
totp_base32(const uint8_t *secret, size_t len, char *out, size_t outsz)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	size_t i, n = 0;
	unsigned buf = 0, bits = 0;

	if ((len * 8 + 4) / 5 + 1 > outsz)
		return -ENOSPC;
	for (i = 0; i < len; i++) {
		buf = (buf << 8) | secret[i];
		bits += 8;
		while (bits >= 5) {
			out[n++] = alpha[(buf >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[n++] = alpha[(buf << (5 - bits)) & 31];
	out[n] = '\0';
	ua_wipe(&buf, sizeof(buf)); /* bits of the secret */
	return 0;
}

static int
oath_flags(enum ua_totp_alg alg)
{
	switch (alg) {
	case UA_TOTP_SHA256:
		return OATH_TOTP_HMAC_SHA256;
	case UA_TOTP_SHA512:
		return OATH_TOTP_HMAC_SHA512;
	case UA_TOTP_SHA1:
		break;
	}
	return 0;
}

static const char *
alg_name(enum ua_totp_alg alg)
{
	switch (alg) {
	case UA_TOTP_SHA256:
		return "SHA256";
	case UA_TOTP_SHA512:
		return "SHA512";
	case UA_TOTP_SHA1:
		break;
	}
	return "SHA1";
}

static bool
params_ok(const struct totp_params *p)
{
	return (p->digits == 6 || p->digits == 8) && p->period > 0;
}

int
totp_code(const uint8_t *secret, size_t len, const struct totp_params *p,
    time_t t, char *out, size_t outsz)
{
	if (!params_ok(p) || outsz < p->digits + 1 || t < 0 ||
	    ensure_oath() < 0)
		return -EINVAL;
	if (oath_totp_generate2((const char *)secret, len, t, p->period, 0,
		p->digits, oath_flags(p->alg), out) != OATH_OK) {
		ua_wipe(out, outsz);
		return -EINVAL;
	}
	return 0;
}

int
totp_verify(const uint8_t *secret, size_t len, const struct totp_params *p,
    time_t now, const char *code, int64_t last_step, int64_t *ret_step)
{
	char want[16];
	int64_t step, s, matched = -1;
	size_t i, n;
	int d;

	if (!params_ok(p) || code == NULL)
		return -EINVAL;
	n = strnlen(code, 16);
	if (n != p->digits)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (code[i] < '0' || code[i] > '9')
			return -EINVAL;
	if (now < 0)
		return -EACCES;
	step = (int64_t)now / p->period;
	/* Every step of the window, no early exit. */
	for (d = -TOTP_WINDOW; d <= TOTP_WINDOW; d++) {
		s = step + d;
		if (s < 0)
			continue;
		if (totp_code(secret, len, p, (time_t)(s * p->period), want,
			sizeof(want)) < 0) {
			ua_wipe(want, sizeof(want));
			return -EACCES;
		}
		if (CRYPTO_memcmp(want, code, n) == 0)
			matched = s;
	}
	ua_wipe(want, sizeof(want));
	if (matched < 0 || matched <= last_step)
		return -EACCES;
	*ret_step = matched;
	return 0;
}

/* Percent-encode s (RFC 3986 unreserved, and '@' kept) onto out. */
static bool
pct(char **p, char *end, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~@", c) != NULL;

		if (end - *p < 4)
			return false;
		if (plain)
			*(*p)++ = (char)c;
		else {
			*(*p)++ = '%';
			*(*p)++ = hex[c >> 4];
			*(*p)++ = hex[c & 15];
		}
	}
	**p = '\0';
	return true;
}

char *
totp_uri(const char *issuer, const char *account, const char *base32,
    const struct totp_params *p)
{
	size_t sz =
	    3 * (strlen(issuer) * 2 + strlen(account)) + strlen(base32) + 160;
	char *out = malloc(sz), *w, *end;
	int n;

	if (out == NULL)
		return NULL;
	w = out;
	end = out + sz;
	n = snprintf(w, (size_t)(end - w), "otpauth://totp/");
	w += n;
	if (!pct(&w, end, issuer) || end - w < 2)
		goto fail;
	*w++ = ':';
	if (!pct(&w, end, account))
		goto fail;
	n = snprintf(w, (size_t)(end - w), "?secret=%s&issuer=", base32);
	if (n < 0 || n >= end - w)
		goto fail;
	w += n;
	if (!pct(&w, end, issuer))
		goto fail;
	n = snprintf(w, (size_t)(end - w), "&algorithm=%s&digits=%u&period=%u",
	    alg_name(p->alg), p->digits, p->period);
	if (n < 0 || n >= end - w)
		goto fail;
	return out;
fail:
	ua_erase_free(out);
	return NULL;
}

char *
totp_setup_text(const char *issuer, const char *account, const char *base32,
    const struct totp_params *p)
{
	char *uri, *qr = NULL, *text = NULL;
	size_t sz;

	uri = totp_uri(issuer, account, base32, p);
	qr = uri != NULL ? ua_qr_render(uri) : NULL;
	if (qr != NULL) {
		sz = strlen(qr) + strlen(uri) + strlen(base32) + 160;
		text = malloc(sz);
		if (text != NULL)
			(void)snprintf(text, sz,
			    "Two-factor authentication is "
			    "required. Scan this QR code with an authenticator "
			    "app,\nor enter the key by hand.\n%sKey: %s\nURI: "
			    "%s",
			    qr, base32, uri);
	}
	ua_erase_free(qr);
	ua_erase_free(uri);
	return text;
}
