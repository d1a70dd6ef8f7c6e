/* SPDX-License-Identifier: MIT */
/* The link-time stand-in for ua_log that keeps the lines (logcap.h). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "logcap.h"

char logcap_lines[LOGCAP_MAX][512];
size_t logcap_n;

void __wrap_ua_log(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void
__wrap_ua_log(int prio, const char *fmt, ...)
{
	va_list ap;

	(void)prio;
	if (logcap_n >= LOGCAP_MAX)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(logcap_lines[logcap_n++], sizeof(logcap_lines[0]), fmt,
	    ap);
	va_end(ap);
}

void
logcap_reset(void)
{
	logcap_n = 0;
}

unsigned
logged(const char *w, ...)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < logcap_n; i++) {
		const char *x;
		bool all = true;
		va_list ap;

		va_start(ap, w);
		for (x = w; x != NULL; x = va_arg(ap, const char *))
			if (strstr(logcap_lines[i], x) == NULL)
				all = false;
		va_end(ap);
		if (all)
			n++;
	}
	return n;
}
