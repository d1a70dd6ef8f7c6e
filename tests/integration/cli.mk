# SPDX-License-Identifier: MIT
TESTS += tests/integration/cli.sh
EXTRA_DIST += tests/integration/cli.sh tests/tools/sockpoke.py
