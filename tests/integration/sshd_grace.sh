#!/bin/sh
# SPDX-License-Identifier: MIT
# sshd kills the PAM child mid-prompt (SECURITY.md 6b, "LoginGraceTime"):
# a client opens a keyboard-interactive login and never answers the
# Password: prompt; sshd (LoginGraceTime 3) kills the login's process.
# The daemon frees that login's connection (its fds back where they were),
# audits it as abandoned, counts no failure for it (no answer was given:
# counting one would let anyone who can connect lock an account out), and
# the user then logs in.  Own mount and network namespaces; prints TAP;
# needs root.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
ua_need_sshd
ua_enter_netns "$@"
ua_scratch
ua_nss_setup

SSH_PORT=2224
SERVICE=sshd-userauth
MOD=$top_builddir/pam_userauth/.libs/pam_userauth.so
PW='Grace-ssh-canary-7c21'

ua_write_conf <<EOF2
[defaults]
shell = /bin/sh
[pool ops]
uid_min = 230000
uid_max = 230099
gid_min = 330000
gid_max = 330099
home = $TB/home/%u
first_factors = password
EOF2
ua_start_daemon
ok $? "userauthd starts"
uactl user add ops gus --email gus@example.com >/dev/null &&
	printf '%s\n' "$PW" | uactl passwd gus --stdin >/dev/null &&
	mkdir -p "$TB/home/gus" && chown gus:gus "$TB/home/gus"
ok $? "a user with a password"
UA_SSHD_GRACE=3
ua_sshd_start "$SERVICE" "$SSH_PORT" <<EOF2
auth     required $MOD pool=ops socket=$TB/run/public.sock
account  required $MOD pool=ops socket=$TB/run/public.sock
session  required $MOD pool=ops socket=$TB/run/public.sock
EOF2
ok $? "sshd listens with LoginGraceTime 3"

fds() { ls "/proc/$UA_DAEMON_PID/fd" | wc -l; }
base=$(fds)
# A client that asks for keyboard-interactive and never answers.
$PY - "$SSH_PORT" >"$TB/stall.out" 2>&1 <<'EOF2' &
import socket, sys, time
import paramiko
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t = paramiko.Transport(s)
t.start_client(timeout=10)
def handler(title, instructions, prompts):
    print("prompted", [p for p, _ in prompts], flush=True)
    time.sleep(30)
    return []
try:
    t.auth_interactive("gus", handler)
except Exception as e:
    print("ended", type(e).__name__, flush=True)
EOF2
STALL=$!
UA_PIDS="$UA_PIDS $STALL"
ua_wait_for 100 grep -q "^prompted" "$TB/stall.out"
ok $? "a client is shown the Password: prompt and does not answer ($(cat "$TB/stall.out"))"
t0=$(date +%s)
during=$(fds)
expect_rc 0 "  ... the daemon holds that login's connection ($base fds, now $during)" \
	test "$during" -gt "$base"
ua_wait_for 150 grep -q "user='gus' .*result=abandoned reason=client_gone" "$TB/daemon.log"
ok $? "  ... sshd ends it at LoginGraceTime: the daemon audits the login as abandoned"
t1=$(date +%s)
expect_rc 0 "  ... after the grace time, not before ($((t1 - t0)) s of 3)" \
	test $((t1 - t0)) -ge 2 -a $((t1 - t0)) -le 10
ua_wait_for 50 sh -c "[ \$(ls /proc/$UA_DAEMON_PID/fd | wc -l) -le $base ]"
ok $? "  ... and frees the connection (fds back to $base: $(fds))"
fails=$(uactl --json throttle list ops | $PY -c 'import json,sys; print(sum(b["failures"] for b in json.load(sys.stdin)))')
expect_rc 0 "  ... counting no failure for it (no answer was given: $fails)" test "$fails" -eq 0
kill "$STALL" 2>/dev/null
expect_rc 0 "gus then logs in" \
	$PY "$top_srcdir/tests/tools/sshlogin.py" --port "$SSH_PORT" --user gus \
	--password "$PW" --command id
grep_last "  ... as himself" '^uid=230000\(gus\)'
ua_finish
