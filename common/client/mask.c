/* SPDX-License-Identifier: MIT */
/*
 * Email masking for prompts and admin listings.  It must never reveal the
 * length of the local part, and never write past out or leave it without
 * a NUL.
 */
#include <errno.h>
#include <string.h>

#include "client/mask.h"
#include "client/valid.h"

static bool
printable_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

int
ua_mask_email(const char *email, char *out, size_t outsz)
{
	const char *at, *dom, *tld;
	size_t n, dlen, masked, need, i, o = 0;

	if (out == NULL || outsz == 0)
		return -ENAMETOOLONG;
	out[0] = '\0';
	if (email == NULL)
		return -EINVAL;
	n = strnlen(email, UA_MAX_EMAIL + 1);
	if (n > UA_MAX_EMAIL || !printable_ascii(email, n))
		return -EINVAL;
	at = strchr(email, '@');
	if (at == NULL || at == email || strchr(at + 1, '@') != NULL ||
	    at[1] == '\0')
		return -EINVAL;
	dom = at + 1;
	dlen = n - (size_t)(dom - email);
	tld = strrchr(dom, '.');
	/* A final '.' or a leading one: no top-level part to keep. */
	if (tld != NULL && (tld == dom || tld[1] == '\0'))
		tld = NULL;
	masked = (tld != NULL ? (size_t)(tld - dom) : dlen) - 1;
	need = 1 + 3 + 1 + 1 + masked + (tld != NULL ? strlen(tld) : 0);
	if (need >= outsz)
		return -ENAMETOOLONG;
	out[o++] = email[0];
	memcpy(out + o, "***@", 4);
	o += 4;
	out[o++] = dom[0];
	for (i = 0; i < masked; i++)
		out[o++] = '*';
	if (tld != NULL) {
		memcpy(out + o, tld, strlen(tld));
		o += strlen(tld);
	}
	out[o] = '\0';
	return (int)o;
}
