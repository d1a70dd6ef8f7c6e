# SPDX-License-Identifier: MIT
# make install into a scratch DESTDIR: the exact file list, then uninstall.
TESTS += tests/integration/install.sh
EXTRA_DIST += tests/integration/install.sh
AM_TESTS_ENVIRONMENT += \
	UA_PAMDIR='$(pamdir)'; export UA_PAMDIR; \
	UA_NSSDIR='$(nssdir)'; export UA_NSSDIR; \
	UA_SBINDIR='$(sbindir)'; export UA_SBINDIR; \
	UA_BINDIR='$(bindir)'; export UA_BINDIR; \
	UA_MANDIR='$(mandir)'; export UA_MANDIR;
