# SPDX-License-Identifier: MIT
# Lint of the built modules: exported symbols, libraries, hardening.
TESTS += tests/lint/exports.sh tests/lint/deps.sh
EXTRA_DIST += tests/lint/lib.sh tests/lint/exports.sh tests/lint/deps.sh
