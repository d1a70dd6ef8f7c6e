# SPDX-License-Identifier: MIT
sbin_PROGRAMS += userauthd
userauthd_CFLAGS = $(UA_CFLAGS_PROG) $(JANSSON_CFLAGS) $(SQLITE_CFLAGS) $(CRYPT_CFLAGS)
userauthd_LDFLAGS = $(UA_LDFLAGS_PROG)
userauthd_SOURCES = \
	helpers/userauthd/main.c \
	helpers/userauthd/server.c helpers/userauthd/server.h \
	helpers/userauthd/admin.c helpers/userauthd/admin.h \
	helpers/userauthd/store.c helpers/userauthd/store.h \
	helpers/userauthd/nsscache.c helpers/userauthd/nsscache.h
userauthd_LDADD = common/server/libua_server.la common/client/libua_client.la \
	$(JANSSON_LIBS) $(SQLITE_LIBS) $(CRYPT_LIBS)
