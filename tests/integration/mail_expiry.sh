#!/bin/sh
# SPDX-License-Identifier: MIT
# Mail faults at the edge of a code's life, and the whole-attempt cap, end
# to end: a real userauthd, the aiosmtpd sink (tests/tools/smtpsink.py),
# rows made by the shipped composer put straight into mail_queue (as in
# mail.sh, whose helpers these are).  A 5xx is logged (not the code); a 4xx
# that lasts, a relay that drops every connection after the final "."
# (RFC 1047) and a relay that is down all outlast the code: each row is
# retried while valid, then marked expired, logged, never sent later.  A
# reply trickled line by line is cut at the per-reply timeout (10 s); a
# relay whose every reply is late but in time, at the cap on one whole
# attempt (UA_MAIL_ATTEMPT_TIMEOUT, 30 s).  A row's sending life ends
# UA_MAIL_EXPIRY_MARGIN (10 s) before its code's: rows valid 13-14 s have
# 3-4 s, so each expiry case takes seconds (the timeouts take theirs).
# Own mount and network namespaces; TAP; root.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
if [ -z "${UA_IN_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || skip_all "needs root for namespaces"
	getent passwd userauth >/dev/null ||
		skip_all "needs the userauth system user (tests/tools/install-deps.sh)"
	$PY -c 'import aiosmtpd' 2>/dev/null ||
		skip_all "needs python3-aiosmtpd for $PY"
	for t in sqlite3 setpriv ip; do
		command -v $t >/dev/null || skip_all "needs $t"
	done
	UA_IN_NS=1 exec unshare -m -n --propagation private /bin/sh "$0" "$@" ||
		skip_all "unshare -m -n failed"
fi
ip link set lo up || skip_all "cannot bring up lo in the new namespace"
ua_scratch
ua_nss_setup

DB=$TB/state/userauth.db
COMPOSE=$top_builddir/tests/tools/mailcompose
P1=2525
FROM=userauth@example.com
SINK_PID=
MARGIN=$(sed -n 's/^#define UA_MAIL_EXPIRY_MARGIN \([0-9]*\).*/\1/p' \
	"$top_srcdir/common/server/defaults.h")
CAP=$(sed -n 's/^#define UA_MAIL_ATTEMPT_TIMEOUT \([0-9]*\).*/\1/p' \
	"$top_srcdir/common/server/defaults.h")
REPLY=$(sed -n 's/^#define UA_MAIL_RESPONSE_TIMEOUT \([0-9]*\).*/\1/p' \
	"$top_srcdir/common/server/defaults.h")

dbq() {
	setpriv --reuid=userauth --regid=userauth --clear-groups \
		sqlite3 -cmd '.timeout 5000' "$DB" "$1"
}
col() { dbq "SELECT $2 FROM mail_queue WHERE id = $1"; }
state_is() { [ "$(col "$1" state)" = "$2" ]; }

# queue TO CODE VALID_SECONDS: compose, insert, print the row id.
nmsg=0
queue() {
	nmsg=$((nmsg + 1))
	f=$TB/msg.$nmsg
	"$COMPOSE" customer "$FROM" "$@" >"$f" || return 1
	chmod 0644 "$f"
	mid=$(sed -n 's/^Message-ID: \(<[0-9a-f]*@[a-z.]*>\)\r$/\1/p' "$f")
	now=$(date +%s)
	dbq "INSERT INTO mail_queue (pool, recipient, message_id, body, state,
		next_attempt, created, expires) VALUES ('customer', '$1', '$mid',
		CAST(readfile('$f') AS TEXT), 'queued', $now * 1000, $now,
		$now + $3); SELECT last_insert_rowid();"
}
flush() { uactl mailq flush >/dev/null; }
copies() { cat "$TB"/mail-*/new/* 2>/dev/null | grep -c -- "$1"; }
delivered() { [ "$(copies "$1")" -ge 1 ]; }
logged() { grep -Eq -- "$1" "$TB/daemon.log"; }
sink_count() { grep -Ec -- "$2" "$TB/sink-$1.log" 2>/dev/null; }

start_sink() {
	name=$1
	port=$2
	shift 2
	# emptied here, not by the child's redirection: a name used again
	# would show the last sink's "listening" until the child ran
	: >"$TB/sink-$name.out"
	$PY "$top_srcdir/tests/tools/smtpsink.py" --port "$port" \
		--maildir "$TB/mail-$name" --log "$TB/sink-$name.log" "$@" \
		>>"$TB/sink-$name.out" 2>&1 &
	SINK_PID=$!
	UA_PIDS="$UA_PIDS $SINK_PID"
	ua_wait_for 100 grep -q '^listening' "$TB/sink-$name.out"
}
stop_sink() {
	[ -n "$SINK_PID" ] || return 0
	kill "$SINK_PID" 2>/dev/null
	wait "$SINK_PID" 2>/dev/null
	SINK_PID=
}

{
	echo "[mail]"
	echo "smtp_url = smtp://127.0.0.1:$P1"
	echo "retry_max_interval = 1"
	cat <<-'EOF'
	[defaults]
	mail_from = userauth@example.com
	shell = /bin/sh
	[pool customer]
	uid_min = 200000
	uid_max = 200009
	gid_min = 300000
	gid_max = 300009
	EOF
} | ua_write_conf
ua_start_daemon
ok $? "daemon starts with the mailer (retry_max_interval 1 s)"

# --- 5xx: logged, without the code -----------------------------------------
start_sink r550 $P1 --mode 550 --count 1
id=$(queue erin@example.com 84000001 60)
flush
ua_wait_for 50 state_is "$id" failed
ok $? "550: the message fails"
expect_rc 0 "  ... the daemon logs it: its id, result=failed, the reply" \
	logged "event=mail id=$id .*result=failed .*error=.*550"
expect_rc 1 "  ... and the log holds no code" logged 84000001
stop_sink

# --- 4xx until the code expires ------------------------------------------------
start_sink r451 $P1 --mode 451
id=$(queue fay@example.com 84000002 $((MARGIN + 3)))
flush
ua_wait_for 100 state_is "$id" expired
ok $? "451 until the code's end: the message is marked expired"
expect_rc 0 "  ... after retries: $(col "$id" attempts) attempts, the sink saw $(sink_count r451 'data 451') 451s" \
	test "$(col "$id" attempts)" -ge 2 -a "$(sink_count r451 'data 451')" -ge 2
expect_rc 0 "  ... the retries and the expiry are logged" \
	sh -c "grep -Eq 'event=mail id=$id .*result=retry .*451' '$TB/daemon.log' &&
		grep -Eq 'event=mail id=$id .*result=expired' '$TB/daemon.log'"
expect_rc 0 "  ... its body is gone" test "$(col "$id" "body IS NULL")" = 1
expect_rc 1 "  ... and it was never delivered" delivered 84000002
stop_sink

# --- RFC 1047 until the code expires -------------------------------------------
# The relay stores each copy and drops the connection before its reply.
start_sink r1047 $P1 --mode drop --stamp "$TB/stamps"
id=$(queue gil@example.com 84000003 $((MARGIN + 4)))
deadline_ms=$(col "$id" "(expires - $MARGIN) * 1000")
flush
ua_wait_for 100 state_is "$id" expired
ok $? "a relay that drops every connection after the final '.': marked expired"
n=$(copies 84000003)
expect_rc 0 "  ... after sending it again while the code was valid ($n copies)" \
	test "$n" -ge 2
# Once expired, nothing more (a resend would come within ~1 s).
nd=$(sink_count r1047 'data drop')
sleep 2
expect_rc 0 "  ... then the resends stop: no copy in the 2 s after ($(sink_count r1047 'data drop') drops, $nd at expiry)" \
	test "$(sink_count r1047 'data drop')" = "$nd"
expect_rc 0 "  ... none came in after the row's last moment (the code's life less $MARGIN s)" \
	awk -v d="$deadline_ms" '$2 / 1000000 > d + 1000 { bad = 1 } END { exit bad }' \
	"$TB/stamps"
expect_rc 0 "  ... the expiry is logged" logged "event=mail id=$id .*result=expired"
stop_sink

# --- the relay down until the code expires -----------------------------------
# Nothing listens on the port: every attempt is refused.
id=$(queue hal@example.com 84000004 $((MARGIN + 3)))
flush
ua_wait_for 100 state_is "$id" expired
ok $? "with the relay refusing connections the message is marked expired"
n=$(col "$id" attempts)
expect_rc 0 "  ... after retries ($n attempts), the error names the refusal" \
	test "$n" -ge 2 -a "$(col "$id" "last_error LIKE '%connect%'")" = 1
expect_rc 0 "  ... the expiry is logged" logged "event=mail id=$id .*result=expired"
start_sink back $P1
flush
sleep 2
expect_rc 0 "  ... the relay back: it is not sent later (still expired, $n attempts)" \
	test "$(col "$id" "state || ' ' || attempts")" = "expired $n"
expect_rc 1 "  ... nor delivered" delivered 84000004
stop_sink

# --- a reply that trickles, the whole-attempt cap ------------------------------
# The relay answers the end of DATA with a "250-" line every second and
# never ends the reply: the ${REPLY} s reply timeout counts from the
# command, not from the last byte read, so it ends the attempt.
start_sink trickle $P1 --mode trickle --count 1 --trickle-every 1
id=$(queue ida@example.com 84000005 120)
flush
ua_wait_for $(((REPLY + 15) * 10)) grep -q '^trickle end' "$TB/sink-trickle.log"
ok $? "a relay that trickles its reply to the end of DATA is hung up on"
took=$(awk '$1 == "trickle" { t[$2] = $3 } END { printf "%.1f", t["end"] - t["begin"] }' \
	"$TB/sink-trickle.log")
expect_rc 0 "  ... at the ${REPLY} s reply timeout, the lines notwithstanding ($took s)" \
	awk -v t="$took" -v r="$REPLY" 'BEGIN { exit !(t >= r - 0.5 && t <= r + 1.5) }'
expect_rc 0 "  ... logged as a timeout (curl 28)" \
	logged "event=mail id=$id .*result=retry .*curl 28"
ua_wait_for 50 delivered 84000005
ok $? "  ... and it is delivered at the next attempt"
ua_wait_for 20 state_is "$id" sent
expect_rc 0 "  ... in two attempts" test "$(col "$id" attempts)" = 2
stop_sink

# The relay answers MAIL, RCPT, DATA and the end of DATA each after 8 s:
# every reply within the ${REPLY} s timeout, the transaction 32 s, longer
# than the $CAP s cap on one attempt (UA_MAIL_ATTEMPT_TIMEOUT), which ends
# it while the end of DATA waits for its reply.
start_sink slow $P1 --mode slow --count 1 --slow-reply 8
id=$(queue jo@example.com 84000006 120)
flush
ua_wait_for $(((CAP + 15) * 10)) grep -q '^slow end' "$TB/sink-slow.log"
ok $? "a relay whose every reply comes late but in time is hung up on"
took=$(awk '$1 == "slow" { t[$2] = $3 } END { printf "%.1f", t["end"] - t["begin"] }' \
	"$TB/sink-slow.log")
# From its MAIL: the attempt began before, by the greeting and EHLO (ms).
expect_rc 0 "  ... at the $CAP s cap on the whole attempt ($took s from MAIL)" \
	awk -v t="$took" -v c="$CAP" 'BEGIN { exit !(t >= c - 6 && t <= c + 0.5) }'
expect_rc 0 "  ... that copy was not taken (the reply to its end of DATA never sent)" \
	test "$(sink_count slow '^data 250')" = 0
expect_rc 0 "  ... logged as a timeout (curl 28)" \
	logged "event=mail id=$id .*result=retry .*curl 28"
ua_wait_for 50 delivered 84000006
ok $? "  ... and it is delivered at the next attempt"
ua_wait_for 20 state_is "$id" sent
expect_rc 0 "  ... in two attempts" test "$(col "$id" attempts)" = 2
stop_sink

expect_rc 1 "no code in the daemon log" logged '8400000[0-9]'
ua_stop_daemon
ua_finish
