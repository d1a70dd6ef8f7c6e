#!/bin/sh
# SPDX-License-Identifier: MIT
# Attacks on the public (PAM) socket, with real logins timed meanwhile: a
# one-byte-a-second trickle, a stalled half header, a stalled partial
# frame and a 16 MiB header are dropped at the frame deadline (or at
# once) while a login and PING are served at once; then as many
# connections as max_clients allows and more (10,000 where the open-file
# limit has room, else 2,000), from many uids: the daemon lives, refuses
# the excess at once, keeps root's quarter for root, answers its admin
# socket, and is back to its baseline once they go.  Needs root; prints TAP.
. "$top_srcdir/tests/integration/lib.sh"
ua_need_namespace "$@"
ua_scratch
ua_nss_setup
PY=/usr/bin/python3
FLOOD="$PY $top_srcdir/tests/tools/flood.py"
POKE="$PY $top_srcdir/tests/tools/sockpoke.py"
BURST="$PY $top_srcdir/tests/tools/burst.py"
SOCK=$TB/run/public.sock
PW='Flood-canary-8c1e55'
# 10,000 connections need that many descriptors here and in the daemon
hard=$(awk '/^Max open files/ { print $5 }' /proc/self/limits)
if [ "$hard" != unlimited ] && [ "$hard" -lt 10200 ]; then
	MAX=2000
else
	MAX=10000
fi
ua_write_conf <<CONF
max_clients = $MAX
client_timeout = 2
[defaults]
shell = /bin/sh
first_factors = password
throttle_account_after = 1000
[pool customer]
uid_min = 400000
uid_max = 400999
gid_min = 300000
gid_max = 300999
CONF
ua_start_daemon
ok $? "daemon starts (max_clients = $MAX, client_timeout = 2)"
uactl user add customer bea --email bea@example.com >/dev/null && set_pw bea "$PW"
ok $? "bea has a password"
fds() { ls "/proc/$UA_DAEMON_PID/fd" | wc -l; }
base=$(fds)

# login_ms: one right password of bea; prints "OUTCOME MS"
login_ms() {
	t0=$(date +%s%N)
	r=$($BURST "$SOCK" customer bea "$PW" 1 10)
	echo "${r%% *} $((($(date +%s%N) - t0) / 1000000))"
}

# --- slow and broken frames, with logins meanwhile -------------------------------
$FLOOD trickle "$SOCK" >"$TB/trickle.out" 2>&1 &
T1=$!
$POKE stall "$SOCK" >"$TB/stall.out" 2>&1 &
T2=$!
$FLOOD partial "$SOCK" >"$TB/partial.out" 2>&1 &
T3=$!
$POKE oversize "$SOCK" >"$TB/oversize.out" 2>&1 &
T4=$!
UA_PIDS="$UA_PIDS $T1 $T2 $T3 $T4"
worst_login=0
worst_ping=0
for i in 1 2 3 4 5; do
	set -- $(login_ms)
	[ "$1" = ok=1 ] || worst_login=failed
	[ "$worst_login" != failed ] && [ "$2" -gt "$worst_login" ] && worst_login=$2
	ms=$($FLOOD ping "$SOCK") || ms=99999
	[ "$ms" -gt "$worst_ping" ] && worst_ping=$ms
done
# all five were made while the attackers were still connected
kill -0 $T1 2>/dev/null && kill -0 $T2 2>/dev/null && kill -0 $T3 2>/dev/null
held=$?
expect_rc 0 "during a trickle, a stall and a partial frame, 5 logins succeed within 1 s each (worst $worst_login ms)" \
	test "$worst_login" != failed -a "$worst_login" -le 1000 -a $held -eq 0
expect_rc 0 "  ... and PING is answered within 200 ms (worst $worst_ping ms)" \
	test "$worst_ping" -le 200
wait $T1 $T2 $T3 $T4
expect_rc 0 "a 16 MiB frame header on the public socket is closed at once" \
	grep -qx closed "$TB/oversize.out"
expect_rc 0 "a one-byte-a-second trickle is dropped at the frame deadline ($(cat "$TB/trickle.out"))" \
	grep -Eqx 'closed after [23] s, [1-4] bytes sent' "$TB/trickle.out"
expect_rc 0 "a stalled half header is dropped at the frame deadline ($(cat "$TB/stall.out"))" \
	grep -Eqx 'closed [23]' "$TB/stall.out"
expect_rc 0 "a frame stalled after 10 of its 100 bytes is dropped at the frame deadline ($(cat "$TB/partial.out"))" \
	grep -Eqx 'closed [23]' "$TB/partial.out"
ua_wait_for 30 sh -c "[ \$(ls /proc/$UA_DAEMON_PID/fd | wc -l) -le $base ]"
ok $? "  ... and the daemon holds none of them any more ($(fds) fds, $base before)"

# --- more connections than max_clients ---------------------------------------------
# Non-root peers may hold three quarters of max_clients, 4 per uid: NU
# uids of 5 connections each ask for a quarter more than that.
NR=$((MAX - MAX / 4))
NU=$((NR / 4 + NR / 16))
t0=$(date +%s)
$FLOOD conns "$SOCK" customer 70000 $NU 5 60 >"$TB/flood.out" 2>&1 &
F1=$!
UA_PIDS="$UA_PIDS $F1"
ua_wait_for 600 grep -q '^served=' "$TB/flood.out"
t1=$(date +%s)
got=$(head -1 "$TB/flood.out")
echo "# $((NU * 5)) connections from $NU uids in $((t1 - t0)) s: $got"
expect_rc 0 "$((NU * 5)) connections from $NU uids: non-root peers are served $NR, three quarters of $MAX ($got)" \
	test "$got" = "served=$NR refused=$((NU * 5 - NR)) unanswered=0 connect_failed=0"
expect_rc 0 "  ... the excess refused at once: within 20 s for all ($((t1 - t0)) s)" \
	test $((t1 - t0)) -le 20
expect_rc 0 "  ... the daemon lives" kill -0 "$UA_DAEMON_PID"
expect_rc 0 "  ... and logs the refusals" grep -q 'too many public clients (uid 7[0-9]*): connection refused' "$TB/daemon.log"
t0=$(date +%s%N)
setpriv --reuid=69999 --regid=69999 --clear-groups $POKE ping "$SOCK" >"$TB/last.out" 2>&1
r=$?
ms=$((($(date +%s%N) - t0) / 1000000))
expect_rc 0 "  ... one more uid's PING is refused, at once ($ms ms, exit $r)" \
	test $r -ne 0 -a $ms -lt 2000
set -- $(login_ms)
expect_rc 0 "  ... while root's login gets through a slot kept for root ($1, $2 ms)" \
	test "$1" = ok=1 -a "$2" -le 3000
ms=$($FLOOD ping "$SOCK") || ms=failed
expect_rc 0 "  ... and root's PING too ($ms ms)" test "$ms" != failed
expect_rc 0 "  ... the admin socket answers meanwhile" uactl pool list

# Root takes every slot left, and 100 more: those wait in the backlog.
NRT=$((MAX - NR))
FLOOD_WAIT=3 $FLOOD conns "$SOCK" customer 0 1 $((NRT + 100)) 60 >"$TB/root.out" 2>&1 &
F2=$!
UA_PIDS="$UA_PIDS $F2"
ua_wait_for 600 grep -q '^served=' "$TB/root.out"
got=$(head -1 "$TB/root.out")
expect_rc 0 "root fills the last $NRT slots; 100 more wait unanswered in the backlog ($got)" \
	test "$got" = "served=$NRT refused=0 unanswered=100 connect_failed=0"
expect_rc 0 "  ... the daemon, full, still answers its admin socket" uactl pool list
expect_rc 0 "  ... and has one descriptor per client ($(fds) fds for $MAX)" \
	test "$(fds)" -le $((base + MAX + 8))
kill $F1 $F2
wait $F1 $F2 2>/dev/null
ua_wait_for 100 sh -c "[ \$(ls /proc/$UA_DAEMON_PID/fd | wc -l) -le $base ]"
ok $? "once they hang up, the daemon is back to its descriptors ($(fds), $base before)"
set -- $(login_ms)
expect_rc 0 "  ... and bea signs in ($1, $2 ms)" test "$1" = ok=1
ua_finish
