#!/bin/sh
# SPDX-License-Identifier: MIT
# gcc -fanalyzer over the shipped C: the daemon, the CLI, both modules and
# common/ (STYLE.md 3.12).  `make analyze` runs it with the build's own
# compiler command, so the flags, includes and config.h are the ones the
# code is built with:
#
#   tests/tools/analyze.sh srcdir compile-command...
#
# Each file is compiled once more with -fanalyzer into /dev/null; the
# findings are collected in analyze.log (in the current directory).  The
# gcc analyzer is advisory (STYLE.md 3.12: gcc 12's leak checker loses
# track of ownership handed out through struct fields and reports many
# false leaks), so the script lists them and passes; UA_ANALYZE_STRICT=1
# makes any finding fail it.  A finding judged false goes into
# tests/tools/analyze.ignore as "file:-Wanalyzer-option" (a comment line
# with the reason above it); those are dropped.
set -eu

top=$1
shift
log=analyze.log
: >"$log"
ignore=$top/tests/tools/analyze.ignore
n=0
for f in "$top"/common/client/*.c "$top"/common/server/*.c \
    "$top"/pam_userauth/*.c "$top"/nss_userauth/*.c \
    "$top"/helpers/userauthd/*.c "$top"/helpers/userauthd/*/*.c \
    "$top"/helpers/userauthctl/*.c; do
	rel=${f#"$top"/}
	n=$((n + 1))
	# -Werror off: every finding of a file is listed, not the first
	"$@" -Wno-error -fanalyzer -c -o /dev/null "$f" 2>"$log.one" || true
	grep -E 'warning: .*\[-Wanalyzer-' "$log.one" | while IFS= read -r w; do
		opt=$(printf '%s\n' "$w" | sed -n 's/.*\[\(-Wanalyzer-[a-z-]*\)\].*/\1/p')
		if [ -f "$ignore" ] && grep -qxF "$rel:$opt" "$ignore"; then
			continue
		fi
		printf '%s\n' "$w"
	done >>"$log"
done
rm -f "$log.one"
found=$(grep -c . "$log" || true)
if [ "$found" -gt 0 ]; then
	cat "$log"
	echo "analyze: $found finding(s) in $n files (see $log)" >&2
	[ "${UA_ANALYZE_STRICT:-0}" = 1 ] && exit 1
	exit 0
fi
echo "analyze: gcc -fanalyzer found nothing in $n files"
