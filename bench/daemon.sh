#!/bin/sh
# SPDX-License-Identifier: MIT
# Daemon section of the benchmarks (BENCHMARKS.md), run by bench/run:
#   bench/run daemon            (100,000 users x 3, 1,000,000 users x 1)
#   bench/run --smoke daemon    (1,000 users x 3)
# For each size, a fresh daemon (tests/integration/lib.sh, private mount
# namespace) imports the users with "userauthctl user import" (CSV, no
# passwords: the hash cost is excluded), then adds one user, which makes
# the daemon rebuild and publish the whole NSS cache.  Reports the import
# time, that rebuild, and the daemon's VmRSS/VmHWM at start, right after
# the import and once settled.  Env: BENCH_DAEMON_SIZES, BENCH_REPS.
set -u
: "${top_builddir:?run through bench/run}"
: "${top_srcdir:?run through bench/run}"
. "$top_srcdir/tests/integration/lib.sh"
ua_need_namespace "$@"
ua_scratch
ua_nss_setup
SMOKE=""
[ "${1:-}" = "--smoke" ] && SMOKE=1
if [ -n "$SMOKE" ]; then
	SIZES=${BENCH_DAEMON_SIZES:-"1000"}
else
	SIZES=${BENCH_DAEMON_SIZES:-"100000 1000000"}
fi
REPS=${BENCH_REPS:-3}
ua_write_conf <<'CONF'
[defaults]
shell = /bin/sh
mail_from = codes@example.com
[pool customer]
uid_min = 400000
uid_max = 2999999
gid_min = 300000
gid_max = 300999
CONF

# kib PID FIELD: a /proc/PID/status figure in KiB.
kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
now() { date +%s.%N; }
FAILED=0
ROWS=$TB/rows
: >"$ROWS"
for n in $SIZES; do
	awk -v n="$n" 'BEGIN { print "login,email,display_name"
		for (i = 1; i <= n; i++)
			printf "big%d,big%d@example.com,Big User %d\n", i, i, i }' \
		>"$TB/users.csv"
	reps=$REPS
	[ "$n" -ge 1000000 ] && reps=1
	r=0
	while [ $r -lt "$reps" ]; do
		r=$((r + 1))
		rm -rf "$TB/state" "$TB/run" /var/cache/userauth
		ua_start_daemon || { echo "daemon.sh: daemon did not start" >&2; exit 1; }
		sleep 0.5
		rss0=$(kib "$UA_DAEMON_PID" VmRSS)
		t0=$(now)
		if ! uactl user import customer "$TB/users.csv" >"$TB/imp.out" 2>&1; then
			echo "daemon.sh: import of $n users failed: $(cat "$TB/imp.out")" >&2
			FAILED=1
		fi
		t1=$(now)
		rss1=$(kib "$UA_DAEMON_PID" VmRSS)
		# Public PINGs every 20 ms while the rebuild runs: the slowest
		# answer shows whether the event loop stopped for it.
		/usr/bin/python3 - "$TB/run/public.sock" "$TB/add.done" \
			>"$TB/ping.out" <<'PY' &
import socket, struct, sys, time, os
worst = 0.0
n = 0
while not os.path.exists(sys.argv[2]) or n == 0:
    t = time.monotonic()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    body = struct.pack(">HHH", 1, 1, 0)    # version 1, PING, no fields
    s.sendall(struct.pack(">I", len(body)) + body)
    hdr = s.recv(4)
    if len(hdr) == 4:
        s.recv(struct.unpack(">I", hdr)[0])
    s.close()
    worst = max(worst, time.monotonic() - t)
    n += 1
    time.sleep(0.02)
print("%.1f %d" % (worst * 1000, n))
PY
		pp=$!
		rm -f "$TB/add.done"
		t2=$(now)
		uactl user add customer onemore --email onemore@example.com >/dev/null ||
			FAILED=1
		t3=$(now)
		: >"$TB/add.done"
		wait $pp
		ping_ms=$(cut -d' ' -f1 "$TB/ping.out")
		[ -n "$ping_ms" ] || { echo "daemon.sh: no PING answered" >&2; FAILED=1; ping_ms=0; }
		getent passwd onemore >/dev/null || {
			echo "daemon.sh: onemore not published" >&2
			FAILED=1
		}
		sleep 2
		rss2=$(kib "$UA_DAEMON_PID" VmRSS)
		hwm=$(kib "$UA_DAEMON_PID" VmHWM)
		ua_stop_daemon
		echo "$n $(echo "$t1 - $t0" | bc) $(echo "$t3 - $t2" | bc) $rss0 $rss1 $rss2 $hwm $ping_ms" >>"$ROWS"
	done
done
# stats COLUMN N: "median min–max" of COLUMN over the rows for size N.
stats() {
	awk -v c="$1" -v n="$2" '$1 == n { print $c }' "$ROWS" | sort -g |
		awk '{ v[++k] = $1 } END { printf "%s|%s|%s|%d", v[int((k + 1) / 2)], v[1], v[k], k }'
}
fmt_s() { awk -F'|' '{ printf "%.2f s | %.2f–%.2f s | %d", $1, $2, $3, $4 }'; }
fmt_m() { awk -F'|' '{ printf "%.1f MiB | %.1f–%.1f MiB | %d", $1 / 1024, $2 / 1024, $3 / 1024, $4 }'; }
echo "## The daemon: import, NSS cache rebuild, resident memory"
echo
echo "| measure | users | median | min–max | runs | target |"
echo "|---|---|---|---|---|---|"
for n in $SIZES; do
	t=""; [ "$n" -eq 100000 ] && t="≤ 30 s"
	echo "| import (CSV, one transaction, cache published once) | $n | $(stats 2 "$n" | fmt_s) | $t |"
	t=""; [ "$n" -eq 100000 ] && t="≤ 1 s"; [ "$n" -eq 1000000 ] && t="≤ 10 s"
	echo "| user add after it: snapshot + NSS cache rebuild + publish | $n | $(stats 3 "$n" | fmt_s) | $t |"
	echo "| slowest public PING during that rebuild (the loop goes on) | $n | $(stats 8 "$n" | awk -F'|' '{ printf "%.1f ms | %.1f–%.1f ms | %d", $1, $2, $3, $4 }') | |"
	echo "| daemon VmRSS at start | $n | $(stats 4 "$n" | fmt_m) | |"
	echo "| daemon VmRSS right after the import | $n | $(stats 5 "$n" | fmt_m) | |"
	t=""; [ "$n" -eq 100000 ] && t="≤ 32 MiB"
	echo "| daemon VmRSS settled (2 s after the rebuild) | $n | $(stats 6 "$n" | fmt_m) | $t |"
	echo "| daemon VmHWM (peak) | $n | $(stats 7 "$n" | fmt_m) | |"
done
exit $FAILED
