# SPDX-License-Identifier: MIT
# pam_userauth tests: the option parser compiled into a unit test, and the
# built module loaded by libpam (pam_start_confdir) against a fake daemon.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_pam_options
TESTS += tests/unit/test_pam_options
tests_unit_test_pam_options_SOURCES = tests/unit/test_pam_options.c \
	pam_userauth/options.c pam_userauth/options.h
tests_unit_test_pam_options_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_pam_options_LDADD = common/client/libua_client.la $(UA_LIBS_TEST)

check_PROGRAMS += tests/pam/test_pam_module
TESTS += tests/pam/test_pam_module
tests_pam_test_pam_module_SOURCES = tests/pam/test_pam_module.c
tests_pam_test_pam_module_CPPFLAGS = $(AM_CPPFLAGS) \
	-DUA_ABS_SRCDIR='"$(abs_top_srcdir)"' \
	-DUA_ABS_BUILDDIR='"$(abs_top_builddir)"'
tests_pam_test_pam_module_CFLAGS = $(UA_CFLAGS_TEST)
tests_pam_test_pam_module_LDADD = $(PAM_LIBS) $(UA_LIBS_TEST)
# The test loads the built module by absolute path.
EXTRA_tests_pam_test_pam_module_DEPENDENCIES = pam_userauth/pam_userauth.la
endif
EXTRA_DIST += tests/tools/fake_pubd.py
