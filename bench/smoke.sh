#!/bin/sh
# SPDX-License-Identifier: MIT
# Smoke run of the benchmarks at tiny sizes: every section must measure
# every one of its rows (none may fail) and print its table.  Figures are
# not asserted: timing belongs to make bench, not to the pass/fail suite.
: "${top_builddir:?run through make check}"
[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root for mount namespaces"; exit 0; }
n=0
for s in nss pam mail load daemon; do
	[ -f "$top_srcdir/bench/$s.sh" ] || continue
	n=$((n + 1))
	out=$("$top_srcdir/bench/run" --smoke "$s" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/# /'
	if [ $rc -eq 0 ] && echo "$out" | grep -q '^| '; then
		echo "ok $n - bench/run --smoke $s measured every row"
	else
		echo "not ok $n - bench/run --smoke $s (exit $rc)"
	fi
done
echo "1..$n"
