# SPDX-License-Identifier: MIT
# Issuance limits per account and normalised identifier (S4).
TESTS += tests/integration/limits.sh
EXTRA_DIST += tests/integration/limits.sh
