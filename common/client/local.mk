# SPDX-License-Identifier: MIT
# libua_client: libc only, PIC; linked into the modules, the daemon and the CLI.
noinst_LTLIBRARIES += common/client/libua_client.la
common_client_libua_client_la_CFLAGS = $(AM_CFLAGS) $(UA_VIS_CFLAGS)
common_client_libua_client_la_CPPFLAGS = $(UA_CPPFLAGS_MOD)
common_client_libua_client_la_SOURCES = \
	common/client/buf.c common/client/buf.h \
	common/client/frame.c common/client/frame.h \
	common/client/valid.c common/client/valid.h \
	common/client/wipe.c common/client/wipe.h \
	common/client/sha256.c common/client/sha256.h \
	common/client/cache_format.h \
	common/client/cache.c common/client/cache.h \
	common/client/cache_lookup.c common/client/cache_int.h \
	common/client/proto.c common/client/proto.h \
	common/client/mask.c common/client/mask.h

# The same code for the modules, built without sanitizers (configure.ac).
noinst_LTLIBRARIES += common/client/libua_client_mod.la
common_client_libua_client_mod_la_CFLAGS = $(UA_CFLAGS_MOD)
common_client_libua_client_mod_la_CPPFLAGS = $(UA_CPPFLAGS_MOD)
common_client_libua_client_mod_la_SOURCES = $(common_client_libua_client_la_SOURCES)
