# SPDX-License-Identifier: MIT
# Throttling and lockout end to end.
TESTS += tests/integration/throttle.sh
EXTRA_DIST += tests/integration/throttle.sh
