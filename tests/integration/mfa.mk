# SPDX-License-Identifier: MIT
# TOTP MFA end to end: staff pools, pamconv, oathtool codes (root only).
TESTS += tests/integration/mfa.sh
EXTRA_DIST += tests/integration/mfa.sh
