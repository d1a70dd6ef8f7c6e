# SPDX-License-Identifier: MIT
# libnss_userauth.so.2: libc only; answers from the memory-mapped cache.
nss_LTLIBRARIES += nss_userauth/libnss_userauth.la
nss_userauth_libnss_userauth_la_CFLAGS = $(UA_CFLAGS_MOD)
nss_userauth_libnss_userauth_la_CPPFLAGS = $(UA_CPPFLAGS_MOD)
nss_userauth_libnss_userauth_la_SOURCES = nss_userauth/nss_userauth.c \
	nss_userauth/cache_reader.c nss_userauth/cache_reader.h
nss_userauth_libnss_userauth_la_LDFLAGS = $(UA_LDFLAGS_MOD) -version-info 2:0:0 \
	-Wl,--version-script=$(top_srcdir)/nss_userauth/nss_userauth.map
nss_userauth_libnss_userauth_la_LIBADD = common/client/libua_client_mod.la
EXTRA_DIST += nss_userauth/nss_userauth.map
