# SPDX-License-Identifier: MIT
# A burst of password logins: WAIT frames, no right password refused.
TESTS += tests/integration/burst.sh
EXTRA_DIST += tests/integration/burst.sh tests/tools/burst.py
