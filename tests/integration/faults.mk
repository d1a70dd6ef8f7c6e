# SPDX-License-Identifier: MIT
# Reliability matrix rows (SECURITY.md 6b): hung, killed and restarted
# daemon, full state dir, locked database, clients hanging up.
TESTS += tests/integration/faults.sh
EXTRA_DIST += tests/integration/faults.sh
