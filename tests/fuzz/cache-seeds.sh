#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerates the NSS cache fuzz seeds (tests/fuzz/corpus/cache/) in the
# current format with the test tool mkcache; run it after a format change
# and commit the result.  v2-* seeds are kept as they are: old formats
# must stay refused.  Usage: tests/fuzz/cache-seeds.sh BUILDDIR
set -eu
mkcache=${1:?usage: cache-seeds.sh BUILDDIR}/tests/tools/mkcache
out=$(dirname "$0")/corpus/cache
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

: >"$tmp/empty"
echo "user root2 1000 1000 a@b.c /root /bin/sh" >"$tmp/one"
cat >"$tmp/small" <<'DESC'
user carol 50003 50003 - /home/carol /bin/sh Carol C
user alice 50001 50001 Alice@Example.com /home/alice /bin/bash Alice A
user bob 50002 50002 bob@example.com /home/bob /bin/sh Bob
group dev 60002 bob
group ops 60001 alice,bob
group alice 50001 -
group empty 60003 -
mark customer 200007 300002
mark staff 210000 310000
DESC
i=1
while [ $i -le 20 ]; do
	echo "user u$i $((100000 + i)) $((100000 + i)) u$i@example.org /home/u$i /bin/sh User $i"
	all=${all:+$all,}u$i
	[ $((i % 2)) -eq 0 ] && half=${half:+$half,}u$i
	i=$((i + 1))
done >"$tmp/twenty"
{ echo "group all 70000 $all"; echo "group half 70001 $half"; } >>"$tmp/twenty"

for s in empty one small twenty; do
	"$mkcache" -i "$out/$s" "$tmp/$s"
done
head -c 456 "$out/small" >"$out/small-truncated"
