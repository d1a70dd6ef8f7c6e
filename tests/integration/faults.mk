# SPDX-License-Identifier: MIT
# Reliability matrix rows (SECURITY.md 6b).
# I/O errors under a running daemon (libfiu's POSIX preload); the longest.
TESTS += tests/integration/iofault.sh
EXTRA_DIST += tests/integration/iofault.sh
# Hung, killed and restarted daemon, full state dir, locked database,
# clients hanging up, no fds, no memory.
TESTS += tests/integration/faults.sh
EXTRA_DIST += tests/integration/faults.sh
# The wall clock stepped under a running daemon (libfaketime).
TESTS += tests/integration/clock.sh
EXTRA_DIST += tests/integration/clock.sh
