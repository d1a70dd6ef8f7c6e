# SPDX-License-Identifier: MIT
# The login flow end to end: a real userauthd, an SMTP sink, the built
# pam_userauth.so under pamtester (pam_wrapper), sudo and a scripted libpam
# driver that prints every conversation call (root only).
check_PROGRAMS += tests/tools/pamconv
tests_tools_pamconv_SOURCES = tests/tools/pamconv.c
tests_tools_pamconv_CFLAGS = $(UA_CFLAGS_PROG)
tests_tools_pamconv_LDFLAGS = $(UA_LDFLAGS_PROG)
tests_tools_pamconv_LDADD = $(PAM_LIBS)
TESTS += tests/integration/login.sh
EXTRA_DIST += tests/integration/login.sh
