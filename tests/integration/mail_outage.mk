# SPDX-License-Identifier: MIT
# The relay refusing connections for 60 s under the default retry
# schedule, then the delivery and the login: about 70-95 s of waiting, so
# it is listed first of all (make check -j starts tests in list order).
TESTS += tests/integration/mail_outage.sh
EXTRA_DIST += tests/integration/mail_outage.sh
