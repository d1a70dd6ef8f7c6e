# SPDX-License-Identifier: MIT
check_PROGRAMS += tests/unit/test_store
TESTS += tests/unit/test_store
tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_store_LDADD = helpers/userauthd/libuad.la $(UA_LIBS_TEST)
