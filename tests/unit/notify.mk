# SPDX-License-Identifier: MIT
# sd_notify without libsystemd (helpers/userauthd/notify.c).
check_PROGRAMS += tests/unit/test_notify
TESTS += tests/unit/test_notify
tests_unit_test_notify_SOURCES = tests/unit/test_notify.c
tests_unit_test_notify_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_notify_LDADD = helpers/userauthd/libuad.la $(UA_LIBS_TEST)
