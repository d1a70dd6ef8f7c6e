# SPDX-License-Identifier: MIT
# bench/daemon.sh: the daemon with large pools (import, rebuild, memory).
EXTRA_DIST += bench/daemon.sh
