#!/bin/sh
# SPDX-License-Identifier: MIT
# The whole test suite, as the README's test command and CI run it:
# a -Werror build with every test, the same suite under ASan+UBSan, the
# fuzz corpora replayed (part of make check), and make distcheck.  Ends
# with one line: "N passed, N failed" (", N skipped" when a test was skipped
# for a reason it printed).
set -u
# Only the distcheck step below may run the light pass: whatever the
# caller's environment holds, both full passes run every script.
unset UA_LIGHT
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
jobs=$(nproc 2>/dev/null || echo 2)
# Most integration scripts wait (on a daemon, a relay, sshd, a code's
# lifetime) rather than compute: make check runs three per core.
check_jobs=${UA_CHECK_JOBS:-$((jobs * 3))}
extra_pass=0
extra_fail=0
started=$(date +%s)
note() { printf '\n=== %s (at %ss)\n' "$*" "$(($(date +%s) - started))"; }
step() {	# step DESCRIPTION COMMAND...: an extra test counted in the summary
	desc=$1
	shift
	if "$@"; then
		extra_pass=$((extra_pass + 1))
		echo "ok - $desc"
	else
		extra_fail=$((extra_fail + 1))
		echo "not ok - $desc"
	fi
}

note "autoreconf"
autoreconf -fi >/dev/null 2>&1 || { autoreconf -fi; echo "0 passed, 1 failed"; exit 1; }

build() {	# build DIR CONFIGURE-ARGS...
	dir=$1
	shift
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && "$src/configure" -q --enable-werror "$@" &&
		make -s -j"$jobs")
}

# check DIR FILTER [ENV...]: make check in DIR, its lines through FILTER.
# A make check that fails without a failed case of its own (a test that
# does not build, a harness that dies before its TAP) counts as a failure.
check() {
	dir=$1
	filter=$2
	shift 2
	rm -f "$dir/.check-rc" "$dir/test-times"
	{ (cd "$dir" && env "$@" make -j"$check_jobs" check; echo $? >.check-rc) 2>&1 |
		grep -E "$filter" || true; }
	rc=$(cat "$dir/.check-rc" 2>/dev/null || echo 1)
	# the slowest scripts of the pass (tests/tools/timed.sh), which bound
	# its wall time
	if [ -s "$dir/test-times" ]; then
		echo "# slowest scripts in $dir (s):" $(sort -rn "$dir/test-times" |
			head -n 8 | awk '{ printf "%s %s;", $2, $1 }')
	fi
	if [ "$rc" -ne 0 ]; then
		set -- $(sh tests/tools/summary.sh "$dir" | tr -d ',')
		if [ "$3" -eq 0 ]; then
			extra_fail=$((extra_fail + 1))
			echo "not ok - make check in $dir exited $rc with no failed case (see $dir/test-suite.log and the make output)"
		fi
	fi
}

note "build (-Werror) and make check"
rm -f /tmp/pam.? 2>/dev/null
analyze_pid=
if build _build/main; then
	# the static analyser (clang-14 --analyze, any finding fails) on the
	# CPU the rest leaves idle: the tests mostly wait; collected at the end
	(cd _build/main && nice -n 19 make -s analyze >analyze.out 2>&1) &
	analyze_pid=$!
	check _build/main '^(PASS|FAIL|ERROR|XPASS|SKIP|# )|Error [0-9]|error:'
else
	extra_fail=$((extra_fail + 1))
	echo "not ok - build"
fi

note "ASan + UBSan build and make check"
if build _build/asan --enable-sanitizers; then
	check _build/asan '^(FAIL|ERROR|XPASS|# (TOTAL|PASS|FAIL|ERROR))|Error [0-9]|error:' \
		ASAN_OPTIONS=detect_leaks=1
else
	extra_fail=$((extra_fail + 1))
	echo "not ok - sanitizer build"
fi

note "make distcheck (its inner check a light pass) and the tarball's contents"
# The tarball is built, unpacked read-only, configured, built, installed
# and uninstalled as automake's distcheck does; its inner make check runs
# the unit tests, fuzz replays and lints (UA_LIGHT: the root integration
# scripts and the bench smoke ran in both passes above, and ran a third
# time here for a third of the whole run).  distfiles.sh then proves the
# tarball holds every tracked file (so no script's file is missing from
# it); what the light pass no longer shows is a script that writes into
# its read-only source tree, which the full passes' scratch dirs rule out.
step "make distcheck" sh -c "cd _build/main && UA_LIGHT=distcheck make -s -j$jobs distcheck >distcheck.log 2>&1 || { tail -40 distcheck.log; exit 1; }"
set -- _build/main/userauth-*.tar.gz
step "the release tarball holds every tracked file (tests/tools/distfiles.sh)" \
	sh tests/tools/distfiles.sh "$1"

if [ -n "$analyze_pid" ]; then
	note "make analyze"
	wait "$analyze_pid"
	step "make analyze: clang-14 --analyze finds nothing (tests/tools/analyze.ignore)" \
		sh -c "tail -3 _build/main/analyze.out; grep -q '^analyze (clang): nothing found' _build/main/analyze.out"
fi

# install-deps.sh recorded the host after installing; nothing the suite did
# may have changed its PAM stacks, nsswitch.conf, services or bound ports, nor
# taken any entry out of /dev.
note "the host is as install-deps.sh left it"
extra_skip=0
if [ -f _build/host-state/after/config ]; then
	step "the suite left the host's PAM stacks, nsswitch.conf, services, ports and /dev alone" \
		sh tests/tools/hoststate.sh compare _build/host-state/after
else
	extra_skip=1
	echo "ok - # SKIP no record from tests/tools/install-deps.sh (_build/host-state/after): host not compared"
fi

note "summary"
set -- $(sh tests/tools/summary.sh _build/main _build/asan | tr -d ',')
pass=$(( $1 + extra_pass ))
fail=$(( $3 + extra_fail ))
skip=$(( ${5:-0} + extra_skip ))
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
