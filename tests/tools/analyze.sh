#!/bin/sh
# SPDX-License-Identifier: MIT
# The static analyser over the shipped C: the daemon, the CLI, both
# modules and common/ (STYLE.md 3.12).  `make analyze` runs it with the
# build's own compiler command, so the flags, includes and config.h are
# the ones the code is built with:
#
#   tests/tools/analyze.sh srcdir compile-command...
#
# clang-14 --analyze (the core, deadcode, unix and security checkers)
# where it is installed; gcc -fanalyzer otherwise.  gcc 12's leak checker
# loses track of ownership handed out through struct fields (72 false
# leaks here), so with gcc the findings are listed and the run passes;
# with clang any finding fails it.  A finding judged false goes into
# tests/tools/analyze.ignore as "file:checker" (a comment line with the
# reason above it).  Findings are collected in analyze.log.
set -eu
top=$1
shift
log=analyze.log
: >"$log"
ignore=$top/tests/tools/analyze.ignore
clang=${UA_ANALYZE_CLANG:-clang-14}
if command -v "$clang" >/dev/null 2>&1; then
	tool=clang
else
	tool=gcc
fi
# the build's command with its compiler swapped for clang where it runs
cmd=$*
if [ "$tool" = clang ]; then
	shift
	# drop what clang-14 refuses (a gcc hardening flag; it changes no
	# path the analyser follows)
	for a in "$@"; do
		shift
		case $a in -ftrivial-auto-var-init=*) continue ;; esac
		set -- "$@" "$a"
	done
	set -- "$clang" "$@"
fi
n=0
for f in "$top"/common/client/*.c "$top"/common/server/*.c \
    "$top"/pam_userauth/*.c "$top"/nss_userauth/*.c \
    "$top"/helpers/userauthd/*.c "$top"/helpers/userauthd/*/*.c \
    "$top"/helpers/userauthctl/*.c; do
	rel=${f#"$top"/}
	n=$((n + 1))
	if [ "$tool" = clang ]; then
		# gcc-only warning flags of the build are no concern of clang's
		# a file the analyser could not read is a failure, not a pass
		"$@" -Wno-error -Wno-unknown-warning-option --analyze \
		    -Xclang -analyzer-checker=core,deadcode,unix,security.insecureAPI.strcpy \
		    -o /dev/null "$f" 2>"$log.one" ||
			{ echo "$rel: the analyser failed: $(grep -m1 'error' "$log.one")" >>"$log"; }
		pat='warning: .*\[[a-zA-Z]+\.[a-zA-Z.]+\]$'
	else
		"$@" -Wno-error -fanalyzer -c -o /dev/null "$f" 2>"$log.one" || true
		pat='warning: .*\[-Wanalyzer-'
	fi
	grep -E "$pat" "$log.one" | while IFS= read -r w; do
		chk=$(printf '%s\n' "$w" | sed -n 's/.*\[\([^]]*\)\]$/\1/p')
		if [ -f "$ignore" ] && grep -qxF "$rel:$chk" "$ignore"; then
			continue
		fi
		printf '%s\n' "$w"
	done >>"$log"
done
rm -f "$log.one"
found=$(grep -c . "$log" || true)
if [ "$found" -gt 0 ]; then
	cat "$log"
	echo "analyze ($tool): $found finding(s) in $n files (see $log)" >&2
	[ "$tool" = clang ] && exit 1
	exit 0
fi
echo "analyze ($tool): nothing found in $n files (${cmd%% *} flags)"
