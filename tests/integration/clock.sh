#!/bin/sh
# SPDX-License-Identifier: MIT
# The wall clock jumps under a running daemon (SECURITY.md 6b, "wall clock
# jumps +-1 h"): libfaketime moves the daemon's CLOCK_REALTIME through a
# file it re-reads on every call, while CLOCK_MONOTONIC stays real, as
# when an admin or a broken NTP steps the clock.  Checked: the jump is
# logged; a code whose wall-clock life a forward jump ended is refused; a
# code issued before a backward jump still works, and the resend cooldown
# does not hold back the next one for the jump's length; a throttle wait is not
# stretched by a backward jump (seconds, not the 15-minute cap); a code
# mail waiting for its retry when the clock steps back is sent as soon as
# the relay is back (retries keep to the monotonic clock).  That a code
# expired by its monotonic age stays expired after the wall clock goes
# back is otp_clock_passed's rule, tested with injected clocks in
# tests/unit/test_otp.c (here it would need a real wait of the code's life).
# Own mount and network namespaces; prints TAP; needs root.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
$PY -c 'import aiosmtpd' 2>/dev/null || skip_all "needs python3-aiosmtpd for $PY"
ua_need_tools ip mkfifo
FT_LIB=""
for f in /usr/lib/*/faketime/libfaketimeMT.so.1 /usr/lib/faketime/libfaketimeMT.so.1; do
	[ -f "$f" ] && FT_LIB=$f && break
done
[ -n "$FT_LIB" ] || skip_all "needs libfaketime (Debian package faketime; tests/tools/install-deps.sh installs it)"
ua_enter_netns "$@"
# libfaketime keeps shared-memory segments in /dev/shm (faketime_shm_*,
# sem.faketime_sem_*) and leaves them when its process is killed: a
# /dev/shm of this namespace's own keeps them off the host's.
mount -t tmpfs -o mode=1777,size=16m tmpfs /dev/shm
ok $? "a /dev/shm of this mount namespace's own (libfaketime's segments stay off the host's)"
ua_scratch
ua_nss_setup

PORT=2525
MAILDIR=$TB/mail
SOCK=$TB/run/public.sock
MOD=$(ua_reachable "$top_builddir/pam_userauth/.libs/pam_userauth.so")
PAMCONV=$(ua_reachable "$top_builddir/tests/tools/pamconv")
conv() { "$PAMCONV" -C "$TB/pam" "$@"; }
PW_PIA='Pi-canary-clock-5e17'

start_sink() {
	$PY "$top_srcdir/tests/tools/smtpsink.py" --port $PORT \
		--maildir "$MAILDIR" >>"$TB/sink.out" 2>&1 6>&- 7>&- 8>&- 9>&- &
	SINK_PID=$!
	UA_PIDS="$UA_PIDS $SINK_PID"
	ua_wait_for 100 sh -c "grep -c '^listening $PORT' '$TB/sink.out' | grep -qx $1"
}
stop_sink() {
	kill "$SINK_PID" 2>/dev/null
	wait "$SINK_PID" 2>/dev/null
}
# code RCPT: the 8-digit code in the body of the next unread mail to RCPT,
# marked read.
code() {
	ua_wait_for 150 sh -c "grep -lis '^X-RcptTo: $1' '$MAILDIR'/new/* >/dev/null"
	f=$(grep -lis "^X-RcptTo: $1" "$MAILDIR"/new/* | head -1)
	[ -n "$f" ] || return 1
	# the body's (a Message-ID may hold an 8-digit run too)
	sed '1,/^\r\{0,1\}$/d' "$f" | grep -oE '(^|[^0-9])[0-9]{8}([^0-9]|$)' |
		grep -oE '[0-9]{8}' | head -1
	mv "$f" "$MAILDIR/cur/"
}
# bg NAME PAMCONV-ARGS...: a login answered later through fd 9.
bg() {
	n=$1
	shift
	rm -f "$TB/fifo"
	mkfifo "$TB/fifo"
	conv -f "$TB/fifo" "$@" >"$TB/tx.$n" 2>&1 6>&- 7>&- 8>&- 9>&- &
	BG=$!
	exec 9>"$TB/fifo"
}
answer() { (printf '%s\n' "$1" >&9) 2>/dev/null; }
done_bg() {
	exec 9>&-
	wait "$BG"
}
# wall OFFSET: the daemon's wall clock from now on (libfaketime: "+0",
# "+1h", "-1h" ... from the real time).
wall() { echo "$1" >"$TB/faketime"; }
log_mark() { LOG_MARK=$(wc -l <"$TB/daemon.log"); }
logged_since() { tail -n +$((LOG_MARK + 1)) "$TB/daemon.log" | grep -q -- "$1"; }

ua_write_conf <<EOF
[mail]
smtp_url = smtp://127.0.0.1:$PORT
retry_max_interval = 1
[defaults]
shell = /bin/sh
mail_from = signin@example.com
[pool codes]
uid_min = 450000
uid_max = 450999
gid_min = 350000
gid_max = 350999
first_factors = email_otp
otp_lifetime = 120
[pool pw]
uid_min = 460000
uid_max = 460999
gid_min = 360000
gid_max = 360999
first_factors = password
throttle_pair_after = 2
EOF
mkdir -p "$TB/pam" "$MAILDIR/new" "$MAILDIR/cur" "$MAILDIR/tmp"
for p in codes pw; do
	printf 'auth required %s pool=%s socket=%s\naccount required %s pool=%s socket=%s\n' \
		"$MOD" "$p" "$SOCK" "$MOD" "$p" "$SOCK" >"$TB/pam/ua-$p"
done
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$TB/pam/other"
chmod 0644 "$TB/pam/"*

start_sink 1
ok $? "SMTP sink listens"
wall "+0"
chmod 0644 "$TB/faketime"
# (a sanitizer build: its runtime is not first in the library list then)
UA_DAEMON_WRAP="env LD_PRELOAD=$FT_LIB FAKETIME_TIMESTAMP_FILE=$TB/faketime
	FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
ua_start_daemon
r=$?
UA_DAEMON_WRAP=
ok $r "the daemon starts with its wall clock under libfaketime (monotonic real)"
uactl user add codes cora --email cora@example.com >/dev/null &&
	uactl user add codes cleo --email cleo@example.com >/dev/null &&
	uactl user add codes cara --email cara@example.com >/dev/null &&
	uactl user add pw pia --email pia@example.com >/dev/null &&
	printf '%s\n' "$PW_PIA" | uactl passwd pia --stdin >/dev/null
ok $? "users cora, cleo, cara (emailed codes) and pia (password)"

# --- a forward jump ends a code's wall-clock life -------------------------------
bg fwd ua-codes cora
c=$(code cora@example.com)
ok $? "cora is mailed a code"
log_mark
wall "+1h"
ua_wait_for 100 logged_since 'the wall clock moved by +3600 s'
ok $? "the wall clock jumps 1 h ahead: the daemon logs it"
answer "$c"
done_bg
expect_rc 0 "  ... and cora's right code, whose life (120 s) ended on the wall clock, is refused" \
	sh -c "tail -1 '$TB/tx.fwd' | grep -qv '^authenticate: 0 '"
expect_rc 0 "  ... audited as a failed code" \
	sh -c "tail -n +$((LOG_MARK + 1)) '$TB/daemon.log' | grep -q \"user='cora' .*challenge=EMAIL_OTP result=fail\""

# --- a backward jump cuts no code short ---------------------------------------
log_mark
wall "+0"
ua_wait_for 100 logged_since 'the wall clock moved by -3600 s'
ok $? "the wall clock steps back 1 h: the daemon logs it"
bg back ua-codes cleo
c=$(code cleo@example.com)
log_mark
wall "-1h"
ua_wait_for 100 logged_since 'the wall clock moved by -3600 s'
answer "$c"
done_bg
ok $? "a code issued just before the clock stepped back another hour still signs cleo in"
bg again ua-codes cleo
c=$(code cleo@example.com)
ok $? "  ... and she is mailed a new code at once (the resend cooldown ignores the code the clock left an hour ahead)"
answer "$c"
done_bg
ok $? "  ... which signs her in"

# --- a backward jump does not stretch a throttle wait --------------------------
i=1
while [ $i -le 3 ]; do
	login "pw$i" -r 198.51.100.20 ua-pw pia "wrong-$i"
	i=$((i + 1))
done
login pw-right -r 198.51.100.20 ua-pw pia "$PW_PIA"
expect_rc 0 "after 3 wrong passwords from one host, pia's right one from it waits (throttled)" \
	grep -q "user='pia' .*rhost='198.51.100.20' .*result=fail reason=throttled" "$TB/daemon.log"
wall "-2h"
t0=$(date +%s)
right_gets_in() {
	conv -r 198.51.100.20 ua-pw pia "$PW_PIA" >"$TB/tx.pw-late" 2>&1 &&
		grep -q '^authenticate: 0 ' "$TB/tx.pw-late"
}
ua_wait_for 100 right_gets_in
ok $? "the clock steps back an hour: pia's right password gets in after seconds ($(($(date +%s) - t0)) s), not the 15-minute cap"

# --- a mail waiting for its retry when the clock steps back ----------------------
stop_sink
log_mark
bg retry ua-codes cara
ua_wait_for 100 logged_since "event=mail .*result=retry"
ok $? "the relay is down: cara's code mail waits for a retry"
log_mark
wall "-3h"
ua_wait_for 100 logged_since 'the wall clock moved by -3600 s'
ok $? "  ... the clock steps back another hour meanwhile"
start_sink 2
c=$(code cara@example.com)
ok $? "  ... the relay is back: the mail is sent at its next retry (the monotonic clock), not an hour later"
answer "$c"
done_bg
ok $? "  ... and its code signs cara in"
expect_rc 0 "the daemon is still serving" uactl status
ua_finish
