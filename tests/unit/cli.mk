# SPDX-License-Identifier: MIT
# userauthctl's printers (helpers/userauthctl/output.c), built from the
# CLI's own source file as test_nss_reader is from the module's.
check_PROGRAMS += tests/unit/test_output
TESTS += tests/unit/test_output
tests_unit_test_output_SOURCES = tests/unit/test_output.c \
	helpers/userauthctl/output.c helpers/userauthctl/output.h
tests_unit_test_output_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_output_LDADD = common/client/libua_client.la \
	$(UA_LIBS_TEST) $(JANSSON_LIBS)
