#!/bin/sh
# SPDX-License-Identifier: MIT
# Smoke run of the benchmarks at tiny sizes: every row must produce a
# figure (no lookup may fail).  Figures are not asserted.
: "${top_builddir:?run through make check}"
[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root for mount namespaces"; exit 0; }
out=$(BENCH_SIZES="10 1000" "$top_srcdir/bench/run" --smoke 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
echo "1..1"
if [ $rc -eq 0 ] && echo "$out" | grep -q '| pwnam | userauth | 1000 |'; then
	echo "ok 1 - bench/run --smoke produced every row"
else
	echo "not ok 1 - bench/run --smoke (exit $rc)"
fi
