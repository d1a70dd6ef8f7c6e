# SPDX-License-Identifier: MIT
# bench/cognito.sh: Cognito pools through the Cognito-wire fake
# (tests/tools/fake_cognito.py), driven by bench/cgload.py.
EXTRA_DIST += bench/cognito.sh bench/cgsync.sh bench/cgload.py
