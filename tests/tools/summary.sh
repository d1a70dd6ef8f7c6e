#!/bin/sh
# SPDX-License-Identifier: MIT
# Counts the per-case results automake's tap-driver wrote into .trs files
# under the given build dirs and prints the suite's closing line.
set -eu
PACKAGE_TARNAME=${PACKAGE_TARNAME:-userauth}
[ $# -gt 0 ] || set -- .
pass=0 fail=0 skip=0
for dir in "$@"; do
	# Not the tree a failed make distcheck leaves behind (userauth-*/):
	# its results are its own step's, counted once by run-all.sh.
	for f in $(find "$dir" -path "$dir/$PACKAGE_TARNAME-*" -prune -o \
		-name '*.trs' -print | sort); do
		while IFS= read -r line; do
			case $line in
			':test-result: PASS'*|':test-result: XFAIL'*) pass=$((pass + 1)) ;;
			':test-result: SKIP'*) skip=$((skip + 1)) ;;
			':test-result: '*) fail=$((fail + 1)) ;;
			esac
		done < "$f"
	done
done
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
