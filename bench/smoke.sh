#!/bin/sh
# SPDX-License-Identifier: MIT
# Smoke run of the benchmarks at tiny sizes: every section must measure
# every one of its rows (none may fail) and print its table.  Figures are
# not asserted: timing belongs to make bench, not to the pass/fail suite.
: "${top_builddir:?run through make check}"
[ "${UA_LIGHT:-}" != distcheck ] || { echo "1..0 # SKIP the light pass of make distcheck (run in the full passes)"; exit 0; }
[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root for mount namespaces"; exit 0; }
n=0
for s in nss pam mail load daemon cognito enum; do
	[ -f "$top_srcdir/bench/$s.sh" ] || continue
	n=$((n + 1))
	out=$("$top_srcdir/bench/run" --smoke "$s" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/# /'
	# Every data row of every table must carry a figure: at least one
	# cell that is a number, and no nan or inf anywhere.
	bad=$(echo "$out" | awk -F'|' '
		/^\|/ && prev ~ /^\|/ && $0 !~ /^\|[-| ]+$/ && !header {
			num = 0; broken = 0
			for (i = 2; i < NF; i++) {
				c = $i; gsub(/^ +| +$/, "", c)
				if (c ~ /^[0-9]/) num = 1
				if (c ~ /(^|[^a-z])(nan|inf)([^a-z]|$)/) broken = 1
			}
			if (!num || broken) print
		}
		{ header = ($0 ~ /^\|/ && prev !~ /^\|/); prev = $0 }')
	if [ $rc -eq 0 ] && echo "$out" | grep -q '^| ' && [ -z "$bad" ]; then
		echo "ok $n - bench/run --smoke $s measured every row"
	elif [ -n "$bad" ]; then
		echo "not ok $n - bench/run --smoke $s: rows without a figure"
		echo "$bad" | sed 's/^/# no figure: /'
	else
		echo "not ok $n - bench/run --smoke $s (exit $rc)"
	fi
done
echo "1..$n"
