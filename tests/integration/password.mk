# SPDX-License-Identifier: MIT
# NEW_PASSWORD_REQUIRED end to end: reset-password, policy, MFA after it.
TESTS += tests/integration/password.sh
EXTRA_DIST += tests/integration/password.sh
