# SPDX-License-Identifier: MIT
# userauth-nsswitch(8) on copies of nsswitch.conf.
TESTS += tests/integration/nsswitch.sh
EXTRA_DIST += tests/integration/nsswitch.sh
