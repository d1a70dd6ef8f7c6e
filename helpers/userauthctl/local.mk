# SPDX-License-Identifier: MIT
# userauthctl: thin client of the daemon's admin socket (doc/PROTOCOL.md).
bin_PROGRAMS += userauthctl
userauthctl_CFLAGS = $(UA_CFLAGS_PROG) $(JANSSON_CFLAGS)
userauthctl_LDFLAGS = $(UA_LDFLAGS_PROG)
userauthctl_SOURCES = \
	helpers/userauthctl/main.c \
	helpers/userauthctl/cmd.h helpers/userauthctl/args.c \
	helpers/userauthctl/client.c helpers/userauthctl/client.h \
	helpers/userauthctl/nscd.c helpers/userauthctl/nscd.h \
	helpers/userauthctl/output.c helpers/userauthctl/output.h \
	helpers/userauthctl/cmd_pool.c helpers/userauthctl/cmd_user.c \
	helpers/userauthctl/cmd_group.c helpers/userauthctl/cmd_passwd.c \
	helpers/userauthctl/cmd_mailq.c helpers/userauthctl/cmd_throttle.c \
	helpers/userauthctl/cmd_mailtest.c \
	helpers/userauthctl/cmd_import.c
# status, test-login, mail test (the admin commands of issue 12).
userauthctl_SOURCES += helpers/userauthctl/cmd_status.c \
	helpers/userauthctl/cmd_testlogin.c \
	helpers/userauthctl/cmd_user_modify.c
userauthctl_LDADD = common/server/libua_server.la common/client/libua_client.la \
	$(JANSSON_LIBS)
# TOTP enrolment (mfa *): draws the QR code with common/server/qr.c.
userauthctl_SOURCES += helpers/userauthctl/cmd_mfa.c
