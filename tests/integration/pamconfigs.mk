# SPDX-License-Identifier: MIT
# The pam-auth-update profile and the packaged userauth.conf.
TESTS += tests/integration/pamconfigs.sh
EXTRA_DIST += tests/integration/pamconfigs.sh
