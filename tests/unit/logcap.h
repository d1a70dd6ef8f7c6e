/* SPDX-License-Identifier: MIT */
/*
 * The daemon's log as a test sees it: a test linked with
 * -Wl,--wrap=ua_log and tests/unit/logcap.c gets every line ua_log would
 * have written in logcap_lines (the first LOGCAP_MAX of them).
 */
#ifndef UA_TEST_LOGCAP_H
#define UA_TEST_LOGCAP_H

#include <stddef.h>

#define LOGCAP_MAX 64

extern char logcap_lines[LOGCAP_MAX][512];
extern size_t logcap_n;

/* Forget the lines so far (each test's setup). */
void logcap_reset(void);
/* The number of lines holding every one of the NULL-ended words. */
unsigned logged(const char *w, ...);

#endif
