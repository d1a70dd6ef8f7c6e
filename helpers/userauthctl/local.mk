# SPDX-License-Identifier: MIT
bin_PROGRAMS += userauthctl
userauthctl_CFLAGS = $(UA_CFLAGS_PROG) $(JANSSON_CFLAGS)
userauthctl_LDFLAGS = $(UA_LDFLAGS_PROG)
userauthctl_SOURCES = helpers/userauthctl/main.c
userauthctl_LDADD = common/server/libua_server.la common/client/libua_client.la \
	$(JANSSON_LIBS)
