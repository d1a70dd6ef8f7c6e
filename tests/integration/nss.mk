# SPDX-License-Identifier: MIT
# NSS module through real glibc in a private mount namespace (root only).
check_PROGRAMS += tests/tools/mkcache tests/tools/nsslookup
tests_tools_mkcache_SOURCES = tests/tools/mkcache.c
tests_tools_mkcache_CFLAGS = $(UA_CFLAGS_PROG)
tests_tools_mkcache_LDFLAGS = $(UA_LDFLAGS_PROG)
tests_tools_mkcache_LDADD = common/server/libua_server.la \
	common/client/libua_client.la $(JANSSON_LIBS)
tests_tools_nsslookup_SOURCES = tests/tools/nsslookup.c
tests_tools_nsslookup_CFLAGS = $(UA_CFLAGS_PROG)
tests_tools_nsslookup_LDFLAGS = $(UA_LDFLAGS_PROG)
tests_tools_nsslookup_LDADD = -ldl
TESTS += tests/integration/nss.sh
EXTRA_DIST += tests/integration/nss.sh
