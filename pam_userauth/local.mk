# SPDX-License-Identifier: MIT
# pam_userauth.so: libc and libpam only; a thin client of userauthd's
# public socket.  Loaded by name, so no version in the file name.
pam_LTLIBRARIES += pam_userauth/pam_userauth.la
pam_userauth_pam_userauth_la_CFLAGS = $(UA_CFLAGS_MOD)
pam_userauth_pam_userauth_la_CPPFLAGS = $(UA_CPPFLAGS_MOD)
pam_userauth_pam_userauth_la_SOURCES = pam_userauth/pam_userauth.c \
	pam_userauth/options.c pam_userauth/options.h \
	pam_userauth/converse.c pam_userauth/converse.h \
	pam_userauth/client.c pam_userauth/client.h \
	pam_userauth/login.c pam_userauth/login.h
pam_userauth_pam_userauth_la_LDFLAGS = $(UA_LDFLAGS_MOD) -avoid-version \
	-Wl,--version-script=$(top_srcdir)/pam_userauth/pam_userauth.map
pam_userauth_pam_userauth_la_LIBADD = common/client/libua_client_mod.la $(PAM_LIBS)
EXTRA_pam_userauth_pam_userauth_la_DEPENDENCIES = \
	$(top_srcdir)/pam_userauth/pam_userauth.map
EXTRA_DIST += pam_userauth/pam_userauth.map
