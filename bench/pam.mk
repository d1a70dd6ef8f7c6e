# SPDX-License-Identifier: MIT
# bench/pam.sh and its programs.
