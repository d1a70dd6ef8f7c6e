#!/bin/sh
# SPDX-License-Identifier: MIT
# I/O errors under a running daemon (SECURITY.md 6b, "I/O errors"): libfiu's
# POSIX preload (fiu-run -x) fails a share of the daemon's reads, writes,
# syncs and opens, switched on and off at run time with fiu-ctrl.  While it
# does: a wrong password never signs in (fail closed), a right one signs in
# or fails cleanly, an admin write either happens whole or reports an
# error, and the daemon keeps serving or exits with a logged error (never a
# signal).  Afterwards: PRAGMA integrity_check ok, every user an admin
# write reported as added is there, and none it reported as not added (an
# error at COMMIT, or no reply, says the outcome is unknown: those may be).  Own mount and network
# namespaces; prints TAP; needs root.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
ua_need_tools sqlite3 ip fiu-run fiu-ctrl mkfifo
# libfiu's POSIX preload wraps malloc too, which a sanitizer runtime owns:
# the daemon of such a build dies at its first allocation under it.
if ldd "$top_builddir/userauthd" 2>/dev/null | grep -q 'libasan'; then
	skip_all "a sanitizer build: libfiu's preload and the sanitizer runtime both wrap malloc (the plain build runs this)"
fi
ua_enter_netns "$@"
ua_scratch
ua_nss_setup

SOCK=$TB/run/public.sock
DB=$TB/state/userauth.db
MOD=$(ua_reachable "$top_builddir/pam_userauth/.libs/pam_userauth.so")
PAMCONV=$(ua_reachable "$top_builddir/tests/tools/pamconv")
conv() { "$PAMCONV" -C "$TB/pam" "$@"; }
PW='Iofault-canary-pw-2c9d'
ROUNDS=${UA_IOFAULT_ROUNDS:-30}

ua_write_conf <<EOF
[defaults]
shell = /bin/sh
throttle_pair_after = 100
throttle_account_after = 1000
throttle_host_after = 100000
[pool customer]
uid_min = 200000
uid_max = 200999
gid_min = 300000
gid_max = 300999
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
ok $? "the daemon starts"
uactl user add customer ida --email ida@example.com >/dev/null &&
	printf '%s\n' "$PW" | uactl passwd ida --stdin >/dev/null
ok $? "a pool user with a password"
ua_stop_daemon

# The daemon under libfiu's preload, no failure enabled yet; its control
# FIFOs in $TB (sh and fiu-run exec the daemon: the pid is the daemon's).
# The FIFOs are made beforehand, the daemon user's: libfiu's control
# thread, blocked opening one, loses it at the daemon's privilege drop
# otherwise (glibc's setxid signal restarts the open as the new user, and
# libfiu's own FIFOs are root's, 0600: EACCES).
served=$(grep -c ' serving [0-9]* pool' "$TB/daemon.log")
sh -c 'mkfifo -m 0600 "$0-$$.in" "$0-$$.out" && chown userauth "$0-$$.in" "$0-$$.out" &&
	exec fiu-run -x -f "$0" "$@"' "$TB/fiu" "$top_builddir/userauthd" -f -d \
	-c "$TB/etc/userauth.conf" >>"$TB/daemon.log" 2>&1 &
UA_DAEMON_PID=$!
UA_PIDS="$UA_PIDS $UA_DAEMON_PID"
ua_wait_for 100 sh -c "[ \$(grep -c ' serving [0-9]* pool' '$TB/daemon.log') -gt $served ]"
ok $? "the daemon starts under fiu-run -x"
login before ua ida "$PW"
ok $? "  ... ida signs in while no failure is enabled"
# fiu COMMAND: to the daemon's libfiu (fiu-ctrl says what fails on stderr
# and exits 0 all the same).
fiu() {
	fiu_out=$(timeout 10 fiu-ctrl -c "$1" -f "$TB/fiu" "$UA_DAEMON_PID" 2>&1) &&
		[ -z "$fiu_out" ]
}
POINTS="posix/io/rw/* posix/io/sync/* posix/io/oc/open"
on=0
for p in $POINTS; do
	fiu "enable_random name=$p,probability=0.05" && on=$((on + 1))
done
expect_rc 0 "failures enabled: 5 % of reads, writes, syncs and opens" test "$on" -eq 3

wrong_in=0 right_in=0 right_out=0 added_ok="" added_err=0 unknown=""
i=1
while [ $i -le "$ROUNDS" ]; do
	kill -0 "$UA_DAEMON_PID" 2>/dev/null || break
	conv -r "192.0.2.$i" ua ida "wrong-$i" >"$TB/tx.w$i" 2>&1
	grep -q '^authenticate: 0 ' "$TB/tx.w$i" && wrong_in=$((wrong_in + 1))
	conv -r "198.51.100.$i" ua ida "$PW" >"$TB/tx.r$i" 2>&1
	if grep -q '^authenticate: 0 ' "$TB/tx.r$i"; then
		right_in=$((right_in + 1))
	else
		right_out=$((right_out + 1))
	fi
	uactl user add customer "u$i" --email "u$i@example.com" >"$TB/add.$i" 2>&1
	case $? in
	0 | 5) added_ok="$added_ok u$i" ;;	# done (5: NSS cache lags)
	*)
		added_err=$((added_err + 1))
		# no reply, or an error at COMMIT: the outcome is not known
		if grep -Eq 'no reply|whether the change was saved is unknown' "$TB/add.$i"; then
			unknown="$unknown u$i"
		fi ;;
	esac
	i=$((i + 1))
done
echo "# under faults: right passwords in $right_in, out $right_out; admin adds ok$(echo "$added_ok" | wc -w | sed 's/^/ /'), failed $added_err"
expect_rc 0 "under I/O errors no wrong password signs in ($wrong_in of $((i - 1)))" test "$wrong_in" -eq 0
expect_rc 0 "  ... the failures were real: some request failed ($right_out logins, $added_err admin writes)" \
	test $((right_out + added_err)) -gt 0
alive=1
kill -0 "$UA_DAEMON_PID" 2>/dev/null || alive=0
if [ $alive -eq 1 ]; then
	for p in $POINTS; do fiu "disable name=$p"; done
	ok 0 "the daemon kept serving through them"
	login after ua ida "$PW"
	ok $? "  ... failures off: ida signs in"
	ua_stop_daemon
else
	wait "$UA_DAEMON_PID"
	st=$?
	expect_rc 0 "the daemon exited, cleanly (status $st, not a signal) and said why" \
		sh -c "[ $st -lt 128 ] && tail -5 '$TB/daemon.log' | grep -Eq 'error|fatal|cannot|failed'"
	ok 0 "  ... (it did not keep serving)"
fi
expect_rc 0 "the database is intact (PRAGMA integrity_check)" \
	sh -c "[ \"\$(sqlite3 '$DB' 'PRAGMA integrity_check;')\" = ok ]"
ua_start_daemon
ok $? "the daemon starts again, without the preload"
missing=""
for u in $added_ok; do
	uactl user show "$u" >/dev/null 2>&1 || missing="$missing $u"
done
expect_rc 0 "every user an admin write reported added is there (${missing:-none missing})" test -z "$missing"
extra=""
for u in $(sqlite3 "$DB" "SELECT login FROM users WHERE login GLOB 'u[0-9]*'"); do
	case " $added_ok $unknown " in
	*" $u "*) ;;
	*) extra="$extra $u" ;;
	esac
done
expect_rc 0 "  ... and none that was reported as not added (${extra:-none}; outcome told as unknown:${unknown:- none})" \
	test -z "$extra"
login last ua ida "$PW"
ok $? "ida signs in"
if grep -q "$PW" "$TB/daemon.log"; then ok 1 "the password is in no log"; else
	ok 0 "the password is in no log"; fi
ua_finish
