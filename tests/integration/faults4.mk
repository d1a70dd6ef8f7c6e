# SPDX-License-Identifier: MIT
# Reliability matrix rows (SECURITY.md 6b): the database locked while the
# mailer records a mail, timed against its busy timeout; idle public
# connections closed at the idle limit.
TESTS += tests/integration/faults4.sh
EXTRA_DIST += tests/integration/faults4.sh
