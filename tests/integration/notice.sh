#!/bin/sh
# SPDX-License-Identifier: MIT
# login_notice_days: a sign-in from a network (a /24, a /64, a host name,
# the machine itself) the user has not used within that many days mails
# them a notice through the queue; the first sign-in of all, and further
# ones from a known network, do not.  A pool with it and no mail_from is
# refused.  Own mount and network namespaces; prints TAP; needs root.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
$PY -c 'import aiosmtpd' 2>/dev/null || skip_all "needs python3-aiosmtpd for $PY"
ua_need_tools ip sqlite3
ua_enter_netns "$@"
ua_scratch
ua_nss_setup

PORT=2525
SOCK=$TB/run/public.sock
MOD=$(ua_reachable "$top_builddir/pam_userauth/.libs/pam_userauth.so")
PAMCONV=$(ua_reachable "$top_builddir/tests/tools/pamconv")
conv() { "$PAMCONV" -C "$TB/pam" "$@"; }
PW='Notice-canary-pw-3b7'

printf '[pool p]\nlogin_notice_days = 30\n' >"$TB/bad.conf"
expect_rc 78 "login_notice_days without mail_from is refused" \
	"$top_builddir/userauthd" -t -c "$TB/bad.conf"
grep_last "  ... saying why" "login_notice_days mails notices but the pool has no mail_from"

ua_write_conf <<EOF2
[mail]
smtp_url = smtp://127.0.0.1:$PORT
retry_max_interval = 1
[defaults]
shell = /bin/sh
[pool customer]
uid_min = 200000
uid_max = 200009
gid_min = 300000
gid_max = 300009
first_factors = password
mail_from = signin@example.com
login_notice_days = 30
EOF2
$PY "$top_srcdir/tests/tools/smtpsink.py" --port $PORT --maildir "$TB/mail" \
	>"$TB/sink.out" 2>&1 &
UA_PIDS="$UA_PIDS $!"
ua_wait_for 100 grep -q '^listening' "$TB/sink.out"
ok $? "SMTP sink listens"
ua_start_daemon
ok $? "the daemon starts with login_notice_days = 30"
expect_rc 0 "a user with a password" sh -c "
	'$top_builddir/userauthctl' -s '$TB/run/admin.sock' user add customer nia --email nia@example.com &&
	printf '%s\n' '$PW' | '$top_builddir/userauthctl' -s '$TB/run/admin.sock' passwd nia --stdin"
mkdir -p "$TB/pam"
{
	echo "auth required $MOD pool=customer socket=$SOCK"
	echo "account required $MOD pool=customer socket=$SOCK"
} >"$TB/pam/svc"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$TB/pam/other"
chmod 0644 "$TB/pam/"*

# Notices queued for nia (she gets no other mail: a password pool).  The
# row is written before the login's answer, so no wait is needed.
notices() { sqlite3 "$TB/state/userauth.db" "SELECT count(*) FROM mail_queue WHERE recipient = 'nia@example.com'"; }
sign_in() { login "$1" -r "$2" svc nia "$PW"; }

sign_in first 192.0.2.10
ok $? "nia's first sign-in (from 192.0.2.10)"
sign_in same-net 192.0.2.99
ok $? "  ... then from 192.0.2.99, the same /24"
expect_rc 0 "  ... neither mailed a notice (the first of all is no news)" test "$(notices)" -eq 0
sign_in new-net 198.51.100.7
ok $? "a sign-in from 198.51.100.7, a network she has not used"
ua_wait_for 100 sh -c "[ \$(grep -lis '^Subject: New sign-in' '$TB/mail'/new/* 2>/dev/null | wc -l) -eq 1 ]"
ok $? "  ... mails her one notice"
f=$(grep -lis '^Subject: New sign-in to your account' "$TB/mail"/new/* | head -1)
expect_rc 0 "  ... to her address, naming the source, the service and the pool" \
	sh -c "grep -qi '^X-RcptTo: nia@example.com' '$f' && grep -q 'from:    198.51.100.7' '$f' &&
		grep -q 'service: svc' '$f' && grep -q 'Your customer account on ' '$f'"
expect_rc 0 "  ... and holds no password or code" sh -c "! grep -q '$PW' '$f'"
expect_rc 0 "  ... audited event=notice result=queued" \
	grep -q "event=notice .*result=queued reason=new_source" "$TB/daemon.log"
sign_in again 198.51.100.200
expect_rc 0 "the same /24 again: no second notice" test "$(notices)" -eq 1
sign_in v6a 2001:db8:1:2::5
ua_wait_for 100 sh -c "[ \$(grep -lis '^Subject: New sign-in' '$TB/mail'/new/* | wc -l) -eq 2 ]"
ok $? "IPv6 2001:db8:1:2::5: a new /64, a notice"
sign_in v6b 2001:db8:1:2::99
expect_rc 0 "  ... 2001:db8:1:2::99, the same /64: none" test "$(notices)" -eq 2
login local svc nia "$PW"
ua_wait_for 100 sh -c "[ \$(grep -lis '^Subject: New sign-in' '$TB/mail'/new/* | wc -l) -eq 3 ]"
ok $? "a sign-in with no remote host (this machine): a source of its own, a notice"
login wrong -r 203.0.113.5 svc nia "wrong-$PW"
expect_rc 0 "a failed sign-in from a new network mails nothing" test "$(notices)" -eq 3
expect_rc 0 "the sources are kept by network" sh -c "
	[ \"\$(sqlite3 '$TB/state/userauth.db' 'SELECT group_concat(net, \" \") FROM (SELECT net FROM login_sources ORDER BY net)')\" = \
	'192.0.2.0/24 198.51.100.0/24 2001:db8:1:2::/64 local' ]"
if grep -q "$PW" "$TB/daemon.log"; then ok 1 "the password is in no log"; else
	ok 0 "the password is in no log"; fi
ua_finish
