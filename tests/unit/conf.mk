# SPDX-License-Identifier: MIT
# common/server: the config parser and the log helpers.
check_PROGRAMS += tests/unit/test_conf tests/unit/test_log
TESTS += tests/unit/test_conf tests/unit/test_log
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c
tests_unit_test_conf_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_conf_LDADD = common/server/libua_server.la \
	common/client/libua_client.la $(UA_LIBS_TEST) $(JANSSON_LIBS)
tests_unit_test_log_SOURCES = tests/unit/test_log.c
tests_unit_test_log_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_log_LDADD = common/server/libua_server.la \
	common/client/libua_client.la $(UA_LIBS_TEST) $(JANSSON_LIBS)
# The example is parsed by test_conf (test_example_config_parses).
EXTRA_DIST += doc/userauth.conf.example
