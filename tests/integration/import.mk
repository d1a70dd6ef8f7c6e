# SPDX-License-Identifier: MIT
TESTS += tests/integration/import.sh
EXTRA_DIST += tests/integration/import.sh
