#!/bin/sh
# SPDX-License-Identifier: MIT
# NSS lookup section of the benchmarks (BENCHMARKS.md), run by bench/run:
#   bench/run nss               (sizes 10, 100000, 1000000)
#   bench/run --smoke nss       (sizes 10, 1000; a few seconds)
# Sets up a private mount namespace like tests/integration/lib.sh: an
# nsswitch.conf naming ONLY the measured source, the modules overlaid on
# the libc dir, /var/cache and /etc/passwd+group bound to scratch copies.
# Pools are written by bench/mkpool with the daemon's cache writer.
# SSSD (sssd-common + libnss-sss, bench/install-deps.sh) is measured as a
# peer when installed, set up as TESTBED.md section 10 says: its state dirs
# and /etc/sssd on tmpfs in this namespace, the files provider reading the
# bench's passwd/group copies, nsswitch naming only "sss".
set -u
: "${top_builddir:=.}"
: "${top_srcdir:=$(dirname "$0")/..}"
SMOKE=""
[ "${1:-}" = "--smoke" ] && SMOKE=1
if [ -n "$SMOKE" ]; then
	SIZES=${BENCH_SIZES:-"10 1000"}; REPS=3; N=200
else
	SIZES=${BENCH_SIZES:-"10 100000 1000000"}; REPS=${BENCH_REPS:-5}; N=${BENCH_N:-100000}
fi
[ "$(id -u)" -eq 0 ] || { echo "bench/run: needs root (mount namespaces)" >&2; exit 77; }
if [ -z "${UA_BENCH_NS:-}" ]; then
	UA_BENCH_NS=1 exec unshare -m --propagation private /bin/sh "$0" "$@"
fi
B=$top_builddir
TB=$(mktemp -d /tmp/ua-bench.XXXXXX)
chmod 755 "$TB"
trap 'rm -rf "$TB"' EXIT
libdir=/usr/lib/$(gcc -print-multiarch)
mkdir -p "$TB/lib" "$TB/varcache/userauth" "$TB/etc"
cp "$B/nss_userauth/.libs/libnss_userauth.so.2" "$TB/lib/"
cp "$B/bench/.libs/libnss_floor.so" "$TB/lib/libnss_floor.so.2"
mount -t overlay overlay -o "lowerdir=$TB/lib:$libdir" "$libdir" || exit 1
mount --bind "$TB/varcache" /var/cache
cp /etc/nsswitch.conf "$TB/etc/nsswitch.conf"
mount --bind "$TB/etc/nsswitch.conf" /etc/nsswitch.conf
SYSPW=$TB/etc/passwd.sys; SYSGR=$TB/etc/group.sys
cp /etc/passwd "$SYSPW"; cp /etc/group "$SYSGR"
cp "$SYSPW" "$TB/etc/passwd"; cp "$SYSGR" "$TB/etc/group"
mount --bind "$TB/etc/passwd" /etc/passwd
mount --bind "$TB/etc/group" /etc/group

use() { printf 'passwd: %s\ngroup: %s\nshadow: files\n' "$1" "$1" >"$TB/etc/nsswitch.conf"; }

# ---- SSSD peer -------------------------------------------------------------
SSS_WHY=""
if ! dpkg -s sssd-common libnss-sss >/dev/null 2>&1 || [ ! -x /usr/sbin/sssd ] ||
	[ ! -e "$libdir/libnss_sss.so.2" ]; then
	SSS_WHY="sssd-common and libnss-sss are not installed (bench/install-deps.sh installs them)"
fi
SSS_PID=""
SSS_FAILED_AT=""
# TESTBED.md 10: at 10,000 users the nss responder gave up while the
# files provider was still loading; 45 s is ample for what works.  The
# smoke run's 10 users answer within a second where sssd works at all.
if [ -n "$SMOKE" ]; then SSS_WAIT=${BENCH_SSS_WAIT:-10}; else SSS_WAIT=${BENCH_SSS_WAIT:-45}; fi
sss_stop() {
	[ -n "$SSS_PID" ] || return 0
	kill "$SSS_PID" 2>/dev/null
	wait "$SSS_PID" 2>/dev/null
	SSS_PID=""
}
if [ -z "$SSS_WHY" ]; then
	# private copies of everything sssd writes: the host's stay untouched
	for d in db mc pipes; do
		mount -t tmpfs tmpfs "/var/lib/sss/$d" || SSS_WHY="cannot mount tmpfs over /var/lib/sss/$d"
	done
	mount -t tmpfs tmpfs /etc/sssd || SSS_WHY="cannot mount tmpfs over /etc/sssd"
	trap 'sss_stop; rm -rf "$TB"' EXIT
fi
# Start sssd on the current passwd/group copies; 0 once it answers for the
# first and last pool user, else 1 with the reason in SSS_NOTE.
sss_start() { # USERS
	rm -rf /var/lib/sss/db/* /var/lib/sss/mc/* /var/lib/sss/pipes/*
	mkdir -m 700 /var/lib/sss/pipes/private
	printf '[sssd]\nservices = nss\ndomains = files\n\n[domain/files]\nid_provider = files\npasswd_files = %s\ngroup_files = %s\n' \
		"$TB/etc/passwd" "$TB/etc/group" >/etc/sssd/sssd.conf
	chmod 600 /etc/sssd/sssd.conf
	/usr/sbin/sssd -i --logger=stderr 2>"$TB/sssd.log" &
	SSS_PID=$!
	t=0
	while :; do
		if getent -s sss passwd u1 >/dev/null 2>&1 &&
			getent -s sss passwd "u$1" >/dev/null 2>&1 &&
			getent -s sss group "u$1" >/dev/null 2>&1; then
			SSS_NOTE="ready after ${t}s"
			return 0
		fi
		if ! kill -0 "$SSS_PID" 2>/dev/null; then
			wait "$SSS_PID" 2>/dev/null
			SSS_PID=""
			SSS_NOTE="sssd exited before answering: $(grep -E 'fatal|definitely stopped' "$TB/sssd.log" |
				sed 's/^([^)]*): //' | tail -2 | tr '\n' ';' | sed 's/;$//')"
			return 1
		fi
		if awk -v t="$t" -v w="$SSS_WAIT" 'BEGIN { exit !(t >= w) }'; then
			sss_stop
			SSS_NOTE="sssd did not answer within ${SSS_WAIT}s ($(grep -cE 'fatal error' "$TB/sssd.log") fatal errors in its log, last: $(grep -E 'fatal error' "$TB/sssd.log" | tail -1 | sed 's/^([^)]*): //'))"
			return 1
		fi
		sleep 0.2
		t=$(awk -v t="$t" 'BEGIN { print t + 0.2 }')
	done
}
OUT=$TB/rows
: >"$OUT"
row() { # LABEL SOURCE USERS OP N
	res=$("$B/bench/nssbench" "$4" "$3" "$5" "$REPS" 2>"$TB/err") ||
		{ echo "bench/run: $1 $2 $3: $(cat "$TB/err")" >&2; FAILED=1; }
	set -- "$1" "$2" "$3" $res
	printf '%s|%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "$5" "$6" "$7" >>"$OUT"
}
med() { awk -F'|' -v l="$1" -v s="$2" -v u="$3" '$1==l && $2==s && $3==u {print $4}' "$OUT"; }
FAILED=0
NOTES=""
SSS_NOTES=""
: >"$TB/mem"
: >"$TB/fresh"
FRESH_RUNS=20
[ -n "$SMOKE" ] && FRESH_RUNS=3
for n in $SIZES; do
	: >"$TB/etc/passwd.new"; : >"$TB/etc/group.new"
	cp "$SYSPW" "$TB/etc/passwd.new"; cp "$SYSGR" "$TB/etc/group.new"
	w=$("$B/bench/mkpool" "$n" 1000 /var/cache/userauth/nss.cache \
		"$TB/etc/passwd.new" "$TB/etc/group.new") || { echo "mkpool failed" >&2; exit 1; }
	cat "$TB/etc/passwd.new" >"$TB/etc/passwd"; cat "$TB/etc/group.new" >"$TB/etc/group"
	NOTES="$NOTES
cache build+write, $n users + 1000 groups: $(echo "$w" | awk '{print $2 " ms, " $4 " bytes"}')"
	for src in floor userauth files sss; do
		[ "$src" = floor ] && [ "$n" != "$(echo $SIZES | cut -d' ' -f1)" ] && continue
		if [ "$src" = sss ]; then
			[ -n "$SSS_WHY" ] && continue
			# smoke: one size proves the setup; the files
			# provider takes seconds per thousand users
			[ -n "$SMOKE" ] && [ "$n" != "$(echo $SIZES | cut -d' ' -f1)" ] && continue
			if [ -n "$SSS_FAILED_AT" ]; then
				SSS_NOTES="$SSS_NOTES
SSSD at $n users: not tried: it could not serve $SSS_FAILED_AT users"
				continue
			fi
			if ! sss_start "$n"; then
				SSS_FAILED_AT=$n
				SSS_NOTES="$SSS_NOTES
SSSD at $n users: not measured: $SSS_NOTE"
				continue
			fi
			SSS_NOTES="$SSS_NOTES
SSSD at $n users: $SSS_NOTE, memcache warmed with one pass of each call"
		fi
		use "$src"
		k=$N
		[ "$src" = files ] && [ "$n" -gt 1000 ] && k=$((N / 1000 > 20 ? 20 : N / 1000 + 1))
		[ "$src" = files ] && [ "$n" -gt 1000 ] && [ -n "$SMOKE" ] && k=20
		for op in pwnam pwuid grnam grouplist; do
			# SSSD answers from its memcache only once the
			# responder has put the entry there: fill it first
			[ "$src" = sss ] && "$B/bench/nssbench" "$op" "$n" "$k" 1 >/dev/null 2>&1
			row "$op" "$src" "$n" "$op" "$k"
		done
		# sssd does not enumerate unless told to (enumerate = false)
		if [ "$src" != floor ] && [ "$src" != sss ] && [ "$n" -ge 1000 ]; then
			row enum "$src" "$n" enum 1
		fi
		if [ "$src" = userauth ] || [ "$src" = files ]; then
			m=$("$B/bench/nssbench" mem "$n" 1 1 2>"$TB/err") ||
				{ echo "bench/run: mem $src $n: $(cat "$TB/err")" >&2; FAILED=1; }
			echo "$src|$n|$m" >>"$TB/mem"
			# What ls -l, id or an sshd child pays: a new process,
			# one lookup of the last user (nss_files' worst case).
			fr=$FRESH_RUNS
			t0=$(date +%s%N)
			while [ "$fr" -gt 0 ]; do
				getent passwd "u$n" >/dev/null ||
					{ echo "bench/run: getent u$n via $src failed" >&2; FAILED=1; }
				fr=$((fr - 1))
			done
			t1=$(date +%s%N)
			echo "$src|$n|$(( (t1 - t0) / FRESH_RUNS / 1000 ))" >>"$TB/fresh"
		fi
		[ "$src" = sss ] && sss_stop
	done
done
# callgrind: instructions per getpwnam_r (module + glibc), smallest size
if command -v valgrind >/dev/null; then
	n=$(echo $SIZES | cut -d' ' -f1)
	w=$("$B/bench/mkpool" "$n" 1000 /var/cache/userauth/nss.cache /dev/null /dev/null)
	for src in floor userauth; do
		use "$src"
		for k in 1000 2000; do
			valgrind --tool=callgrind --callgrind-out-file="$TB/cg.$src.$k" \
				"$B/bench/nssbench" pwnam "$n" "$k" 1 >/dev/null 2>"$TB/cg.err"
			eval "ir_${src}_$k=$(grep '^summary:' "$TB/cg.$src.$k" | awk '{print $2}')"
		done
	done
	eval "CG_FLOOR=\$(( (ir_floor_2000 - ir_floor_1000) / 1000 ))"
	eval "CG_UA=\$(( (ir_userauth_2000 - ir_userauth_1000) / 1000 ))"
	NOTES="$NOTES
callgrind instructions per getpwnam_r at $n users: floor $CG_FLOOR, userauth $CG_UA (module share $((CG_UA - CG_FLOOR)))"
else
	NOTES="$NOTES
callgrind: skipped (valgrind not installed)"
fi

echo "## NSS lookups through glibc (ns per call; median, min-max over $REPS runs)"
echo
echo "| call | source | users | median ns | min–max | vs floor |"
echo "|---|---|---|---|---|---|"
first=$(echo $SIZES | cut -d' ' -f1)
while IFS='|' read -r op src n m lo hi; do
	f=$(med "$op" floor "$first")
	if [ -n "$f" ] && [ "$src" != floor ]; then
		vs=$(awk -v m="$m" -v f="$f" 'BEGIN { printf "%+.0f ns (%.2fx)", m - f, m / f }')
	else vs="—"; fi
	echo "| $op | $src | $n | $m | $lo–$hi | $vs |"
done <"$OUT"
echo
echo "## Ratios"
for n in $SIZES; do
	for op in pwnam pwuid grnam; do
		a=$(med "$op" userauth "$n"); b=$(med "$op" files "$n")
		[ -n "$a" ] && [ -n "$b" ] && echo "- $op at $n users: nss_files / userauth = $(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.1fx", b/a}')"
	done
	a=$(med grouplist userauth "$n"); b=$(med pwnam userauth "$n")
	[ -n "$a" ] && echo "- getgrouplist (u1 in 20 of 1000 groups) / getpwnam_r at $n users: $(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2fx", a/b}')"
	a=$(med enum userauth "$n"); b=$(med enum files "$n")
	[ -n "$a" ] && [ -n "$b" ] && echo "- getpwent enumeration of $n users: userauth $(awk -v a="$a" 'BEGIN{printf "%.1f ms", a/1e6}'), nss_files $(awk -v b="$b" 'BEGIN{printf "%.1f ms", b/1e6}')"
done
echo
echo "## NSS module memory (a process that looked up one user; KiB)"
echo
echo "| source | users | VmRSS gained | Pss gained | module + cache mappings Rss | target |"
echo "|---|---|---|---|---|---|"
while IFS='|' read -r src n m; do
	set -- $m
	[ $# -eq 4 ] || continue
	echo "| $src | $n | $2 | $3 | $4 | <= 512 |"
done <"$TB/mem"
echo
echo "## A fresh process: getent passwd u<N> (exec + one lookup; µs each, mean of $FRESH_RUNS)"
echo
echo "| source | users | µs per process |"
echo "|---|---|---|"
while IFS='|' read -r src n us; do
	echo "| $src | $n | $us |"
done <"$TB/fresh"
echo
echo "## SSSD"
if [ -n "$SSS_WHY" ]; then
	echo "- SSSD column skipped: $SSS_WHY"
else
	echo "$SSS_NOTES" | sed '/^$/d; s/^/- /'
	for n in $SIZES; do
		for op in pwnam pwuid grnam grouplist; do
			a=$(med "$op" userauth "$n"); b=$(med "$op" sss "$n")
			[ -n "$a" ] && [ -n "$b" ] && echo "- $op at $n users: SSSD / userauth = $(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2fx", b/a}')"
		done
	done
fi
echo
echo "## Other figures"
echo "$NOTES" | sed '/^$/d; s/^/- /'
exit $FAILED
