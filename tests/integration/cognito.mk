# SPDX-License-Identifier: MIT
# Cognito pools end to end against the Cognito-wire fake.
TESTS += tests/integration/cognito.sh
EXTRA_DIST += tests/integration/cognito.sh tests/tools/fake_imds.py
