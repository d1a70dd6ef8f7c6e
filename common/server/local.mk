# SPDX-License-Identifier: MIT
# libua_server: code shared by the daemon and the CLI; may use jansson,
# OpenSSL, SQLite, libqrencode.  Never linked into a module.
noinst_LTLIBRARIES += common/server/libua_server.la
common_server_libua_server_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(QRENCODE_CFLAGS)
common_server_libua_server_la_SOURCES = \
	common/server/log.c common/server/log.h \
	common/server/conf.c common/server/conf.h common/server/defaults.h \
	common/server/conf_int.h common/server/conf_keys.c \
	common/server/conf_value.c common/server/conf_check.c \
	common/server/conf_cognito.c \
	common/server/secretfile.c common/server/secretfile.h \
	common/server/conf_dump.c \
	common/server/conf_policy.c common/server/conf_policy.h \
	common/server/cache_writer.c common/server/cache_writer.h \
	common/server/cache_publish.c \
	common/server/json_frame.c common/server/json_frame.h \
	common/server/qr.c common/server/qr.h
common_server_libua_server_la_LIBADD = common/client/libua_client.la $(JANSSON_LIBS) \
	$(QRENCODE_LIBS)
