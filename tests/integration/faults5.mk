# SPDX-License-Identifier: MIT
# Reliability matrix rows (SECURITY.md 6b): a SIGSTOPped daemon under a
# module at its default 10 s timeout; a real sshd over a damaged NSS
# cache, then the daemon's rewrite.
TESTS += tests/integration/faults5.sh
EXTRA_DIST += tests/integration/faults5.sh
