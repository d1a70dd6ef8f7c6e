# SPDX-License-Identifier: MIT
# The admin commands of issue 12: status, test-login, mail test, user
# modify, user show's MFA and limits, mailq --full.
TESTS += tests/integration/admin.sh
EXTRA_DIST += tests/integration/admin.sh tests/tools/ptydrive.py
