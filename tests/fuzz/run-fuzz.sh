#!/bin/sh
# SPDX-License-Identifier: MIT
# Build every tests/fuzz/fuzz_<t>.c with clang-14 and libFuzzer + ASan +
# UBSan, straight from the sources, and fuzz each for N seconds.
#
#   tests/fuzz/run-fuzz.sh [-b builddir] [-w workdir] [seconds] [target...]
#
# seconds defaults to 60; targets default to all fuzz_*.c.  A target names
# the sources it links on "run-fuzz-sources:" lines and optional
# pkg-config modules on "run-fuzz-pkgs:" lines, in its opening comment
# (repeat the key to stay within 80 columns; all such lines are joined).  config.h comes from the build dir (-b, or the current
# directory if it has one); without one only _GNU_SOURCE is defined.
# New inputs go to workdir/<t>/corpus (seeded from corpus/<t>, which is
# left alone); a crash leaves workdir/<t>/crash-* and makes the script
# fail: fix the bug, then copy the file into tests/fuzz/corpus/<t>/ so
# `make check` replays it for ever.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=
workdir=
while getopts b:w: opt; do
	case $opt in
	b) builddir=$OPTARG ;;
	w) workdir=$OPTARG ;;
	*) echo "usage: $0 [-b builddir] [-w workdir] [seconds] [target...]" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
secs=60
case ${1:-} in
'' | *[!0-9]*) ;;
*) secs=$1; shift ;;
esac
if [ -z "$builddir" ] && [ -f ./config.h ]; then
	builddir=$(pwd)
fi
: "${workdir:=${builddir:-$(pwd)}/fuzz-work}"
cc=${UA_FUZZ_CC:-clang-14}
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
if [ -n "$builddir" ]; then
	inc="-include $builddir/config.h"
else
	inc="-D_GNU_SOURCE"
fi

# Values of all "key:" lines in a target's source, joined ("" if none).
meta() {
	sed -n "s|^.*$1:[[:space:]]*\\([^*]*\\).*\$|\\1|p" "$2" | tr '\n' ' '
}

if [ $# -eq 0 ]; then
	for f in "$top"/tests/fuzz/fuzz_*.c; do
		t=${f##*/fuzz_}
		set -- "$@" "${t%.c}"
	done
fi

failed=
for t in "$@"; do
	src=$top/tests/fuzz/fuzz_$t.c
	if [ ! -f "$src" ]; then
		echo "run-fuzz: no target $src" >&2
		failed="$failed $t"
		continue
	fi
	if ! grep -q 'run-fuzz-sources:' "$src"; then
		echo "run-fuzz: $t: no run-fuzz-sources: line in $src" >&2
		failed="$failed $t"
		continue
	fi
	srcs=
	for s in $(meta run-fuzz-sources "$src"); do
		srcs="$srcs $top/$s"
	done
	pkgs=$(meta run-fuzz-pkgs "$src")
	libs=
	if [ -n "$pkgs" ]; then
		libs=$(pkg-config --cflags --libs $pkgs)
	fi
	dir=$workdir/$t
	mkdir -p "$dir/corpus"
	echo "run-fuzz: building $t"
	# shellcheck disable=SC2086 # word splitting of flag lists is wanted
	if ! $cc $flags -I"$top" -I"$top/common" -I"$top/helpers" $inc -o "$dir/fuzz_$t" \
	    "$src" $srcs $libs; then
		echo "run-fuzz: $t: build failed" >&2
		failed="$failed $t"
		continue
	fi
	echo "run-fuzz: fuzzing $t for ${secs}s"
	if "$dir/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 \
	    -artifact_prefix="$dir/" "$dir/corpus" \
	    "$top/tests/fuzz/corpus/$t" >"$dir/fuzz.log" 2>&1; then
		grep -E '^(Done|stat::number_of_executed_units)' "$dir/fuzz.log" |
		    sed "s/^/run-fuzz: $t: /"
	else
		tail -n 40 "$dir/fuzz.log" >&2
		echo "run-fuzz: $t FAILED; artifacts in $dir" >&2
		failed="$failed $t"
	fi
done
if [ -n "$failed" ]; then
	echo "run-fuzz: failed:$failed" >&2
	exit 1
fi
echo "run-fuzz: all targets ran ${secs}s without a finding"
