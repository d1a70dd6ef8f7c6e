# SPDX-License-Identifier: MIT
# The recipes of pam_userauth(8) with the real programs: an ops-box sshd
# (pool users, local accounts, root by key), email as the SSH user name,
# su and login.
TESTS += tests/integration/recipes.sh
EXTRA_DIST += tests/integration/recipes.sh
