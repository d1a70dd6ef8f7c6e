# SPDX-License-Identifier: MIT
# bench/load.sh and its programs.
