# SPDX-License-Identifier: MIT
# A private nscd caching pool users; userauthctl drops its caches.
TESTS += tests/integration/nscd.sh
EXTRA_DIST += tests/integration/nscd.sh
