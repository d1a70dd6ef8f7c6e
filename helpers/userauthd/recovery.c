/* SPDX-License-Identifier: MIT */
/*
 * Recovery codes: making a set, the shape and MAC of an answer, and the
 * text that shows a set once.  The codes in plain live only in a struct
 * recovery_codes and in the text made from it, both wiped by the caller;
 * nothing here logs or stores one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "client/wipe.h"
#include "userauthd/recovery.h"

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

#define RECOVERY_HEADING                                                       \
	"Recovery codes: each works once in place of a verification code,\n"   \
	"for when the app is lost. Keep them safe: they are not shown "        \
	"again.\n"

int
recovery_new(const struct keys *k, int64_t user_id, struct recovery_codes *ret)
{
	uint8_t rnd[RECOVERY_COUNT * RECOVERY_LEN];
	char norm[RECOVERY_LEN + 1];
	size_t i, j;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		ua_wipe(rnd, sizeof(rnd));
		return -EIO;
	}
	for (i = 0; i < RECOVERY_COUNT && r == 0; i++) {
		for (j = 0; j < RECOVERY_LEN; j++)
			norm[j] = alphabet[rnd[i * RECOVERY_LEN + j] & 31];
		norm[RECOVERY_LEN] = '\0';
		memcpy(ret->shown[i], norm, 5);
		ret->shown[i][5] = '-';
		memcpy(ret->shown[i] + 6, norm + 5, 5);
		ret->shown[i][11] = '\0';
		r = recovery_mac(k, user_id, norm, ret->mac[i]);
	}
	ua_wipe(rnd, sizeof(rnd));
	ua_wipe(norm, sizeof(norm));
	if (r < 0)
		recovery_clear(ret);
	return r;
}

void
recovery_clear(struct recovery_codes *rc)
{
	ua_wipe(rc, sizeof(*rc));
}

void
recovery_forget_shown(struct recovery_codes *rc)
{
	ua_wipe(rc->shown, sizeof(rc->shown));
}

bool
recovery_answer(const char *answer, char norm[RECOVERY_LEN + 1])
{
	size_t n = 0;
	char c;

	for (; *answer != '\0'; answer++) {
		c = *answer;
		if (c == '-' || c == ' ' || c == '\t')
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (n == RECOVERY_LEN || c == '\0' ||
		    strchr(alphabet, c) == NULL) {
			ua_wipe(norm, RECOVERY_LEN + 1);
			return false;
		}
		norm[n++] = c;
	}
	norm[n] = '\0';
	if (n != RECOVERY_LEN) {
		ua_wipe(norm, RECOVERY_LEN + 1);
		return false;
	}
	return true;
}

int
recovery_mac(const struct keys *k, int64_t user_id, const char *norm,
    uint8_t out[KEYS_MAC_LEN])
{
	char data[32 + RECOVERY_LEN];
	int n, r;

	if (k == NULL)
		return -EIO;
	/* bound to the user: the same code of two users has two MACs */
	n = snprintf(data, sizeof(data), "%lld:%.*s", (long long)user_id,
	    RECOVERY_LEN, norm);
	if (n < 0 || (size_t)n >= sizeof(data))
		return -EIO;
	r = keys_mac(k, "recovery", data, (size_t)n, out);
	ua_wipe(data, sizeof(data));
	return r < 0 ? -EIO : 0;
}

char *
recovery_text(const struct recovery_codes *rc)
{
	size_t sz =
	    sizeof(RECOVERY_HEADING) + RECOVERY_COUNT * (RECOVERY_SHOWN + 4);
	char *out = malloc(sz), *w;
	size_t i;
	int n;

	if (out == NULL)
		return NULL;
	n = snprintf(out, sz, "%s", RECOVERY_HEADING);
	w = out + n;
	for (i = 0; i < RECOVERY_COUNT; i++) {
		n = snprintf(w, sz - (size_t)(w - out), "  %s%s", rc->shown[i],
		    i % 2 == 1 || i + 1 == RECOVERY_COUNT ? "\n" : "");
		if (n < 0 || (size_t)n >= sz - (size_t)(w - out)) {
			ua_erase_free(out);
			return NULL;
		}
		w += n;
	}
	if (w > out && w[-1] == '\n')
		w[-1] = '\0'; /* the caller ends the text */
	return out;
}
