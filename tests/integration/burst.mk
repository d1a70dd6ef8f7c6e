# SPDX-License-Identifier: MIT
# A burst of password, TOTP and mailed-code logins: WAIT frames, no right
# password refused, every code from the sink signs in.
TESTS += tests/integration/burst.sh
EXTRA_DIST += tests/integration/burst.sh tests/tools/burst.py
