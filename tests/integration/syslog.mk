# SPDX-License-Identifier: MIT
# The daemon in syslog mode: a private /dev/log, absent, full.
TESTS += tests/integration/syslog.sh
EXTRA_DIST += tests/integration/syslog.sh tests/tools/devlog.py
