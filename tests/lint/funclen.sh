#!/bin/sh
# SPDX-License-Identifier: MIT
# Function length (STYLE.md): no function body over FUNCLEN_MAX lines
# (blank and comment lines included) unless tests/lint/funclen.allow names
# it with the reason; and every name there is still that long (the list
# only shrinks).  KNF and the CLI's clang-format both start a definition's
# name and its braces in column 0, which is what this reads.
. "$top_srcdir/tests/lint/lib.sh"
cd "$top_srcdir" || exit 1
FUNCLEN_MAX=60
allow=tests/lint/funclen.allow

# file function length, for every function longer than FUNCLEN_MAX
long=$(find common pam_userauth nss_userauth helpers -name '*.c' | sort |
	xargs awk -v max="$FUNCLEN_MAX" '
		FNR == 1 { name = ""; start = 0 }
		/^[A-Za-z_][A-Za-z0-9_]*\(/ { name = $0; sub(/\(.*/, "", name) }
		/^\{/ { start = FNR }
		/^\}/ && start { if (FNR - start - 1 > max) print FILENAME, name, FNR - start - 1; start = 0 }')
hits=$(printf '%s\n' "$long" | while read -r f fn n; do
	[ -n "$f" ] || continue
	grep -qE "^$f $fn " "$allow" || echo "$f: $fn is $n lines (over $FUNCLEN_MAX): split it, or give the reason in $allow"
done)
lint_ok "$([ -z "$hits" ]; echo $?)" "no function over $FUNCLEN_MAX lines without a reason in $allow" "$hits"
stale=$(grep -vE '^(#|$)' "$allow" | while read -r f fn rest; do
	printf '%s\n' "$long" | grep -qE "^$f $fn " || echo "$allow: $f $fn is no longer over $FUNCLEN_MAX lines (or gone): take it out"
done)
lint_ok "$([ -z "$stale" ]; echo $?)" "every function in $allow is still over $FUNCLEN_MAX lines" "$stale"
none=$(grep -vE '^(#|$)' "$allow" | awk 'NF < 4 { print "'"$allow"': no reason given: " $0 }')
lint_ok "$([ -z "$none" ]; echo $?)" "every function in $allow has its reason" "$none"
lint_done
