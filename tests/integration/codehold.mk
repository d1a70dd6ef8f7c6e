# SPDX-License-Identifier: MIT
# A code answered at once is replied to otp_min_answer_age after its
# challenge, for every class of user (S3).
TESTS += tests/integration/codehold.sh
EXTRA_DIST += tests/integration/codehold.sh tests/tools/codetime.py
