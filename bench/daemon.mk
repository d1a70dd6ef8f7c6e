# SPDX-License-Identifier: MIT
# bench/daemon.sh and its programs.
