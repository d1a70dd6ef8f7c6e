# SPDX-License-Identifier: MIT
# userauthctl: thin client of the daemon's admin socket (doc/PROTOCOL.md).
bin_PROGRAMS += userauthctl
userauthctl_CFLAGS = $(UA_CFLAGS_PROG) $(JANSSON_CFLAGS)
userauthctl_LDFLAGS = $(UA_LDFLAGS_PROG)
userauthctl_LDADD = common/server/libua_server.la common/client/libua_client.la \
	$(JANSSON_LIBS)
# The frame: the verbs and their options, the socket, the output (tables
# by column spec, escaping), telling nscd of a change.
userauthctl_SOURCES = \
	helpers/userauthctl/main.c \
	helpers/userauthctl/cmd.h helpers/userauthctl/args.c \
	helpers/userauthctl/client.c helpers/userauthctl/client.h \
	helpers/userauthctl/output.c helpers/userauthctl/output.h \
	helpers/userauthctl/nscd.c helpers/userauthctl/nscd.h
# One file per group of commands (mfa draws the QR with common/server/qr.c).
userauthctl_SOURCES += \
	helpers/userauthctl/cmd_status.c helpers/userauthctl/cmd_pool.c \
	helpers/userauthctl/cmd_user.c helpers/userauthctl/cmd_user_modify.c \
	helpers/userauthctl/cmd_import.c helpers/userauthctl/cmd_passwd.c \
	helpers/userauthctl/cmd_group.c helpers/userauthctl/cmd_mfa.c \
	helpers/userauthctl/cmd_throttle.c helpers/userauthctl/cmd_testlogin.c \
	helpers/userauthctl/cmd_mailq.c helpers/userauthctl/cmd_mailtest.c
