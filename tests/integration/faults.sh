#!/bin/sh
# SPDX-License-Identifier: MIT
# Rows of the reliability matrix (SECURITY.md 6b) not covered elsewhere:
# a hung daemon (SIGSTOP) and its recovery; kill -9 during a burst of
# logins, then an intact database and working logins; a restart between
# INITIATE and RESPOND; the state directory full; the database locked by
# another process; a client that hangs up mid-reply; no file descriptors
# left; no memory for a password check.  In each the login
# fails closed (never success), and the daemon comes back.  Own mount and
# network namespaces; prints TAP; needs root.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
ua_need_tools sqlite3 fallocate ip prlimit
ua_enter_netns "$@"
ua_scratch
ua_nss_setup

SOCK=$TB/run/public.sock
MOD=$(ua_reachable "$top_builddir/pam_userauth/.libs/pam_userauth.so")
PAMCONV=$(ua_reachable "$top_builddir/tests/tools/pamconv")
conv() { "$PAMCONV" -C "$TB/pam" "$@"; }
PW='Fault-canary-pw-8e1f'
# tx_is DESCRIPTION NAME: the transcript equals stdin.
tx_is() {
	if diff -u - "$TB/tx.$2" >"$TB/diff" 2>&1; then ok 0 "$1"; else
		ok 1 "$1"
		sed 's/^/# /' "$TB/diff" | head -30
	fi
}
DB=$TB/state/userauth.db

# The state directory on a small tmpfs of its own, so that it can be filled.
mkdir -p "$TB/state"
mount -t tmpfs -o "size=8m,mode=0700,uid=$(id -u userauth),gid=$(id -g userauth)" tmpfs "$TB/state" ||
	skip_all "cannot mount a tmpfs for the state directory"
# One password thread: the burst below is still hashing when it is killed,
# on a machine of any size.
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
{
	echo "auth required $MOD pool=customer socket=$SOCK timeout=3"
	echo "account required $MOD pool=customer socket=$SOCK timeout=3"
} >"$TB/pam/ua"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$TB/pam/other"
chmod 0644 "$TB/pam/"*
ua_start_daemon
ok $? "the daemon starts, its state on an 8 MiB tmpfs"
expect_rc 0 "a pool user with a password" sh -c "
	'$top_builddir/userauthctl' -s '$TB/run/admin.sock' user add customer bea --email bea@example.com &&
	printf '%s\n' '$PW' | '$top_builddir/userauthctl' -s '$TB/run/admin.sock' passwd bea --stdin"
login ok0 -a ua bea "$PW"
ok $? "bea signs in"

# --- a hung daemon ---------------------------------------------------------------
kill -STOP "$UA_DAEMON_PID"
t0=$(date +%s)
login hung ua bea "$PW"
r=$?
t1=$(date +%s)
expect_rc 0 "SIGSTOPped daemon: the login fails (PAM $r), never success" test $r -ne 0
expect_rc 0 "  ... within the module's timeout= (3 s: it took $((t1 - t0)) s)" \
	test $((t1 - t0)) -le 5
expect_rc 0 "  ... as AUTHINFO_UNAVAIL" grep -q "authenticate: 9 " "$TB/tx.hung"
expect_rc 0 "  ... NSS still answers from the cache" getent passwd bea
kill -CONT "$UA_DAEMON_PID"
login cont ua bea "$PW"
ok $? "  ... after SIGCONT the next login succeeds"

# --- a client that hangs up mid-reply ----------------------------------------------
$PY - "$SOCK" <<'EOF'
import socket, struct, sys
for i in range(50):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
    f = [(1, b"customer"), (2, b"bea"), (3, b"hangup")]
    b = struct.pack(">HHH", 1, 3, len(f))
    for t, v in f:
        b += struct.pack(">HH", t, len(v)) + v
    s.sendall(struct.pack(">I", len(b)) + b)
    s.close()
EOF
expect_rc 0 "50 clients that hang up before the reply: the daemon lives" kill -0 "$UA_DAEMON_PID"
login after-hangup ua bea "$PW"
ok $? "  ... and signs bea in"

# --- the database locked by another process ---------------------------------------
rm -f "$TB/lockfifo"
mkfifo "$TB/lockfifo"
( { echo 'BEGIN EXCLUSIVE;'; echo "SELECT 'locked';"; cat "$TB/lockfifo"; echo 'COMMIT;'; } |
	sqlite3 "$DB" >"$TB/lock.out" 2>&1 ) &
LOCKER=$!
exec 8>"$TB/lockfifo"
ua_wait_for 50 grep -q locked "$TB/lock.out"
ok $? "another process holds the database EXCLUSIVE"
login locked ua bea "$PW"
expect_rc 0 "  ... the login fails closed, not success" test $? -ne 0
expect_rc 0 "  ... audited as an error (the throttle store could not be written)" \
	grep -q "result=error reason=throttle_store" "$TB/daemon.log"
exec 8>&-
wait $LOCKER
login unlocked ua bea "$PW"
ok $? "  ... once it lets go, bea signs in"

# --- the state directory full -----------------------------------------------------
fallocate -l 16m "$TB/state/filler" 2>/dev/null ||
	dd if=/dev/zero of="$TB/state/filler" bs=64k 2>/dev/null
audits=$(grep -c "user='bea' .*result=error reason=throttle_store" "$TB/daemon.log")
login full ua bea "$PW"
r=$?
expect_rc 0 "state directory full: the login fails closed, PAM_AUTHINFO_UNAVAIL ($r) (a failure counter cannot be written)" \
	test $r -eq 9
tx_is "  ... after the prompt: the PAM error, no success (the module shows no message of its own)" full <<'EOF2'
call 1: ECHO_OFF "Password: "
authenticate: 9 Authentication service cannot retrieve authentication info
EOF2
expect_rc 0 "  ... the daemon logs why (the disk is full)" \
	grep -q "event=throttle pool='customer' result=error: the database disk is full" "$TB/daemon.log"
expect_rc 0 "  ... and audits the login as an error (the throttle store could not be written)" \
	test "$(grep -c "user='bea' .*result=error reason=throttle_store" "$TB/daemon.log")" -eq $((audits + 1))
rm -f "$TB/state/filler"
login roomy ua bea "$PW"
ok $? "  ... space back: bea signs in"
expect_rc 0 "  ... and the database is intact" \
	sh -c "[ \"\$(sqlite3 '$DB' 'PRAGMA integrity_check;')\" = ok ]"

# --- kill -9 during a burst -------------------------------------------------------
# One login through the module waits at its prompt; 60 more on the socket
# are being hashed (one thread) when the daemon is killed.
rm -f "$TB/fifo"
mkfifo "$TB/fifo"
"$PAMCONV" -C "$TB/pam" -f "$TB/fifo" ua bea >"$TB/tx.killed" 2>&1 &
CONV=$!
exec 9>"$TB/fifo"
ua_wait_for 50 grep -q "Password" "$TB/tx.killed"
$PY "$top_srcdir/tests/tools/burst.py" "$SOCK" customer bea "$PW" 60 10 >"$TB/burst.out" 2>&1 &
BURST=$!
ua_wait_for 100 sh -c "grep -c \"service='burst'.*result=ok\" '$TB/daemon.log' | grep -qv '^0$'"
kill -9 "$UA_DAEMON_PID"
wait "$UA_DAEMON_PID" 2>/dev/null
printf '%s\n' "$PW" >&9
exec 9>&-
t0=$(date +%s)
wait $CONV
r=$?
wait $BURST
rb=$?
echo "# burst at kill -9: $(cat "$TB/burst.out")"
expect_rc 0 "kill -9: the login in flight through the module fails with PAM_AUTHINFO_UNAVAIL ($r), at once ($(($(date +%s) - t0)) s)" \
	test "$r" -eq 9 -a $(($(date +%s) - t0)) -le 3
expect_rc 0 "  ... not success" sh -c "! grep -q 'authenticate: 0' '$TB/tx.killed'"
n_of() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" "$TB/burst.out"; }
expect_rc 0 "  ... of the 60 on the socket, every one ended (exit $rb): $(n_of ok) signed in before the kill, the other $((60 - $(n_of ok))) got no success" \
	test "$rb" -eq 0 -a "$(($(n_of ok) + $(n_of fail) + $(n_of unavailable) + $(n_of busy) + $(n_of lost)))" -eq 60 -a "$(n_of ok)" -ge 1 -a "$(n_of ok)" -lt 60
expect_rc 0 "  ... and each success the burst saw was audited before the kill" \
	test "$(grep -c "service='burst'.*result=ok" "$TB/daemon.log")" -ge "$(n_of ok)"
expect_rc 0 "  ... NSS answers from the cache while it is down" getent passwd bea
expect_rc 0 "  ... PRAGMA integrity_check: ok" \
	sh -c "[ \"\$(sqlite3 '$DB' 'PRAGMA integrity_check;')\" = ok ]"
ua_start_daemon
ok $? "  ... it starts again"
login again ua bea "$PW"
ok $? "  ... and bea signs in"

# --- a restart between INITIATE and RESPOND ----------------------------------------
rm -f "$TB/fifo"
mkfifo "$TB/fifo"
"$PAMCONV" -C "$TB/pam" -f "$TB/fifo" ua bea >"$TB/tx.restart" 2>&1 &
CONV=$!
exec 9>"$TB/fifo"
ua_wait_for 50 grep -q "Password" "$TB/tx.restart"
ua_stop_daemon
ua_start_daemon
printf '%s\n' "$PW" >&9
exec 9>&-
wait $CONV
r=$?
expect_rc 0 "a restart between the challenge and the answer: that login fails cleanly, PAM_AUTHINFO_UNAVAIL ($r)" \
	test $r -eq 9
expect_rc 0 "  ... the module said why, not success" sh -c "! grep -q 'authenticate: 0' '$TB/tx.restart'"
login fresh ua bea "$PW"
ok $? "  ... and a new login succeeds"

# --- file descriptors run out ------------------------------------------------------
# The daemon restarts with an open-file limit just above what it had open
# (prlimit execs it: a process may lower its own limit); a client holding
# 40 connections takes the rest.
nfd=$(ls "/proc/$UA_DAEMON_PID/fd" | wc -l)
ua_stop_daemon
UA_DAEMON_WRAP="prlimit --nofile=$((nfd + 4)):$((nfd + 4))"
ua_start_daemon
r=$?
UA_DAEMON_WRAP=
ok $r "the daemon restarts with its open-file limit at $((nfd + 4)) ($nfd were open)"
rm -f "$TB/hold"
mkfifo "$TB/hold"
$PY -c '
import socket, sys
held = []
for _ in range(40):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(0.5)
    try:
        s.connect(sys.argv[1])
        held.append(s)
    except OSError:
        s.close()
print("held", len(held), flush=True)
sys.stdin.read()
' "$SOCK" <"$TB/hold" >"$TB/hold.out" 2>&1 &
HOLDER=$!
exec 8>"$TB/hold"
ua_wait_for 100 grep -q '^held' "$TB/hold.out"
ua_wait_for 50 grep -q 'accept: Too many open files; pausing' "$TB/daemon.log"
ok $? "out of descriptors: the daemon says so ($(cat "$TB/hold.out"))"
ticks() { awk '{ print $14 + $15 }' "/proc/$UA_DAEMON_PID/stat"; }
c0=$(ticks)
login nofd ua bea "$PW"
r=$?
c1=$(ticks)
hz=$(getconf CLK_TCK)
expect_rc 0 "  ... a login meanwhile fails closed ($r), never success" \
	sh -c "[ $r -ne 0 ] && ! grep -q 'authenticate: 0' '$TB/tx.nofd'"
expect_rc 0 "  ... and the daemon does not spin on the full backlog ($(((c1 - c0) * 1000 / hz)) ms CPU over the login's wait)" \
	test $(((c1 - c0) * 1000 / hz)) -lt 500
exec 8>&-
wait $HOLDER
ua_wait_for 100 sh -c "'$PAMCONV' -C '$TB/pam' ua bea '$PW' 2>&1 | grep -q '^authenticate: 0 '"
ok $? "  ... the connections gone, bea signs in again"
expect_rc 0 "  ... and the database is intact" \
	sh -c "[ \"\$(sqlite3 '$DB' 'PRAGMA integrity_check;')\" = ok ]"

# --- memory runs out -------------------------------------------------------------
# The daemon restarts with its address space limited to 8 MiB above what
# it takes once serving, less than one yescrypt check needs (16 MiB):
# each password check fails for want of memory.  (Under any limit glibc
# reserves smaller malloc arenas, so the size is read from a daemon that
# runs under one: the usual size first, then that daemon's size + 8 MiB.)
# limited_start KIB: the daemon under prlimit --as.
limited_start() {
	UA_DAEMON_WRAP="prlimit --as=$(($1 * 1024))"
	ua_start_daemon
	ls_r=$?
	UA_DAEMON_WRAP=
	return $ls_r
}
# The daemon's size once settled: after its first publish, and the least
# of a few looks (a thread or mapping of the start-up that goes away
# would leave more room than the 8 MiB, and the check would not fail).
vmsize() {
	ua_wait_for 100 grep -q "NSS cache '.*': [0-9]* users" "$TB/daemon.log"
	vs_min=
	for vs_i in 1 2 3 4 5; do
		vs=$(awk '/^VmSize:/ { print $2 }' "/proc/$UA_DAEMON_PID/status")
		[ -z "$vs_min" ] || [ "$vs" -lt "$vs_min" ] && vs_min=$vs
		sleep 0.1
	done
	echo "$vs_min"
}
if ldd "$top_builddir/userauthd" 2>/dev/null | grep -q libasan; then
	# the sanitizer reserves terabytes of address space for its shadow
	ok 0 "# SKIP memory exhaustion: a sanitizer build cannot run under an address-space limit (the plain build runs it)"
else
ua_stop_daemon
ua_start_daemon
vm=$(vmsize)
ua_stop_daemon
limited_start "$vm"
vm=$(vmsize)
ua_stop_daemon
limited_start $((vm + 8192))
ok $? "the daemon restarts with its address space limited to $(((vm + 8192) / 1024)) MiB (it takes $((vm / 1024)))"
bea_fails() { uactl --json throttle list customer | $PY -c 'import json,sys; print(sum(b["failures"] for b in json.load(sys.stdin) if b["kind"] != "host"))'; }
f0=$(bea_fails)
login nomem ua bea "$PW"
r=$?
expect_rc 0 "out of memory: bea's right password fails closed, PAM_AUTHINFO_UNAVAIL ($r)" \
	sh -c "[ $r -eq 9 ] && ! grep -q 'authenticate: 0' '$TB/tx.nomem'"
expect_rc 0 "  ... audited as an error: the check could not be made" \
	grep -q "user='bea' .*result=error reason=hash_failed" "$TB/daemon.log"
expect_rc 0 "  ... and counted as no failure of hers ($f0 -> $(bea_fails))" test "$(bea_fails)" -eq "$f0"
expect_rc 0 "  ... the daemon lives" kill -0 "$UA_DAEMON_PID"
ua_stop_daemon
ua_start_daemon
login memback ua bea "$PW"
ok $? "  ... without the limit, bea signs in"
fi

if grep -q "$PW" "$TB/daemon.log"; then ok 1 "the password is in no log"; else
	ok 0 "the password is in no log"; fi
ua_finish
