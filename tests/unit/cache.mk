# SPDX-License-Identifier: MIT
# NSS cache: format, writer and reader (test_cache); the module's generation
# handling under concurrent republishing (test_nss_reader, built from the
# module's own cache_reader.c).
check_PROGRAMS += tests/unit/test_cache tests/unit/test_nss_reader
TESTS += tests/unit/test_cache tests/unit/test_nss_reader \
	tests/unit/nss_reader_otherfs.sh
EXTRA_DIST += tests/unit/nss_reader_otherfs.sh
tests_unit_test_cache_SOURCES = tests/unit/test_cache.c
tests_unit_test_cache_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_cache_LDADD = common/server/libua_server.la \
	common/client/libua_client.la $(UA_LIBS_TEST) $(JANSSON_LIBS)
tests_unit_test_nss_reader_SOURCES = tests/unit/test_nss_reader.c \
	nss_userauth/cache_reader.c nss_userauth/cache_reader.h
tests_unit_test_nss_reader_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_nss_reader_LDADD = common/server/libua_server.la \
	common/client/libua_client.la $(UA_LIBS_TEST) $(JANSSON_LIBS) -lpthread
# Format 3: email aliases as salted digests, id marks, old formats refused.
check_PROGRAMS += tests/unit/test_cache_alias
TESTS += tests/unit/test_cache_alias
tests_unit_test_cache_alias_SOURCES = tests/unit/test_cache_alias.c
tests_unit_test_cache_alias_CFLAGS = $(UA_CFLAGS_TEST)
tests_unit_test_cache_alias_LDADD = common/server/libua_server.la \
	common/client/libua_client.la $(UA_LIBS_TEST) $(JANSSON_LIBS)
