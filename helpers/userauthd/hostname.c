/* SPDX-License-Identifier: MIT */
/*
 * The host's name, read once: what people are told they sign in to (the
 * TOTP issuer by default, invitation mails).  It must never hold anything
 * the caller controls: only the kernel's host name, checked.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "userauthd/hostname.h"

#ifndef HOST_NAME_MAX
#define HOST_NAME_MAX 64
#endif

/* The daemon's one copy; written at start, before any thread. */
static char host[HOST_NAME_MAX + 1];

/* Printable ASCII without blanks: what a host name may show. */
static bool
plain(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

int
hostname_init(void)
{
	char buf[HOST_NAME_MAX + 1];
	int r = 0;

	memset(buf, 0, sizeof(buf));
	if (gethostname(buf, sizeof(buf) - 1) < 0)
		r = -errno;
	buf[sizeof(buf) - 1] = '\0';
	if (r < 0 || !plain(buf))
		(void)snprintf(buf, sizeof(buf), "localhost");
	memcpy(host, buf, sizeof(host));
	return r;
}

const char *
hostname_get(void)
{
	if (host[0] == '\0')
		(void)hostname_init();
	return host;
}
