# SPDX-License-Identifier: MIT
# Reliability matrix rows (SECURITY.md 6b) in a pool that mails codes: a
# refused reload, a restart before the code's answer, a full state dir at
# issue, a locked database timed, corruption under the running daemon,
# kill -9 during 200 logins.
TESTS += tests/integration/faults2.sh
EXTRA_DIST += tests/integration/faults2.sh tests/tools/otpburst.py
