# SPDX-License-Identifier: MIT
# Lint of the built modules (exported symbols, libraries, hardening), of
# the sources (banned calls) and of the man pages (mandoc -Tlint).
TESTS += tests/lint/exports.sh tests/lint/deps.sh tests/lint/banned.sh \
	tests/lint/mandoc.sh
EXTRA_DIST += tests/lint/lib.sh tests/lint/exports.sh tests/lint/deps.sh \
	tests/lint/banned.sh tests/lint/mandoc.sh
