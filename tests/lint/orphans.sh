#!/bin/sh
# SPDX-License-Identifier: MIT
# No test that nobody runs: every script and test tool under tests/ and
# bench/ is in make check's TESTS or is named by another file there (a
# library it sources, a tool a test starts, a section bench/run runs).  A
# file of cases that no script reads once sat here for months.
. "$top_srcdir/tests/lint/lib.sh"
cd "$top_srcdir" || exit 1
files=$(find tests bench -type f \( -name '*.sh' -o -name '*.py' -o -name '*.txt' -o -name '*.c' \) \
	-not -path '*/corpus/*' -not -path 'tests/cognito-sdk/node_modules/*' | sort)
refs=$(find tests bench -type f \( -name '*.sh' -o -name '*.py' -o -name '*.mk' -o -name '*.c' -o -name '*.js' -o -name '*.json' -o -name 'run' \) \
	-not -path 'tests/cognito-sdk/node_modules/*'; echo Makefile.am; echo README.md)
hits=$(for f in $files; do
	b=${f##*/}
	# named by another file (itself excluded)
	if printf '%s\n' $refs | grep -vxF "$f" | xargs grep -lF -- "$b" >/dev/null 2>&1; then
		continue
	fi
	echo "$f: neither in TESTS nor named by any other test file"
done)
lint_ok "$([ -z "$hits" ]; echo $?)" "every file under tests/ and bench/ is run by make check or used by one that is" "$hits"
lint_done
