# SPDX-License-Identifier: MIT
# Reliability matrix rows (SECURITY.md 6b) under a PAM host: the daemon
# killed mid-reply, hung under one host's 20 logins, the NSS cache
# damaged under getent, id and nscd and rewritten by the daemon.
TESTS += tests/integration/faults3.sh
EXTRA_DIST += tests/integration/faults3.sh
