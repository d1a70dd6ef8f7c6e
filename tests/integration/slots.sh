#!/bin/sh
# SPDX-License-Identifier: MIT
# Connection slots under logins nobody answers: a non-root uid holds at
# most 4 public connections, non-root peers together three quarters of
# max_clients, root's callers (sshd, su, sudo) always find a slot, and an
# unanswered login ends at login_lifetime.
# Needs root (namespaces, other uids); prints TAP.
. "$top_srcdir/tests/integration/lib.sh"
ua_need_namespace "$@"
ua_scratch
ua_nss_setup
ua_write_conf <<'CONF'
max_clients = 8
login_lifetime = 10
[defaults]
shell = /bin/sh
first_factors = password
[pool customer]
uid_min = 400000
uid_max = 400999
gid_min = 300000
gid_max = 300999
CONF
HOLD=$(ua_reachable "$top_srcdir/tests/tools/hold.py")
SOCK=$TB/run/public.sock
ua_start_daemon
ok $? "daemon starts (max_clients = 8)"

# hold UID N: N unanswered logins as UID, held 30 s; first line to $TB/h.UID
hold() {
	: >"$TB/h.$1"
	setpriv --reuid="$1" --regid="$1" --clear-groups \
		/usr/bin/python3 "$HOLD" "$SOCK" customer "u$1" "$2" 30 >>"$TB/h.$1" 2>&1 &
	UA_PIDS="$UA_PIDS $!"
	ua_wait_for 100 grep -q '^served=' "$TB/h.$1"
}
hold 60001 6
expect_rc 0 "one non-root uid is served 4 connections of 6 ($(head -1 "$TB/h.60001"))" \
	grep -qx 'served=4 refused=2' "$TB/h.60001"
hold 60002 6
expect_rc 0 "a second uid gets 2: non-root peers stop at 6 of 8 ($(head -1 "$TB/h.60002"))" \
	grep -qx 'served=2 refused=4' "$TB/h.60002"
hold 60003 1
expect_rc 0 "  ... and a third gets none ($(head -1 "$TB/h.60003"))" \
	grep -qx 'served=0 refused=1' "$TB/h.60003"
hold 0 2
expect_rc 0 "root still gets the 2 slots kept for it ($(head -1 "$TB/h.0"))" \
	grep -qx 'served=2 refused=0' "$TB/h.0"
expect_rc 0 "the daemon answers on its admin socket meanwhile" uactl pool list
# Nobody answers these logins: login_lifetime (10 s here) ends them.
ua_wait_for 200 grep -q '^closed_by_daemon=' "$TB/h.0"
expect_rc 0 "unanswered logins are closed at login_lifetime ($(tail -1 "$TB/h.0"))" \
	grep -Eqx 'closed_by_daemon=2 after=1[01]' "$TB/h.0"
ua_finish
