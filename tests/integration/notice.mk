# SPDX-License-Identifier: MIT
# login_notice_days: notices of sign-ins from new networks.
TESTS += tests/integration/notice.sh
EXTRA_DIST += tests/integration/notice.sh
