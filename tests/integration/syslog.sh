#!/bin/sh
# SPDX-License-Identifier: MIT
# The daemon in syslog mode (started in the background, no -f) during
# logins, with a /dev/log of the test's own: a tmpfs over /dev in a
# private mount namespace, the nodes the programs need bound back, and
# tests/tools/devlog.py at /dev/log.  The audit line arrives there (and no
# password); with /dev/log gone, and with a /dev/log that never reads (its
# queue full), logins still work, at once (common/server/log.c sends
# without blocking and counts what it drops).  Needs root; prints TAP.
. "$top_srcdir/tests/integration/lib.sh"
ua_need_namespace "$@"
ua_scratch
ua_nss_setup
PY=/usr/bin/python3
DEVLOG="$PY $top_srcdir/tests/tools/devlog.py"
BURST="$PY $top_srcdir/tests/tools/burst.py"
PW='Sys-canary-41d7e9'
SOCK=$TB/run/public.sock

# --- a /dev of our own ------------------------------------------------------------
# Made in $TB/dev and moved over /dev, so that nothing under $TB leads
# into the real /dev (the scratch dir is removed with rm -rf at exit):
# only device files are bound in (rm cannot unlink a mount point), no
# directory of it.
mkdir "$TB/dev" &&
	mount -t tmpfs -o mode=0755 tmpfs "$TB/dev" &&
	for n in null zero full random urandom tty; do
		: >"$TB/dev/$n" && mount --bind "/dev/$n" "$TB/dev/$n" || exit 1
	done &&
	ln -s /proc/self/fd "$TB/dev/fd" && ln -s fd/0 "$TB/dev/stdin" &&
	ln -s fd/1 "$TB/dev/stdout" && ln -s fd/2 "$TB/dev/stderr" &&
	mount --move "$TB/dev" /dev && [ -z "$(ls -A "$TB/dev")" ]
ok $? "a private /dev (tmpfs) in this mount namespace, without a /dev/log"

ua_write_conf <<'CONF'
[defaults]
shell = /bin/sh
first_factors = password
# many logins of bea from one host: throttling has its own test
throttle_account_after = 1000
[pool customer]
uid_min = 400000
uid_max = 400999
gid_min = 300000
gid_max = 300999
CONF

# devlog MODE: a fresh listener at /dev/log (output in $TB/syslog.MODE)
devlog() {
	rm -f "$TB/syslog.$1"
	$DEVLOG /dev/log "$TB/syslog.$1" ${2:-} &
	DEVLOG_PID=$!
	UA_PIDS="$UA_PIDS $DEVLOG_PID"
	ua_wait_for 50 grep -qx ready "$TB/syslog.$1"
}
devlog_stop() {
	kill "$DEVLOG_PID" && wait "$DEVLOG_PID" 2>/dev/null
	[ ! -e /dev/log ]
}
# logins N: N right passwords of bea at once; prints burst.py's line and
# the milliseconds they took
logins() {
	t0=$(date +%s%N)
	r=$($BURST "$SOCK" customer bea "$PW" "$1" 10)
	echo "$r ms=$((($(date +%s%N) - t0) / 1000000))"
}

devlog main
ok $? "a listener at /dev/log"
"$top_builddir/userauthd" -c "$TB/etc/userauth.conf" >"$TB/daemon.out" 2>&1
ok $? "userauthd starts in the background, logging to syslog"
# its pid, from the public socket (SO_PEERCRED): stopped at the end
PID=$($PY -c '
import socket, struct, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
print(struct.unpack("3i", s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[0])' "$SOCK")
UA_PIDS="$UA_PIDS $PID"
ua_wait_for 50 grep -q "userauthd\\[$PID\\]: userauthd .* serving 1 pool" "$TB/syslog.main"
ok $? "  ... and says through /dev/log that it is serving, with its pid ($PID)"
uactl user add customer bea --email bea@example.com >/dev/null && set_pw bea "$PW"
ok $? "bea has a password"

out=$(logins 1)
expect_rc 0 "a login with the daemon on syslog succeeds ($out)" test "${out%% *}" = ok=1
ua_wait_for 30 grep -q "event=auth pool='customer' user='bea' .*result=ok" "$TB/syslog.main"
ok $? "  ... and its audit line arrives at /dev/log"
expect_rc 0 "  ... as authpriv.notice, with the daemon's name and pid" \
	grep -Eq "^<85>[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} userauthd\\[$PID\\]: event=auth pool='customer' user='bea' .*result=ok" \
	"$TB/syslog.main"
$BURST "$SOCK" customer bea "wrong-$PW" 1 10 >/dev/null
ua_wait_for 30 grep -q "event=auth pool='customer' user='bea' .*result=fail" "$TB/syslog.main"
ok $? "  ... a wrong password's too"
expect_rc 0 "  ... and neither password is in the log" \
	sh -c "! grep -q -- '$PW' '$TB/syslog.main'"
expect_rc 0 "  ... nor does anything reach the daemon's stderr once it serves" \
	sh -c "! grep -q 'event=auth' '$TB/daemon.out'"

# --- /dev/log absent -----------------------------------------------------------------
devlog_stop
ok $? "/dev/log removed (its listener stopped)"
out=$(logins 20)
set -- $out
expect_rc 0 "without /dev/log, 20 logins at once all succeed ($out)" \
	test "$1 $2 $3 $5" = "ok=20 fail=0 unavailable=0 lost=0"
expect_rc 0 "  ... within 5 s (${8#ms=} ms)" test "${8#ms=}" -lt 5000
expect_rc 0 "  ... and the daemon answers PING" \
	$PY "$top_srcdir/tests/tools/sockpoke.py" ping "$SOCK"

# --- a /dev/log that never reads ------------------------------------------------
devlog full noread
ok $? "a listener at /dev/log that reads nothing"
# The daemon connects again at most once a second: one login at a time
# until it has sent the listener something (ss shows its queue).
sent() {
	$BURST "$SOCK" customer bea "$PW" 1 10 >/dev/null
	[ "$(ss -Hxa src /dev/log | awk '{ print $3; exit }')" -gt 0 ]
}
ua_wait_for 30 sent
ok $? "  ... the daemon finds it and sends to it"
# Each login is at least one line: 30 more than the queue holds.
out=$(logins 30)
set -- $out
expect_rc 0 "with /dev/log full, 30 logins at once all succeed ($out)" \
	test "$1 $2 $3 $5" = "ok=30 fail=0 unavailable=0 lost=0"
expect_rc 0 "  ... within 5 s (${8#ms=} ms)" test "${8#ms=}" -lt 5000
expect_rc 0 "  ... and the daemon answers PING" \
	$PY "$top_srcdir/tests/tools/sockpoke.py" ping "$SOCK"
kill -USR1 "$DEVLOG_PID"
ua_wait_for 30 grep -q '^queued=' "$TB/syslog.full"
q=$(sed -n 's/^queued=//p' "$TB/syslog.full")
expect_rc 0 "  ... its queue was full: $q datagrams waited, of more lines than that" \
	test "${q:-0}" -ge "$(cat /proc/sys/net/unix/max_dgram_qlen)"
# The first line the daemon got through says how many it dropped while
# /dev/log was absent; once the listener reads again, the next says how
# many the full queue cost.
dropped() { sed -n "$1"'s/.*\]: \([0-9]*\) log message(s) dropped$/\1/p' "$TB/syslog.full"; }
na=$(dropped '1,/^queued=/' | head -1)
expect_rc 0 "  ... the lines lost while /dev/log was absent were counted (${na:-none}, of 20 logins)" \
	test "${na:-0}" -ge 20
out=$(logins 1)
ua_wait_for 30 sh -c "sed -n '/^queued=/,\$p' '$TB/syslog.full' | grep -q 'log message(s) dropped'"
n=$(dropped '/^queued=/,$' | head -1)
expect_rc 0 "  ... once it reads again, the daemon says how many lines it dropped (${n:-none})" \
	sh -c "sed -n '/^queued=/,\$p' '$TB/syslog.full' |
		grep -Eq '^<84>.* userauthd\\[$PID\\]: [0-9]+ log message\\(s\\) dropped$'"
expect_rc 0 "  ... every line of those logins was queued or counted (${q:-0} + ${n:-0} >= 31)" \
	test $((${q:-0} + ${n:-0})) -ge 31
ua_wait_for 30 sh -c "sed -n '/^queued=/,\$p' '$TB/syslog.full' | sed -n '/dropped\$/,\$p' | grep -q 'event=auth .*result=ok'"
ok $? "  ... followed by the login's audit line"
expect_rc 0 "the password is in no log" \
	sh -c "! grep -q -- '$PW' '$TB/syslog.main' '$TB/syslog.full' '$TB/daemon.out'"
ua_finish
