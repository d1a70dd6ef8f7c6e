# SPDX-License-Identifier: MIT
# Cognito endpoints that hang or have no route: the request deadline.
TESTS += tests/integration/cognito_hang.sh
EXTRA_DIST += tests/integration/cognito_hang.sh tests/tools/tarpit.py
