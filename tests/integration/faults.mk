# SPDX-License-Identifier: MIT
# Reliability matrix rows (SECURITY.md 6b): hung, killed and restarted
# daemon, full state dir, locked database, clients hanging up.
TESTS += tests/integration/faults.sh
EXTRA_DIST += tests/integration/faults.sh
# The wall clock stepped under a running daemon (libfaketime).
TESTS += tests/integration/clock.sh
EXTRA_DIST += tests/integration/clock.sh
# I/O errors under a running daemon (libfiu's POSIX preload).
TESTS += tests/integration/iofault.sh
EXTRA_DIST += tests/integration/iofault.sh
