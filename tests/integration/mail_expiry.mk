# SPDX-License-Identifier: MIT
# Faults at a code's expiry (4xx, RFC 1047, relay down), the 5xx log line,
# the whole-attempt cap: about 45 s, mostly the cap's 30 s wait, so it is
# listed first of all (make check -j starts tests in list order).
TESTS += tests/integration/mail_expiry.sh
EXTRA_DIST += tests/integration/mail_expiry.sh
