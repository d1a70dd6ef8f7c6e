# SPDX-License-Identifier: MIT
# Slow, broken and too many connections on the public socket.
TESTS += tests/integration/flood.sh
EXTRA_DIST += tests/integration/flood.sh tests/tools/flood.py
