# SPDX-License-Identifier: MIT
# Test harness: every cmocka case and every shell-test "ok" line is counted
# by automake's tap-driver; tests/tools/summary.sh prints the final line.
TEST_EXTENSIONS = .sh
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
LOG_DRIVER_FLAGS = --ignore-exit
LOG_COMPILER = timeout 120
SH_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_DRIVER_FLAGS = --ignore-exit
SH_LOG_COMPILER = $(SHELL) $(top_srcdir)/tests/tools/timed.sh
AM_TESTS_ENVIRONMENT = \
	CMOCKA_MESSAGE_OUTPUT=TAP; export CMOCKA_MESSAGE_OUTPUT; \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	UA_SANITIZERS='$(enable_sanitizers)'; export UA_SANITIZERS;

# cmocka unit tests link the internal libraries directly.
UA_CFLAGS_TEST = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JANSSON_CFLAGS) $(SQLITE_CFLAGS)
UA_LIBS_TEST = $(CMOCKA_LIBS)

# tests/tools/timed.sh's record of each script's time
CLEANFILES += test-times
EXTRA_DIST += tests/tools/summary.sh tests/tools/timed.sh tests/run-all.sh \
	tests/integration/lib.sh
include tests/unit/local.mk
include tests/integration/local.mk
include tests/pam/local.mk
include tests/lint/local.mk
include tests/fuzz/local.mk
