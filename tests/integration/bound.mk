# SPDX-License-Identifier: MIT
# userauthd(8)'s guessing bound against the shipped defaults.
TESTS += tests/integration/bound.sh
EXTRA_DIST += tests/integration/bound.sh
