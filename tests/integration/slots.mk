# SPDX-License-Identifier: MIT
# Connection slots: per-uid cap, root's reserve.
TESTS += tests/integration/slots.sh
EXTRA_DIST += tests/integration/slots.sh tests/tools/hold.py
