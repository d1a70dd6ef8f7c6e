# SPDX-License-Identifier: MIT
# The mail sender end to end: a real userauthd, an aiosmtpd sink
# (tests/tools/smtpsink.py) and rows put into its mail_queue.
TESTS += tests/integration/mail.sh
EXTRA_DIST += tests/integration/mail.sh tests/tools/smtpsink.py
check_PROGRAMS += tests/tools/mailcompose
tests_tools_mailcompose_SOURCES = tests/tools/mailcompose.c
tests_tools_mailcompose_CFLAGS = $(AM_CFLAGS)
tests_tools_mailcompose_LDADD = helpers/userauthd/libuad.la
