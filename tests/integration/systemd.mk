# SPDX-License-Identifier: MIT
# The systemd unit and tmpfiles.d file in dist/: systemd-analyze verify and
# security, their directories against configure's, the daemon's sd_notify.
TESTS += tests/integration/systemd.sh
EXTRA_DIST += tests/integration/systemd.sh
AM_TESTS_ENVIRONMENT += \
	UA_RUNTIME_DIR='$(uaruntimedir)'; export UA_RUNTIME_DIR; \
	UA_STATE_DIR='$(uastatedir)'; export UA_STATE_DIR; \
	UA_NSS_CACHE='$(nsscache)'; export UA_NSS_CACHE;
