# SPDX-License-Identifier: MIT
# bench/enum.sh: enumeration by timing (SECURITY.md S3), driven by
# bench/enumtime.py on the daemon's public socket.
EXTRA_DIST += bench/enum.sh bench/enumtime.py
