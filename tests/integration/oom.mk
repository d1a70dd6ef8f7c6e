# SPDX-License-Identifier: MIT
# Reliability matrix (SECURITY.md 6b), memory exhaustion: libfiu's POSIX
# preload fails the running daemon's allocations (a tenth, all, 3 in
# 1000) while logins, PING, admin writes and NSS lookups go on.
TESTS += tests/integration/oom.sh
EXTRA_DIST += tests/integration/oom.sh
