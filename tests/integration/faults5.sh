#!/bin/sh
# SPDX-License-Identifier: MIT
# Two more rows of the reliability matrix (SECURITY.md 6b; doc/FAULTS.md):
# a SIGSTOPped userauthd under a PAM host whose module has no timeout=
# option (the default, 10 s: the login fails at it, not sooner, and NSS
# answers meanwhile); and a real sshd whose NSS cache is damaged under it
# (a block of garbage, one bit of a user's uid, cut to half in place, and
# emptied in place under a login sitting at its prompt): the local account
# (pam_unix, in copies of the account files bound over the real ones)
# still gets in, the pool user fails closed, sshd and its children do not
# die, and after the daemon rewrites the cache (a change, a restart) the
# pool user gets in again.  The module's log goes to a /dev/log of the
# test's own (tests/tools/devlog.py).  Own mount and network namespaces;
# prints TAP; needs root.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
ua_need_sshd
ua_need_tools openssl
for m in pam_succeed_if pam_unix; do
	[ -n "$(ls /usr/lib/*/security/$m.so 2>/dev/null)" ] ||
		skip_all "needs $m.so (libpam-modules)"
done
ua_enter_netns "$@"
ua_scratch
ua_nss_setup

SOCK=$TB/run/public.sock
MOD=$(ua_reachable "$top_builddir/pam_userauth/.libs/pam_userauth.so")
PAMCONV=$(ua_reachable "$top_builddir/tests/tools/pamconv")
CACHE=/var/cache/userauth/nss.cache
PW_BOB='Fault5-bob-pw-3a9e'
PW_OPS='Fault5-ops-pw-c27d'
UNAVAIL='authenticate: 9 Authentication service cannot retrieve authentication info'
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
# the default reply timeout that pam_userauth(8) promises
DEFAULT_S=10

# --- a /dev of our own, for the module's syslog (as in faults3.sh) ---------------
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

# --- a local account, in copies of the account files (as in recipes.sh) ---------
mkdir -p "$TB/etc"
cp /etc/passwd "$TB/etc/passwd" && cp /etc/shadow "$TB/etc/shadow" &&
	cp /etc/group "$TB/etc/group" &&
	echo "ops:x:5000:5000:local admin:$TB/home-local/ops:/bin/sh" >>"$TB/etc/passwd" &&
	echo "ops:$(openssl passwd -6 "$PW_OPS"):19000:0:99999:7:::" >>"$TB/etc/shadow" &&
	echo "ops:x:5000:" >>"$TB/etc/group" &&
	mount --bind "$TB/etc/passwd" /etc/passwd &&
	mount --bind "$TB/etc/shadow" /etc/shadow &&
	mount --bind "$TB/etc/group" /etc/group &&
	mkdir -p "$TB/home-local/ops" && chown 5000:5000 "$TB/home-local/ops"
ok $? "a local account ops (pam_unix) in this namespace only"

ua_write_conf <<EOF
[defaults]
shell = /bin/sh
throttle_pair_after = 100
throttle_account_after = 1000
throttle_host_after = 100000
[pool customer]
uid_min = 200000
uid_max = 200009
gid_min = 300000
gid_max = 300009
home = $TB/home/%u
first_factors = password
EOF
ua_start_daemon
ok $? "userauthd starts"
expect_rc 0 "pool users bob (with a password) and cy" sh -c "
	'$top_builddir/userauthctl' -s '$TB/run/admin.sock' user add customer bob --email bob@example.com &&
	printf '%s\n' '$PW_BOB' | '$top_builddir/userauthctl' -s '$TB/run/admin.sock' passwd bob --stdin &&
	'$top_builddir/userauthctl' -s '$TB/run/admin.sock' user add customer cy --email cy@example.com"
BOB=$(getent passwd bob)
BOB_UID=$(echo "$BOB" | cut -d: -f3)
mkdir -p "$TB/home/bob" "$TB/home/cy" && chmod 0755 "$TB/home" &&
	chown bob:bob "$TB/home/bob" && chown cy:cy "$TB/home/cy"

# --- the daemon hung, the module at its default timeout ----------------------------
# No timeout= in the stack: the module waits the built-in default for the
# daemon's reply.  A stopped daemon's socket still takes the connection
# (the kernel queues it) and the module's INITIATE, and no reply, no WAIT
# frame, ever comes.
mkdir -p "$TB/pam"
echo "auth required $MOD pool=customer socket=$SOCK" >"$TB/pam/ua"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$TB/pam/other"
chmod 0644 "$TB/pam/"*
"$PAMCONV" -C "$TB/pam" ua bob "$PW_BOB" >"$TB/tx.ok0" 2>&1
ok $? "bob signs in through the module (no timeout= option)"
kill -STOP "$UA_DAEMON_PID"
t0=$(date +%s%N)
"$PAMCONV" -C "$TB/pam" ua bob "$PW_BOB" >"$TB/tx.hung" 2>&1 &
CONV=$!
# meanwhile getent, 10 lookups by name and by uid, each from the cache
worst=0
: >"$TB/getent.ms"
for i in 1 2 3 4 5; do
	for key in bob "$BOB_UID"; do
		g0=$(date +%s%N)
		getent passwd "$key" >"$TB/getent.out"
		gr=$?
		g=$(ms_since "$g0")
		echo "$g" >>"$TB/getent.ms"
		[ $gr -eq 0 ] && [ "$(cat "$TB/getent.out")" = "$BOB" ] || worst=99999
		[ "$g" -gt "$worst" ] && worst=$g
	done
	sleep 0.5
done
ninth=$(sort -n "$TB/getent.ms" | sed -n 9p)
running=$(kill -0 $CONV 2>/dev/null && echo 0 || echo 1)
wait $CONV
r=$?
ms=$(ms_since "$t0")
echo "# getent while the daemon is stopped (ms): $(tr '\n' ' ' <"$TB/getent.ms"); the login took $ms ms"
expect_rc 0 "SIGSTOPped daemon, no timeout= option: the login fails PAM_AUTHINFO_UNAVAIL (exit $r), never success" \
	sh -c "[ $r -eq 9 ] && grep -qx '$UNAVAIL' '$TB/tx.hung' && ! grep -q '^authenticate: 0' '$TB/tx.hung'"
expect_rc 0 "  ... at the default timeout ($DEFAULT_S s), not before: $ms ms" \
	test "$ms" -ge $((DEFAULT_S * 1000 - 100))
expect_rc 0 "  ... and not long after (< $((DEFAULT_S * 2)) s)" \
	test "$ms" -lt $((DEFAULT_S * 2000))
expect_rc 0 "  ... with no conversation call: the daemon never asked" \
	sh -c "! grep -q '^call' '$TB/tx.hung'"
ua_wait_for 20 grep -q "pam_userauth(ua:auth): user 'bob': userauthd at '$SOCK': .*timed out; result=unavailable" "$TB/syslog"
ok $? "  ... and the module logs why (timed out; result=unavailable)"
expect_rc 0 "  ... meanwhile getent passwd answered from the cache, right, 10 lookups by name and uid: 9 within 300 ms ($ninth), all within 2 s ($worst)" \
	test "$ninth" -le 300 -a "$worst" -le 2000
expect_rc 0 "  ... while the login was still waiting (after its last lookup, 2.5 s on)" \
	test "$running" -eq 0
kill -CONT "$UA_DAEMON_PID"
"$PAMCONV" -C "$TB/pam" ua bob "$PW_BOB" >"$TB/tx.cont" 2>&1
r=$?
expect_rc 0 "  ... after SIGCONT the next login succeeds (exit $r)" \
	grep -q '^authenticate: 0 ' "$TB/tx.cont"

# --- sshd on the namespace's loopback ----------------------------------------------
# The stack of pam_userauth(8)'s ops-box recipe: the pool's uid range goes
# to pam_userauth, everyone else to pam_unix.  A pool user whom NSS does
# not find is no pool user here: pam_unix has him, and fails.
SSH_PORT=2222
ARGS="pool=customer socket=$SOCK"
UA_SSHD_GRACE=60
ua_sshd_start sshd-faults "$SSH_PORT" <<EOF
auth     [success=ignore default=1] pam_succeed_if.so quiet uid >= 200000 uid <= 200009
auth     [success=done default=die] $MOD $ARGS
auth     required pam_unix.so
account  [success=ignore default=1] pam_succeed_if.so quiet uid >= 200000 uid <= 200009
account  [success=done default=die] $MOD $ARGS
account  required pam_unix.so
session  required pam_unix.so
EOF
ok $? "sshd listens on 127.0.0.1:$SSH_PORT (the ops-box stack: pam_userauth for the pool, pam_unix else)"
SSHD_PID=$UA_SSHD_PID
sshlogin() {
	$PY "$top_srcdir/tests/tools/sshlogin.py" --port "$SSH_PORT" "$@"
}
# what a crashed sshd child leaves in sshd's log: a PAM child that dies
# of a signal makes its monitor log "exited unexpectedly" and die; a
# preauth child's death is "terminated by signal"
CRASH='exited unexpectedly|exited uncleanly|terminated by signal|[Ss]egmentation|[Bb]us error|SIGBUS|SIGSEGV|core dumped'
crashes() { grep -Ec -- "$CRASH" "$TB/sshd.log"; }
n_of() { grep -c -- "$1" "$2"; }
# audited logins of bob (the daemon was asked)
bob_audits() { grep -c "event=auth .*user='bob'" "$TB/daemon.log"; }

expect_rc 0 "the local account ops signs in with its pam_unix password" \
	sshlogin --user ops --password "$PW_OPS" --command 'id -un'
grep_last "  ... as ops" "^ops$"
expect_rc 0 "pool user bob signs in with his password (pam_userauth)" \
	sshlogin --user bob --password "$PW_BOB" --command 'id'
grep_last "  ... with his uid" "^uid=$BOB_UID\(bob\) "

# --- the cache damaged under sshd ---------------------------------------------------
cp "$CACHE" "$TB/good.cache"
# damage KIND: the cache damaged.  garbage: 512 random bytes in the
# middle; bitflip: the lowest bit of bob's uid wherever it is stored
# (so a reader that trusted the file would give him cy's uid, or
# another's), both moved into place as a publish is; half: the live file
# cut to half in place (truncate); empty: cut to nothing in place.
damage() {
	case $1 in
	half)
		truncate -s $(($(stat -c %s "$CACHE") / 2)) "$CACHE"
		return ;;
	empty)
		truncate -s 0 "$CACHE"
		return ;;
	esac
	$PY - "$1" "$TB/good.cache" "$TB/bad.cache" "$BOB_UID" <<'EOF' || return 1
import os, struct, sys
kind, src, dst, uid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
b = bytearray(open(src, "rb").read())
if kind == "garbage":
    m = len(b) // 2
    b[m - 256:m + 256] = os.urandom(512)
elif kind == "bitflip":
    old, new = struct.pack("<I", uid), struct.pack("<I", uid ^ 1)
    if b.count(old) == 0:
        sys.exit("uid not found")
    b = b.replace(old, new)
open(dst, "wb").write(bytes(b))
EOF
	chmod 0644 "$TB/bad.cache" && mv "$TB/bad.cache" "$CACHE.new" &&
		mv "$CACHE.new" "$CACHE"
}
# under_damage KIND: the cases for one kind of damage
under_damage() {
	damage "$1"
	ok $? "the NSS cache damaged ($1) under the running sshd"
	getent passwd bob >"$TB/g.out" 2>&1
	r=$?
	expect_rc 0 "  ... getent passwd bob: not found (exit $r), no uid given" \
		sh -c "[ $r -eq 2 ] && [ ! -s '$TB/g.out' ]"
	expect_rc 0 "  ... sshd lets the local account ops in" \
		sshlogin --user ops --password "$PW_OPS" --command 'id -un'
	grep_last "  ... as ops" "^ops$"
	inv=$(n_of 'Invalid user bob from' "$TB/sshd.log")
	fld=$(n_of 'Failed keyboard-interactive/pam for invalid user bob from' "$TB/sshd.log")
	aud=$(bob_audits)
	expect_rc 1 "  ... pool user bob with his right password: refused by sshd (not a dropped connection, not success)" \
		sshlogin --user bob --password "$PW_BOB" --command 'id' \
		--transcript "$TB/bob-$1.json"
	expect_rc 0 "  ... sshd found no such user (Invalid user bob), pam_unix refused him, the daemon was not asked" \
		sh -c "[ $(n_of 'Invalid user bob from' "$TB/sshd.log") -gt $inv ] && [ \$(grep -c \"event=auth .*user='bob'\" '$TB/daemon.log') -eq $aud ]"
	expect_rc 0 "  ... and its monitor lived to log the refusal (Failed keyboard-interactive/pam for invalid user bob)" \
		test "$(n_of 'Failed keyboard-interactive/pam for invalid user bob from' "$TB/sshd.log")" -gt "$fld"
	expect_rc 0 "  ... sshd lives, and no sshd process died of a signal ($(crashes) crash lines)" \
		sh -c "kill -0 $SSHD_PID && [ $(crashes) -eq 0 ]"
}
under_damage garbage
under_damage bitflip
under_damage half

# The daemon's next publish rewrites the file.
expect_rc 0 "the daemon publishes (a change: user add)" \
	uactl user add customer dee --email dee@example.com
expect_rc 0 "  ... and bob signs in through sshd again, with his uid" \
	sshlogin --user bob --password "$PW_BOB" --command 'id'
grep_last "  ... (id: uid $BOB_UID)" "^uid=$BOB_UID\(bob\) "

# --- emptied in place under a login at its prompt ---------------------------------------
# bob's sshd has looked him up (his uid is the pool's: pam_userauth's
# Password: prompt) and mapped the cache; while the prompt waits, the
# file is cut to nothing in place (": > nss.cache", what nss_userauth(8)
# warns of: every page of the mapping is now past the end, SIGBUS to the
# touch; the file is under a page, so cutting it to half would not
# show that).  The answer is right and the daemon says so, but the
# account phase looks bob up again: the module must stat the file before
# it reads the mapping, refuse it, and the login fail.
rm -f "$TB/go"
inflight_oks=$(grep -c "event=auth .*user='bob' service='sshd-faults' .*result=ok" "$TB/daemon.log")
fld=$(n_of 'Failed keyboard-interactive/pam for bob from' "$TB/sshd.log")
sshlogin --user bob --password "$PW_BOB" --command 'id' --hold "$TB/go" \
	--transcript "$TB/bob-inflight.json" >"$TB/inflight.out" 2>"$TB/inflight.err" &
SSHL=$!
ua_wait_for 150 grep -qx held "$TB/inflight.err"
ok $? "bob's ssh login sits at its prompt (from pam_userauth: he was found)"
sleep 0.2
damage empty
sleep 0.2
touch "$TB/go"
wait $SSHL
r=$?
expect_rc 0 "the cache emptied in place meanwhile, bob answers right: sshd refuses him (exit $r: not a dropped connection, not success)" \
	test $r -eq 1
expect_rc 0 "  ... the daemon had judged his password right (audited ok): the refusal is the account phase's" \
	test "$(grep -c "event=auth .*user='bob' service='sshd-faults' .*result=ok" "$TB/daemon.log")" -gt "$inflight_oks"
ua_wait_for 20 grep -q "pam_unix(sshd-faults:account): could not identify user (from getpwnam(bob))" "$TB/syslog"
ok $? "  ... where NSS no longer found him (pam_unix: could not identify user)"
expect_rc 0 "  ... and bob's sshd monitor lived to log the refusal (Failed keyboard-interactive/pam for bob)" \
	test "$(n_of 'Failed keyboard-interactive/pam for bob from' "$TB/sshd.log")" -gt "$fld"
expect_rc 0 "  ... sshd lives, and no sshd process died of a signal (no SIGBUS: $(crashes) crash lines)" \
	sh -c "kill -0 $SSHD_PID && [ $(crashes) -eq 0 ]"
expect_rc 0 "  ... ops still signs in" \
	sshlogin --user ops --password "$PW_OPS" --command 'id -un'

# A restart rewrites the file too.
ua_stop_daemon
ua_start_daemon
ok $? "the daemon restarts (its start publishes the cache)"
expect_rc 0 "  ... and bob signs in through sshd again, with his uid" \
	sshlogin --user bob --password "$PW_BOB" --command 'id'
grep_last "  ... (id: uid $BOB_UID)" "^uid=$BOB_UID\(bob\) "
expect_rc 0 "sshd was never killed by a signal in any of it" \
	sh -c "kill -0 $SSHD_PID && [ $(crashes) -eq 0 ]"

if grep -qF -e "$PW_BOB" -e "$PW_OPS" "$TB/daemon.log" "$TB/syslog" "$TB/sshd.log"; then
	ok 1 "no password in any log"
else ok 0 "no password in any log"; fi
ua_finish
