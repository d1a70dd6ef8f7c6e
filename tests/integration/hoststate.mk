# SPDX-License-Identifier: MIT
# The host-state recorder that install-deps.sh and tests/run-all.sh use.
TESTS += tests/integration/hoststate.sh
EXTRA_DIST += tests/integration/hoststate.sh\
	tests/tools/hoststate.sh
