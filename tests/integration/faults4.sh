#!/bin/sh
# SPDX-License-Identifier: MIT
# More rows of the reliability matrix (SECURITY.md 6b): the database
# locked by another process while the mailer records a code's mail,
# timed against the mailer's own busy timeout (5 s), the mail kept and
# sent once the lock goes; idle connections on the public socket closed
# at the daemon's idle limit (10 s), with and without a PING first.  A
# relay that takes 2 s over each end of DATA (tests/tools/smtpsink.py),
# so that the lock comes while a mail is in flight.  Own mount and
# network namespaces; prints TAP; needs root.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
if [ -z "${UA_IN_NS:-}" ]; then
	$PY -c 'import aiosmtpd' 2>/dev/null ||
		skip_all "needs python3-aiosmtpd for $PY"
fi
ua_need_tools sqlite3 ip mkfifo
ua_enter_netns "$@"
ua_scratch
ua_nss_setup

PORT=2525
MAILDIR=$TB/mail
SOCK=$TB/run/public.sock
MOD=$(ua_reachable "$top_builddir/pam_userauth/.libs/pam_userauth.so")
PAMCONV=$(ua_reachable "$top_builddir/tests/tools/pamconv")
conv() { "$PAMCONV" -C "$TB/pam" "$@"; }
POKE="$PY $top_srcdir/tests/tools/sockpoke.py"
DB=$TB/state/userauth.db
q() { sqlite3 "$DB" "$1"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
DELAY=2

ua_write_conf <<EOF
[mail]
smtp_url = smtp://127.0.0.1:$PORT
retry_max_interval = 1
[defaults]
shell = /bin/sh
mail_from = signin@example.com
otp_resend_cooldown = 0
[pool customer]
uid_min = 200000
uid_max = 200999
gid_min = 300000
gid_max = 300099
first_factors = email_otp
EOF
mkdir -p "$TB/pam"
echo "auth required $MOD pool=customer socket=$SOCK timeout=3" >"$TB/pam/ua"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$TB/pam/other"
chmod 0644 "$TB/pam/"*

$PY "$top_srcdir/tests/tools/smtpsink.py" --port $PORT --maildir "$MAILDIR" \
	--delay $DELAY --log "$TB/sink.log" --stamp "$TB/stamps" \
	>"$TB/sink.out" 2>&1 &
UA_PIDS="$UA_PIDS $!"
ua_wait_for 100 grep -q "^listening $PORT" "$TB/sink.out"
ok $? "the SMTP sink listens, taking $DELAY s over each end of DATA"
ua_start_daemon
ok $? "the daemon starts"
expect_rc 0 "cora, a pool user who signs in by mailed code" \
	uactl user add customer cora --email cora@example.com

# The sink's Maildir: "codes RCPT" prints the 8-digit code of each
# message to RCPT, one a line, oldest first; "ids RCPT" their Message-IDs.
cat >"$TB/mail.py" <<'EOF'
import mailbox, re, sys
cmd, md, rcpt = sys.argv[1:4]
ms = sorted((m for m in mailbox.Maildir(md, create=True)
             if (m.get("To") or "").strip().lower() == rcpt),
            key=lambda m: m.get_date())
for m in ms:
    if cmd == "ids":
        print(m.get("Message-ID"))
    else:
        print(re.findall(r"(?<![0-9])[0-9]{8}(?![0-9])",
                         m.get_payload(decode=True).decode())[0])
EOF
mails() { $PY "$TB/mail.py" "$1" "$MAILDIR" cora@example.com; }

# bg_login NAME PAMCONV-ARGS...: a login in the background taking its
# answers from a FIFO written through fd 9; its pid in BG_PID.
bg_login() {
	n=$1
	shift
	rm -f "$TB/fifo.$n"
	mkfifo "$TB/fifo.$n"
	"$PAMCONV" -C "$TB/pam" -f "$TB/fifo.$n" "$@" >"$TB/tx.$n" 2>&1 9>&- &
	BG_PID=$!
	exec 9>"$TB/fifo.$n"
}
answer() { (printf '%s\n' "$1" >&9) 2>/dev/null; }
finish() {
	exec 9>&-
	wait "$1"
}

# --- the database locked while the mailer records a mail -----------------------
# The relay has the message and holds its reply for 2 s; meanwhile
# another process takes the database EXCLUSIVE.  The mailer's write of
# the outcome waits its busy timeout (5 s), fails and is logged; the row
# stays queued, and once the lock is gone it is recorded sent, not sent
# again (the mailer kept what it knew), and logged sent once.
bg_login lock ua cora
pid=$BG_PID
ua_wait_for 100 grep -q '^busy 1$' "$TB/sink.log"
ok $? "a code is mailed to cora: the relay has the message, its reply held for $DELAY s"
rm -f "$TB/lockfifo"
mkfifo "$TB/lockfifo"
( { echo '.timeout 3000'; echo 'BEGIN EXCLUSIVE;'; echo "SELECT 'locked';"
	cat "$TB/lockfifo"; echo 'COMMIT;'; } |
	sqlite3 -bail "$DB" >"$TB/lock.out" 2>&1 ) 8>&- &
LOCKER=$!
exec 8>"$TB/lockfifo"
ua_wait_for 50 grep -qx locked "$TB/lock.out"
ok $? "  ... another process takes the database EXCLUSIVE"
t_lock=$(now_ms)
id=$(q "SELECT id FROM mail_queue WHERE recipient = 'cora@example.com'")
ua_wait_for 250 grep -q "mailer: recording row $id: database is locked" "$TB/daemon.log"
r=$?
t_log=$(now_ms)
ok $r "  ... the mailer cannot record the attempt: logged ('recording row $id: database is locked')"
expect_rc 0 "  ... saying what the outcome was (sent)" \
	grep -q "mailer: recording row $id: database is locked (its outcome: sent)" "$TB/daemon.log"
t_data=$(($(sed -n 's/^cora@example.com \([0-9]*\) .*/\1/p' "$TB/stamps" | head -n 1) / 1000000))
t_reply=$((t_data + DELAY * 1000))
expect_rc 0 "  ... the lock came before the relay's reply ($((t_reply - t_lock)) ms before it)" \
	test "$t_lock" -lt "$t_reply"
expect_rc 0 "  ... after the mailer's busy timeout of 5 s, not at once, not much later ($((t_log - t_reply)) ms from the reply, wanted 4000-15000)" \
	test $((t_log - t_reply)) -ge 4000 -a $((t_log - t_reply)) -le 15000
expect_rc 0 "  ... the row stays queued: the mail is not lost ($(q "SELECT state FROM mail_queue WHERE id = $id"))" \
	test "$(q "SELECT state FROM mail_queue WHERE id = $id")" = queued
expect_rc 0 "  ... the daemon answers PING meanwhile" $POKE ping "$SOCK"
exec 8>&-
wait $LOCKER
t_free=$(now_ms)
ua_wait_for 150 sh -c "[ \"\$(sqlite3 '$DB' \"SELECT state FROM mail_queue WHERE id = $id\")\" = sent ]"
ok $? "the lock gone, the row is recorded sent ($(q "SELECT state, attempts FROM mail_queue WHERE id = $id"))"
expect_rc 0 "  ... with its one attempt ($(q "SELECT attempts FROM mail_queue WHERE id = $id"))" \
	test "$(q "SELECT attempts FROM mail_queue WHERE id = $id")" = 1
done_s=$(q "SELECT done FROM mail_queue WHERE id = $id")
expect_rc 0 "  ... recorded after the lock went (done at ${done_s:-?}, the lock went at $((t_free / 1000)))" \
	test "${done_s:-0}" -ge $((t_free / 1000))
sleep 2
expect_rc 0 "  ... and not sent again: the relay has one copy ($(mails ids | wc -l))" \
	test "$(mails ids | wc -l)" -eq 1
expect_rc 0 "  ... logged sent once ($(grep -c "event=mail id=$id .*result=sent" "$TB/daemon.log"))" \
	test "$(grep -c "event=mail id=$id .*result=sent" "$TB/daemon.log")" -eq 1
answer "$(mails codes | head -n 1)"
finish $pid
ok $? "  ... its code signs cora in"

# --- idle connections on the public socket ----------------------------------------
# A connection that sends nothing, and one that sends a PING and then
# nothing, are closed at SERVER_PUBLIC_IDLE_MS (10 s).
$POKE idle "$SOCK" >"$TB/idle.silent" 2>&1 &
a=$!
$POKE idle "$SOCK" ping >"$TB/idle.ping" 2>&1 &
b=$!
wait $a
wait $b
set -- $(cat "$TB/idle.silent")
expect_rc 0 "a connection that sends nothing is closed at the idle limit of 10 s (${1:-?} after ${2:-?} s, wanted 9-15)" \
	sh -c "[ '${1:-}' = closed ] && awk 'BEGIN { exit !(${2:-0} >= 9 && ${2:-0} <= 15) }'"
set -- $(cat "$TB/idle.ping")
expect_rc 0 "a connection that sends a PING, then nothing, likewise (${1:-?} ${2:-?} s after the reply, wanted 9-15)" \
	sh -c "[ '${1:-}' = closed ] && awk 'BEGIN { exit !(${2:-0} >= 9 && ${2:-0} <= 15) }'"
expect_rc 0 "  ... and the daemon lives" $POKE ping "$SOCK"
ua_finish
