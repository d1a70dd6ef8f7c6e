#!/bin/sh
# SPDX-License-Identifier: MIT
# The shell tests' LOG_COMPILER (tests/local.mk): runs the script under a
# 900 s timeout and appends "SECONDS SCRIPT" to $top_builddir/test-times
# (one short O_APPEND write per test, safe beside parallel jobs), which
# tests/run-all.sh reads to name the slowest tests of each pass.  Nothing
# goes to stdout but the script's own TAP.
t0=$(date +%s%N)
timeout 900 "${SHELL:-/bin/sh}" "$@"
rc=$?
t1=$(date +%s%N)
if [ -n "${top_builddir:-}" ]; then
	# the script's path from the top of the tree
	p=${1#"${top_srcdir:-}"/}
	while [ "${p#../}" != "$p" ]; do p=${p#../}; done
	printf '%d.%01d %s\n' $(((t1 - t0) / 1000000000)) \
		$((((t1 - t0) / 100000000) % 10)) "$p" \
		>>"$top_builddir/test-times" 2>/dev/null
fi
exit $rc
