#!/bin/sh
# SPDX-License-Identifier: MIT
# More rows of the reliability matrix (SECURITY.md 6b), with the real
# daemon under a PAM host (tests/tools/pamconv): the daemon killed while
# the host waits for its reply (its answer being hashed), while it sits
# at a prompt (its answer then goes to a dead peer), and just after the
# reply was sent; a SIGSTOPped daemon under one long-lived host that
# tries 20 logins in a row (no descriptor or thread piles up; NSS
# answers at once meanwhile); the NSS cache damaged under getent, id and
# a private nscd, and rewritten by the daemon.  The host's log lines go
# to a /dev/log of the test's own (tests/tools/devlog.py).  Own mount
# namespace; prints TAP; needs root.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
ua_need_namespace "$@"
ua_scratch
ua_nss_setup

SOCK=$TB/run/public.sock
MOD=$(ua_reachable "$top_builddir/pam_userauth/.libs/pam_userauth.so")
PAMCONV=$(ua_reachable "$top_builddir/tests/tools/pamconv")
conv() { "$PAMCONV" -C "$TB/pam" "$@"; }
BURST="$PY $top_srcdir/tests/tools/burst.py"
PW='Fault3-canary-pw-5d21'
CACHE=/var/cache/userauth/nss.cache
UNAVAIL='authenticate: 9 Authentication service cannot retrieve authentication info'

# --- a /dev of our own, for the host's syslog -------------------------------------
# As in syslog.sh: made in $TB/dev and moved over /dev, so that nothing
# under $TB leads into the real /dev (the scratch dir is removed with
# rm -rf at exit); only device files are bound in, no directory of it.
mkdir "$TB/dev" &&
	mount -t tmpfs -o mode=0755 tmpfs "$TB/dev" &&
	for n in null zero full random urandom tty; do
		: >"$TB/dev/$n" && mount --bind "/dev/$n" "$TB/dev/$n" || exit 1
	done &&
	ln -s /proc/self/fd "$TB/dev/fd" && ln -s fd/0 "$TB/dev/stdin" &&
	ln -s fd/1 "$TB/dev/stdout" && ln -s fd/2 "$TB/dev/stderr" &&
	mount --move "$TB/dev" /dev && [ -z "$(ls -A "$TB/dev")" ]
ok $? "a private /dev (tmpfs) in this mount namespace"
$PY "$top_srcdir/tests/tools/devlog.py" /dev/log "$TB/syslog" &
UA_PIDS="$UA_PIDS $!"
ua_wait_for 50 grep -qx ready "$TB/syslog"
ok $? "  ... with a listener at /dev/log for the PAM host's log"

# One password thread: a burst keeps the daemon hashing for seconds.
ua_write_conf <<EOF
hash_threads = 1
[defaults]
shell = /bin/sh
throttle_pair_after = 100
throttle_account_after = 1000
throttle_host_after = 100000
[pool customer]
uid_min = 200000
uid_max = 200099
gid_min = 300000
gid_max = 300099
first_factors = password
EOF
mkdir -p "$TB/pam"
# ua: a 5 s timeout, so that "at once" is not the deadline; ua1: 1 s
echo "auth required $MOD pool=customer socket=$SOCK timeout=5" >"$TB/pam/ua"
echo "auth required $MOD pool=customer socket=$SOCK timeout=1" >"$TB/pam/ua1"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$TB/pam/other"
chmod 0644 "$TB/pam/"*
ua_start_daemon
ok $? "the daemon starts"
expect_rc 0 "pool users bea (with a password), cy and dee" sh -c "
	'$top_builddir/userauthctl' -s '$TB/run/admin.sock' user add customer bea --email bea@example.com &&
	printf '%s\n' '$PW' | '$top_builddir/userauthctl' -s '$TB/run/admin.sock' passwd bea --stdin &&
	'$top_builddir/userauthctl' -s '$TB/run/admin.sock' user add customer cy --email cy@example.com &&
	'$top_builddir/userauthctl' -s '$TB/run/admin.sock' user add customer dee --email dee@example.com"
login ok0 ua bea "$PW"
ok $? "bea signs in"
BEA=$(getent passwd bea)
BEA_UID=$(echo "$BEA" | cut -d: -f3)
CY=$(getent passwd cy)
DEE=$(getent passwd dee)

# bg_login NAME SERVICE: a login of bea in the background, its answer
# from a FIFO written through fd 9; its pid in BG_PID.
bg_login() {
	rm -f "$TB/fifo.$1"
	mkfifo "$TB/fifo.$1"
	"$PAMCONV" -C "$TB/pam" -f "$TB/fifo.$1" "$2" bea >"$TB/tx.$1" 2>&1 9>&- &
	BG_PID=$!
	exec 9>"$TB/fifo.$1"
	ua_wait_for 50 grep -q 'Password' "$TB/tx.$1"
}
answer() { (printf '%s\n' "$1" >&9) 2>/dev/null; }
# tx_is DESCRIPTION NAME: the transcript equals stdin.
tx_is() {
	if diff -u - "$TB/tx.$2" >"$TB/diff" 2>&1; then ok 0 "$1"; else
		ok 1 "$1"
		sed 's/^/# /' "$TB/diff" | head -30
	fi
}
# sigpipe_default PID: SIGPIPE (13) neither ignored nor blocked there, so
# a write to a dead peer without MSG_NOSIGNAL would kill it.
sigpipe_default() {
	awk '/^Sig(Ign|Blk):/ { if (index("13579bdf", substr($2, 13, 1))) bad = 1 }
		END { exit bad }' "/proc/$1/status"
}
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
# hashing N: N logins of bea on the socket at once, queued on the one
# hash thread; returns once the first of them was audited (the queue is
# draining, the rest still waits)
hashing() {
	audited=$(grep -c "service='burst'.*result=ok" "$TB/daemon.log")
	$BURST "$SOCK" customer bea "$PW" "$1" 10 >"$TB/burst.out" 2>&1 &
	BURST_PID=$!
	ua_wait_for 100 sh -c "[ \$(grep -c \"service='burst'.*result=ok\" '$TB/daemon.log') -gt $audited ]"
}
# restart: a fresh daemon after a kill -9
restart() {
	wait "$BURST_PID" 2>/dev/null
	ua_start_daemon
}

# --- kill -9 while the host waits for its answer's verdict -------------------------
# bea's answer is queued behind 60 others on the one hash thread: the
# host is in its read when the daemon dies.
bg_login hash ua
CONV=$BG_PID
hashing 60
ok $? "60 logins keep the daemon's hash thread busy"
answer "$PW"
sleep 0.3
expect_rc 0 "  ... bea's answer given, her host waits for the verdict (still running, no result yet)" \
	sh -c "kill -0 $CONV && ! grep -q '^authenticate:' '$TB/tx.hash'"
expect_rc 0 "  ... with SIGPIPE at its default (neither ignored nor blocked)" sigpipe_default $CONV
kill -9 "$UA_DAEMON_PID"
t0=$(date +%s%N)
exec 9>&-
wait $CONV
r=$?
ms=$(ms_since "$t0")
wait "$UA_DAEMON_PID" 2>/dev/null
expect_rc 0 "daemon killed mid-verdict: the host ends with PAM_AUTHINFO_UNAVAIL, not by a signal (exit $r)" \
	test $r -eq 9
expect_rc 0 "  ... at once: the hang-up, not the 5 s timeout ($ms ms)" test "$ms" -le 2000
tx_is "  ... the transcript: the prompt, then the PAM error (the module shows no message of its own)" hash <<EOF
call 1: ECHO_OFF "Password: "
$UNAVAIL
EOF
ua_wait_for 20 grep -q "pam_userauth(ua:auth): user 'bea': userauthd at '$SOCK': Connection reset by peer; result=unavailable" "$TB/syslog"
ok $? "  ... and the module logs why (Connection reset by peer; result=unavailable)"
restart
ok $? "  ... the daemon starts again"

# --- kill -9 while the host is at its prompt: the answer goes to a dead peer -------
bg_login prompt ua
CONV=$BG_PID
expect_rc 0 "bea's host is at its prompt, SIGPIPE at its default" sigpipe_default $CONV
kill -9 "$UA_DAEMON_PID"
wait "$UA_DAEMON_PID" 2>/dev/null
answer "$PW"
t0=$(date +%s%N)
exec 9>&-
wait $CONV
r=$?
ms=$(ms_since "$t0")
expect_rc 0 "daemon killed at the prompt: the answer's write to the dead peer gives PAM_AUTHINFO_UNAVAIL, no SIGPIPE (exit $r)" \
	test $r -eq 9
expect_rc 0 "  ... at once ($ms ms)" test "$ms" -le 2000
tx_is "  ... the transcript: the prompt, then the PAM error" prompt <<EOF
call 1: ECHO_OFF "Password: "
$UNAVAIL
EOF
ua_wait_for 20 grep -q "pam_userauth(ua:auth): user 'bea': userauthd at '$SOCK': Broken pipe; result=unavailable" "$TB/syslog"
ok $? "  ... and the module logs why (Broken pipe; result=unavailable)"
BURST_PID=
restart
ok $? "  ... the daemon starts again"

# --- kill -9 just after the verdict was sent ---------------------------------------
# The host is stopped while its answer waits in the queue; the daemon
# signs bea in, sends the RESULT into the stopped host's socket and is
# killed; the host, let go, reads the RESULT before the hang-up.
bg_login sent ua
CONV=$BG_PID
hashing 20
ok $? "20 logins keep the daemon's hash thread busy"
oks=$(grep -c "user='bea' service='ua' .*result=ok" "$TB/daemon.log")
answer "$PW"
sleep 0.1
kill -STOP $CONV
ua_wait_for 100 sh -c "[ \$(grep -c \"user='bea' service='ua' .*result=ok\" '$TB/daemon.log') -gt $oks ]"
ok $? "  ... bea's host stopped after its answer; the daemon signs her in and replies"
sleep 0.3
kill -9 "$UA_DAEMON_PID"
wait "$UA_DAEMON_PID" 2>/dev/null
kill -CONT $CONV
exec 9>&-
wait $CONV
r=$?
expect_rc 0 "the daemon killed after its reply: the host still reads it, bea is signed in (exit $r)" \
	test $r -eq 0
tx_is "  ... the transcript: the prompt, then success" sent <<'EOF'
call 1: ECHO_OFF "Password: "
authenticate: 0 Success
EOF
restart
ok $? "  ... the daemon starts again"

# --- a hung daemon under one long-lived host ----------------------------------------
# pamconv -n 20: 20 pam_authenticate calls on one handle in one process
# (timeout=1), descriptors and threads counted before and after.
dfd0=$(ls "/proc/$UA_DAEMON_PID/fd" | wc -l)
kill -STOP "$UA_DAEMON_PID"
t0=$(date +%s%N)
"$PAMCONV" -C "$TB/pam" -n 20 ua1 bea "$PW" >"$TB/tx.stop" 2>&1 &
CONV=$!
# meanwhile getent, 10 lookups by name and by uid: each from the cache
worst=0
: >"$TB/getent.ms"
for i in 1 2 3 4 5; do
	for key in bea "$BEA_UID"; do
		g0=$(date +%s%N)
		getent passwd "$key" >"$TB/getent.out"
		gr=$?
		g=$(ms_since "$g0")
		echo "$g" >>"$TB/getent.ms"
		[ $gr -eq 0 ] && [ "$(cat "$TB/getent.out")" = "$BEA" ] || worst=99999
		[ "$g" -gt "$worst" ] && worst=$g
	done
	sleep 0.5
done
ninth=$(sort -n "$TB/getent.ms" | sed -n 9p)
running=$(kill -0 $CONV 2>/dev/null && echo 0 || echo 1)
wait $CONV
r=$?
secs=$((($(date +%s%N) - t0) / 1000000000))
echo "# getent while the daemon is stopped (ms): $(tr '\n' ' ' <"$TB/getent.ms")"
expect_rc 0 "SIGSTOPped daemon: getent passwd answers from the cache, right, 10 lookups by name and uid: 9 within 300 ms ($ninth), all within 2 s ($worst)" \
	test "$ninth" -le 300 -a "$worst" -le 2000
expect_rc 0 "  ... while the host's logins were still hanging" test "$running" -eq 0
expect_rc 0 "one host, 20 logins in a row at timeout=1: each fails PAM_AUTHINFO_UNAVAIL ($(grep -c "^$UNAVAIL" "$TB/tx.stop") of 20, exit $r)" \
	test "$(grep -c "^$UNAVAIL\$" "$TB/tx.stop")" -eq 20 -a "$(grep -c '^authenticate:' "$TB/tx.stop")" -eq 20 -a $r -eq 9
expect_rc 0 "  ... each at its timeout: $secs s for the 20" test $secs -ge 18 -a $secs -le 45
# The first call may open what stays (the module's syslog connection):
# from then on nothing may grow.
before=$(sed -n 's/^before: //p' "$TB/tx.stop")
first=$(sed -n 's/^after: //p' "$TB/tx.stop" | head -n 1)
last=$(sed -n 's/^after: //p' "$TB/tx.stop" | tail -n 1)
expect_rc 0 "  ... no descriptor or thread piled up in the host (before: $before; after the first: $first; after the 20th: $last)" \
	test -n "$first" -a "$(sed -n 's/^after: //p' "$TB/tx.stop" | sort -u)" = "$first"
expect_rc 0 "  ... and no conversation call: the daemon never asked" \
	sh -c "! grep -q '^call' '$TB/tx.stop'"
kill -CONT "$UA_DAEMON_PID"
login cont ua bea "$PW"
ok $? "SIGCONT: bea signs in"
ua_wait_for 50 sh -c "[ \$(ls /proc/$UA_DAEMON_PID/fd | wc -l) -eq $dfd0 ]"
ok $? "  ... and the daemon let go of the 20 abandoned connections (fds $dfd0 -> $(ls "/proc/$UA_DAEMON_PID/fd" | wc -l))"

# --- the NSS cache damaged ------------------------------------------------------------
# Damaged copies are put in place with mv, as a publish is: getent and id
# (new processes) see each at once.  None may crash, none may answer a
# wrong uid; the module refuses the file: pool users are not found, local
# ones still are.
cp "$CACHE" "$TB/good.cache"
# damage KIND: $TB/bad.cache from $TB/good.cache
damage() {
	$PY - "$1" "$TB/good.cache" "$TB/bad.cache" "$BEA_UID" <<'EOF'
import os, struct, sys
kind, src, dst, uid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
b = bytearray(open(src, "rb").read())
if kind == "half":
    b = b[:len(b) // 2]
elif kind == "short":
    b = b[:100]
elif kind == "empty":
    b = b""
elif kind == "garbage":
    m = len(b) // 2
    b[m - 256:m + 256] = os.urandom(512)
elif kind == "magic":
    b[0:8] = b"NOTMAGIC"
elif kind in ("uid+1", "uid0"):
    old, new = struct.pack("<I", uid), struct.pack("<I", uid + 1 if kind == "uid+1" else 0)
    if b.count(old) == 0:
        sys.exit("uid not found")
    b = b.replace(old, new)
open(dst, "wb").write(bytes(b))
EOF
	chmod 0644 "$TB/bad.cache" && mv "$TB/bad.cache" "$CACHE.new" && mv "$CACHE.new" "$CACHE"
}
# refused: what each damaged cache must give
refused() {
	getent passwd bea >"$TB/r.1" 2>&1
	r1=$?
	getent passwd "$BEA_UID" >"$TB/r.2" 2>&1
	r2=$?
	getent group bea >"$TB/r.3" 2>&1
	r3=$?
	id bea >"$TB/r.4" 2>&1
	r4=$?
	getent passwd root >/dev/null
	r5=$?
	echo "getent passwd bea: $r1, by uid: $r2, group: $r3; id bea: $r4 ($(cat "$TB/r.4")); root: $r5"
	[ $r1 -eq 2 ] && [ $r2 -eq 2 ] && [ $r3 -eq 2 ] && [ $r4 -eq 1 ] && [ $r5 -eq 0 ] &&
		! grep -q ":$BEA_UID:\|:$((BEA_UID + 1)):\|uid=" "$TB/r.1" "$TB/r.2" "$TB/r.4"
}
for kind in half short empty garbage magic uid+1 uid0; do
	damage $kind
	refused >"$TB/refused.out"
	ok $? "a damaged cache ($kind): no crash, no answer: $(cat "$TB/refused.out")"
done

# The daemon's next publish (any change) replaces the damaged file.
damage garbage
expect_rc 0 "a damaged cache under the running daemon: a change (user add) publishes" \
	uactl user add customer eve --email eve@example.com
expect_rc 0 "  ... and the new file answers again: bea with her uid" \
	sh -c "[ \"\$(getent passwd bea)\" = '$BEA' ]"
expect_rc 0 "  ... and id bea" sh -c "id bea | grep -q 'uid=$BEA_UID(bea)'"
# ... and so does a start.
ua_stop_daemon
damage magic
refused >/dev/null
ok $? "the daemon stopped, the cache damaged (magic): refused"
ua_start_daemon
ok $? "  ... the daemon starts on it"
expect_rc 0 "  ... saying it could not read its id marks from the cache" \
	grep -q "id marks: cannot read them from the NSS cache" "$TB/daemon.log"
expect_rc 0 "  ... and publishes a good cache at once: bea with her uid" \
	sh -c "[ \"\$(getent passwd bea)\" = '$BEA' ]"
expect_rc 0 "  ... a new user after it gets a new uid, none of the earlier ones" sh -c "
	'$top_builddir/userauthctl' -s '$TB/run/admin.sock' user add customer fay --email fay@example.com >/dev/null &&
	u=\$(getent passwd fay | cut -d: -f3) && [ -n \"\$u\" ] &&
	! getent passwd | awk -F: -v u=\$u '\$3 == u && \$1 != \"fay\"' | grep -q ."

# --- nscd over a damaged cache ----------------------------------------------------------
if [ -x /usr/sbin/nscd ]; then
	# nscd's socket and state under a private /run (as nscd.sh)
	mount -t tmpfs -o mode=0755 tmpfs /run
	mkdir -p /run/nscd
	cat >"$TB/nscd.conf" <<CONF
enable-cache passwd yes
positive-time-to-live passwd 600
negative-time-to-live passwd 20
persistent passwd no
shared passwd yes
check-files passwd yes
enable-cache group yes
positive-time-to-live group 3600
negative-time-to-live group 60
persistent group no
shared group yes
check-files group yes
enable-cache hosts no
enable-cache services no
enable-cache netgroup no
CONF
	/usr/sbin/nscd -F -f "$TB/nscd.conf" >"$TB/nscd.log" 2>&1 &
	NSCD_PID=$!
	UA_PIDS="$UA_PIDS $NSCD_PID"
	ua_wait_for 100 test -S /run/nscd/socket
	ok $? "a private nscd runs"
	expect_rc 0 "  ... it answers bea (and caches her)" \
		sh -c "[ \"\$(getent passwd bea)\" = '$BEA' ]"
	cp "$CACHE" "$TB/good.cache"
	# nscd's module maps the live file: truncated in place, then a
	# copy with a wrong uid moved over it
	sleep 0.1
	truncate -s 4096 "$CACHE"
	sleep 0.1
	getent passwd cy >"$TB/nscd.1" 2>&1
	r=$?
	expect_rc 0 "the live cache truncated in place under nscd: cy (not cached) is not found ($r), no wrong answer" \
		sh -c "[ $r -eq 2 ] && [ ! -s '$TB/nscd.1' ]"
	expect_rc 0 "  ... nscd lives (no SIGBUS)" kill -0 $NSCD_PID
	damage uid+1
	sleep 0.1
	getent passwd dee >"$TB/nscd.2" 2>&1
	r=$?
	expect_rc 0 "  ... a cache with bea's uid changed moved over it: dee is not found either ($r)" \
		sh -c "[ $r -eq 2 ] && [ ! -s '$TB/nscd.2' ]"
	expect_rc 0 "  ... bea, whom nscd holds, still has her own uid" \
		sh -c "[ \"\$(getent passwd bea)\" = '$BEA' ]"
	expect_rc 0 "  ... nscd lives" kill -0 $NSCD_PID
	expect_rc 0 "the daemon publishes (user add; userauthctl tells nscd)" \
		uactl user add customer gil --email gil@example.com
	getent passwd cy >"$TB/nscd.3" 2>&1
	r=$?
	expect_rc 0 "  ... at once nscd's module takes the new file: cy is found, with his uid ($r)" \
		sh -c "[ \"\$(cat '$TB/nscd.3')\" = '$CY' ]"
	expect_rc 0 "  ... and dee" sh -c "[ \"\$(getent passwd dee)\" = '$DEE' ]"
	expect_rc 0 "  ... nscd lives" kill -0 $NSCD_PID
else
	ok 0 "# SKIP nscd over a damaged cache: needs /usr/sbin/nscd (apt package nscd)"
fi

if grep -qF "$PW" "$TB/daemon.log" "$TB/syslog"; then ok 1 "the password is in no log"; else
	ok 0 "the password is in no log"; fi
ua_finish
