#!/bin/sh
# SPDX-License-Identifier: MIT
# The mail sender end to end: a real userauthd, aiosmtpd sinks
# (tests/tools/smtpsink.py) and messages made by the shipped composer
# (tests/tools/mailcompose) put straight into the daemon's mail_queue.
# Delivery and headers, wiping (S6), expiry, retries on 4xx, refused
# connections and a silent server, 5xx, messages in parallel (a slow relay,
# one hung after DATA), connection reuse, the RFC 1047 resend, retries on
# the monotonic clock, queued mail at start-up, STARTTLS with a test CA
# (S25), AUTH, sendmail mode, the admin view.  Own mount and network namespaces:
# the sinks listen on a loopback nobody else sees.  Prints TAP; needs root.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
if [ -z "${UA_IN_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || skip_all "needs root for namespaces"
	getent passwd userauth >/dev/null ||
		skip_all "needs the userauth system user (tests/tools/install-deps.sh)"
	$PY -c 'import aiosmtpd' 2>/dev/null ||
		skip_all "needs python3-aiosmtpd for $PY"
	for t in sqlite3 openssl setpriv ip; do
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
P1=2525	# plain sink
P2=2526	# STARTTLS sink
FROM=userauth@example.com
SINK_PID=


# SQL as the daemon user (the database is 0600 userauth).
dbq() {
	setpriv --reuid=userauth --regid=userauth --clear-groups \
		sqlite3 -cmd '.timeout 5000' "$DB" "$1"
}

col() { dbq "SELECT $2 FROM mail_queue WHERE id = $1"; }
state_is() { [ "$(col "$1" state)" = "$2" ]; }

# queue TO CODE VALID_SECONDS [SUBJECT [TEMPLATE]]: compose, insert, print
# the row id.
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

# How many stored messages (all sinks) hold text.
copies() { cat "$TB"/mail-*/new/* 2>/dev/null | grep -c -- "$1"; }
delivered() { [ "$(copies "$1")" -ge 1 ]; }

# start_sink NAME PORT ARGS...: one sink at a time, Maildir $TB/mail-NAME.
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

# write_conf: [mail] lines from stdin, then the pool.
write_conf() {
	{
		# adm may use the admin socket (mailq --full is root's)
		echo "admin_group = adm"
		echo "[mail]"
		cat
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
}

restart() {
	ua_stop_daemon
	ua_start_daemon
}

# --- plain SMTP on loopback ---------------------------------------------------
write_conf <<EOF
smtp_url = smtp://127.0.0.1:$P1
retry_max_interval = 1
EOF
expect_rc 0 "userauthd -t accepts the [mail] section" \
	"$top_builddir/userauthd" -t -c "$TB/etc/userauth.conf"
ua_start_daemon
ok $? "daemon starts with the mailer"
start_sink a $P1
ok $? "plain sink listens"

ue=$(printf '\303\274')
id1=$(queue alice@example.com 81000001 120 "Ihr Anmeldecode f${ue}r heute" \
	"$(printf 'Gr\303\274\303\237e \342\200\223 dein Code: %%c\n\nG\303\274ltig %%m Minuten.\n')")
flush
ua_wait_for 100 delivered 81000001
ok $? "a queued message is delivered"
cat >"$TB/check.py" <<'EOF'
import email, email.header, email.utils, mailbox, sys
code, mid = sys.argv[2], sys.argv[3]
msgs = [m for m in mailbox.Maildir(sys.argv[1], create=False)
        if code in m.get_payload()]
assert len(msgs) == 1, len(msgs)
m = msgs[0]
subj = str(email.header.make_header(email.header.decode_header(m["Subject"])))
assert subj == "Ihr Anmeldecode f\u00fcr heute", subj
assert m["From"] == "userauth@example.com", m["From"]
assert m["To"] == "alice@example.com", m["To"]
assert m["X-MailFrom"] == "userauth@example.com", m["X-MailFrom"]
assert m["X-RcptTo"] == "alice@example.com", m["X-RcptTo"]
assert m["Message-ID"] == mid, (m["Message-ID"], mid)
assert email.utils.parsedate_to_datetime(m["Date"]) is not None
assert m["MIME-Version"] == "1.0"
assert m.get_content_type() == "text/plain"
assert m.get_content_charset() == "utf-8"
assert m["Content-Transfer-Encoding"] == "8bit"
assert m["Auto-Submitted"] == "auto-generated"
body = m.get_payload(decode=True).decode("utf-8")
want = "Gr\u00fc\u00dfe \u2013 dein Code: %s\n\nG\u00fcltig 2 Minuten.\n" % code
assert body.replace("\r\n", "\n") == want, repr(body)
EOF
expect_rc 0 "  ... with the right headers, envelope, subject and code" \
	$PY "$TB/check.py" "$TB/mail-a" 81000001 "$(col "$id1" message_id)"
expect_rc 0 "  ... the row is sent, body NULL, one attempt" \
	test "$(col "$id1" "state || ' ' || (body IS NULL) || ' ' || attempts || ' ' || (done IS NOT NULL)")" = "sent 1 1 1"
code_gone() {
	! grep -qa 81000001 "$DB" && ! grep -qa 81000001 "$DB-wal" 2>/dev/null
}
ua_wait_for 50 code_gone
ok $? "  ... and the code is in neither the database nor the WAL (S6)"

id2=$(queue bob@example.net 81000002 5)
flush
ua_wait_for 30 state_is "$id2" expired
ok $? "a message within 10 s of its expiry is marked expired"
expect_rc 0 "  ... body NULL, never attempted" \
	test "$(col "$id2" "(body IS NULL) || attempts")" = "10"
expect_rc 1 "  ... and never delivered" delivered 81000002
grep_last_log() { grep -Eq -- "$1" "$TB/daemon.log"; }
expect_rc 0 "  ... logged as expired" grep_last_log "id=$id2 .*result=expired"

# SMTP down at queue time, then up: delivered while still valid.
stop_sink
id3=$(queue carol@example.org 81000003 60)
flush
has_error() { [ -n "$(col "$1" last_error)" ] && [ "$(col "$1" attempts)" -ge "$2" ]; }
ua_wait_for 50 has_error "$id3" 2
ok $? "with the relay down the message stays queued and is retried"
expect_rc 0 "  ... state still queued" state_is "$id3" queued
start_sink a $P1
ua_wait_for 50 delivered 81000003
ok $? "  ... and is delivered once the relay is back"
ua_wait_for 20 state_is "$id3" sent
ok $? "  ... state sent"

# 4xx: retried until it goes through.
stop_sink
start_sink a $P1 --mode 451 --count 2
id4=$(queue dave@example.com 81000004 60)
flush
ua_wait_for 100 delivered 81000004
ok $? "451 twice, then delivered"
ua_wait_for 20 state_is "$id4" sent
# Three attempts, or four when a sender thread's connection to the sink
# stopped just before noticed the stop only on trying it (a busy machine).
expect_rc 0 "  ... after three attempts (a fourth if a kept connection was found dead)" \
	test "$(col "$id4" attempts)" -ge 3 -a "$(col "$id4" attempts)" -le 4
expect_rc 0 "  ... the sink saw two 451s" \
	test "$(grep -c 'data 451' "$TB/sink-a.log")" = 2

# 5xx: permanent.
stop_sink
start_sink a $P1 --mode 550 --count 1
id5=$(queue erin@example.com 81000005 60)
flush
ua_wait_for 50 state_is "$id5" failed
ok $? "550 marks the message failed"
expect_rc 0 "  ... body NULL, error names the reply" \
	test "$(col "$id5" "(body IS NULL) || ' ' || (last_error LIKE '%550%')")" = "1 1"
# Once failed it stays put (an earlier attempt may have met the sink
# still starting: what matters is that nothing follows the 550).
n5=$(col "$id5" attempts)
sleep 2
expect_rc 0 "  ... and it is not retried" test "$(col "$id5" attempts)" = "$n5"
expect_rc 1 "  ... nor delivered" delivered 81000005

# A server that accepts and never greets: one message waits out the
# timeout, the other goes through meanwhile.
stop_sink
start_sink a $P1 --mode silent --count 1
t0=$(date +%s)
id6=$(queue frank@example.com 81000006 60)
id7=$(queue grace@example.com 81000007 60)
flush
one_of() { [ $(($(copies 81000006) + $(copies 81000007))) -ge 1 ]; }
ua_wait_for 50 one_of
ok $? "a silent server does not block the other message"
both() { delivered 81000006 && delivered 81000007; }
ua_wait_for 200 both
ok $? "  ... the stalled one times out and is retried"
t1=$(date +%s)
# curl counts the greeting as part of connecting: 5 s, not 10.
expect_rc 0 "  ... after the 5 s connect-and-greeting timeout (took $((t1 - t0)) s)" \
	test $((t1 - t0)) -ge 4
expect_rc 0 "  ... one of them needed two attempts" \
	test "$(dbq "SELECT sum(attempts) FROM mail_queue WHERE id IN ($id6, $id7)")" -ge 3
expect_rc 0 "  ... logged as a timeout" grep_last_log "result=retry .*[Tt]ime"

# --- the admin view -----------------------------------------------------------
expect_rc 0 "userauthctl mailq" uactl mailq
grep_last "  ... lists a masked recipient" 'c\*\*\*@e\*\*\*\*\*\*\.org +sent'
grep_last "  ... and the failed one" 'e\*\*\*@e\*\*\*\*\*\*\.com +failed'
if grep -q 'example\.com\|@example' "$TB/last.out"; then
	ok 1 "  ... never a full address"
else
	ok 0 "  ... never a full address"
fi
uactl --json mailq >"$TB/q.json"
expect_rc 0 "userauthctl --json mailq has every field, masked" $PY -c '
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 7, len(rows)
keys = {"id", "pool", "recipient", "state", "attempts", "last_error", "age",
        "expires_in"}
for r in rows:
    assert set(r) == keys, r
    assert "***@" in r["recipient"] and "example" not in r["recipient"], r
assert [r["state"] for r in rows].count("sent") == 5, rows
' "$TB/q.json"
expect_rc 0 "userauthctl mailq --full shows root the whole recipients" uactl mailq --full
grep_last "  ... the sent one" 'c[a-z]*@example\.org +sent'
uactl --json mailq --full >"$TB/qf.json"
expect_rc 0 "  ... in --json too, the same rows as masked" $PY -c '
import json, sys
full = json.load(open(sys.argv[1])); masked = json.load(open(sys.argv[2]))
assert [r["id"] for r in full] == [r["id"] for r in masked]
assert all("@example." in r["recipient"] and "***" not in r["recipient"] for r in full), full
' "$TB/qf.json" "$TB/q.json"
expect_rc 2 "  ... --full with an operand is a usage error" uactl mailq --full x
CTL=$(ua_reachable "$top_builddir/userauthctl")
as_adm() { setpriv --reuid=nobody --regid=nogroup --groups=adm "$CTL" -s "$TB/run/admin.sock" "$@"; }
expect_rc 0 "  ... a member of admin_group lists the queue masked" as_adm mailq
grep_last "  ... masked" 'c\*\*\*@e\*\*\*\*\*\*\.org +sent'
as_adm mailq --full >"$TB/adm.out" 2>&1
expect_rc 0 "  ... but is refused --full" test $? -ne 0
expect_rc 0 "  ... saying it is root's" grep -q "only root may see whole recipients" "$TB/adm.out"
expect_rc 0 "  ... and was shown no address" sh -c "! grep -q '@example' '$TB/adm.out'"
expect_rc 0 "userauthctl mail test: the relay takes a test message" \
	uactl mail test customer tester@example.net
grep_last "  ... and it says so" '^sent: the relay accepted the test mail to tester@example.net'
ua_wait_for 50 sh -c "grep -lis '^X-RcptTo: tester@example.net' "$TB"/mail-*/new/* >/dev/null"
ok $? "  ... which the sink received"
expect_rc 0 "  ... naming the host and pool, no code in it" \
	sh -c "f=\$(grep -lis '^X-RcptTo: tester@example.net' "$TB"/mail-*/new/* | head -1) &&
		grep -q 'Subject: Test mail from the sign-in service' \"\$f\" &&
		grep -q '(pool customer)' \"\$f\" && ! grep -qi 'sign-in code' \"\$f\""
expect_rc 2 "  ... a bad address is a usage error" uactl mail test customer not-an-address
expect_rc 1 "  ... an unknown pool is refused" uactl mail test nosuchpool tester@example.net
grep_last "  ... with a clear word" "no local pool 'nosuchpool'"
expect_rc 0 "userauthctl mailq flush" uactl mailq flush
grep_last "  ... says how many are queued" '^0 queued'
expect_rc 2 "userauthctl mailq with an operand is a usage error" uactl mailq x

# --- many messages, one relay: concurrency, a hung transfer -------------------
# The SMTP transfers run on sender threads of their own (MAILER_PARALLEL),
# each blocking in libcurl with its own timeouts: a relay slow or hung on
# one message holds one thread, not the queue.

# queue_many N BASE VALID: N messages in one transaction, to mBASE-I@...,
# codes BASE+I (BASE: 8 digits).
queue_many() {
	sql="BEGIN;"
	now=$(date +%s)
	i=0
	while [ $i -lt "$1" ]; do
		f=$TB/many.$2.$i
		"$COMPOSE" customer "$FROM" "m$2-$i@example.com" $(($2 + i)) "$3" \
			>"$f" || return 1
		chmod 0644 "$f"
		mid=$(sed -n 's/^Message-ID: \(<[0-9a-f]*@[a-z.]*>\)\r$/\1/p' "$f")
		sql="$sql INSERT INTO mail_queue (pool, recipient, message_id,
			body, state, next_attempt, created, expires) VALUES
			('customer', 'm$2-$i@example.com', '$mid',
			CAST(readfile('$f') AS TEXT), 'queued', $now * 1000, $now,
			$now + $3);"
		i=$((i + 1))
	done
	dbq "$sql COMMIT;"
}
# all_delivered N BASE: every message of queue_many N BASE arrived.
all_delivered() {
	i=0
	while [ $i -lt "$1" ]; do
		delivered $(($2 + i)) || return 1
		i=$((i + 1))
	done
}
# sink_max NAME WORD: the largest K of the sink's "WORD K" log lines.
sink_max() {
	awk -v w="$2" '$1 == w && $2 > m { m = $2 } END { print m + 0 }' \
		"$TB/sink-$1.log"
}
# sink_count NAME PATTERN: log lines matching the extended regex.
sink_count() { grep -Ec -- "$2" "$TB/sink-$1.log"; }
# line_of NAME PATTERN: the number of the first log line matching.
line_of() { grep -En -- "$2" "$TB/sink-$1.log" | head -1 | cut -d: -f1; }

stop_sink
start_sink slow $P1 --delay 0.5
t0=$(date +%s%N)
queue_many 16 82000100 60
flush
ua_wait_for 200 all_delivered 16 82000100
ok $? "16 messages through a relay that takes 0.5 s each are delivered"
t1=$(date +%s%N)
busy=$(sink_max slow busy)
echo "# 16 mails, 0.5 s relay: $(((t1 - t0) / 1000000)) ms, the relay had up to $busy at once, $(sink_count slow '^connect ') connections"
expect_rc 0 "  ... at the same time: the relay had up to $busy at once after their end of DATA" \
	test "$busy" -ge 12

stop_sink
start_sink stall $P1 --stall-rcpt hung@example.com --stall-count 1
ids=$(queue hung@example.com 82000201 60)
flush
ua_wait_for 50 grep -q 'stall begin hung@example.com' "$TB/sink-stall.log"
ok $? "a relay hangs after the end of DATA of one message"
ido=$(queue other@example.com 82000202 60)
flush
ua_wait_for 100 delivered 82000202
ok $? "  ... a message queued after it is delivered meanwhile"
ua_wait_for 250 grep -q 'stall end hung@example.com' "$TB/sink-stall.log"
ok $? "  ... the hung transfer is given up (the 10 s reply timeout)"
l_other=$(line_of stall 'data 250 other@example.com')
l_end=$(line_of stall 'stall end hung@example.com')
expect_rc 0 "  ... and the other went through while it still hung (sink log lines $l_other < $l_end)" \
	test "${l_other:-999999}" -lt "${l_end:-0}"
ua_wait_for 100 delivered 82000201
ok $? "  ... the hung one is tried again and delivered"
ua_wait_for 20 state_is "$ids" sent
expect_rc 0 "  ... after two attempts, the first a timeout" \
	test "$(col "$ids" "attempts || ' ' || state")" = "2 sent"
grep_last_log_n() { grep -Eq -- "id=$1 .*result=retry .*curl 28" "$TB/daemon.log"; }
expect_rc 0 "  ... logged as a timeout (curl 28)" grep_last_log_n "$ids"

# --- connection reuse ----------------------------------------------------------
# A sender thread keeps its connection for the next message (one per
# thread, closed after MAILSEND_IDLE_SECONDS idle); the relay's 250 to the
# end of DATA is what marks a row sent, as before.
stop_sink
start_sink reuse $P1
seq_mails() {	# seq_mails N BASE: N messages, each once the last arrived
	k=0
	while [ $k -lt "$1" ]; do
		queue "r$k-$2@example.com" $(($2 + k)) 60 >/dev/null || return 1
		flush
		ua_wait_for 50 delivered $(($2 + k)) || return 1
		k=$((k + 1))
	done
}
expect_rc 0 "5 messages one after another are delivered" seq_mails 5 82000300
n=$(sink_count reuse '^connect ')
echo "# 5 mails one after another: $n SMTP connection(s)"
expect_rc 0 "  ... over one SMTP connection ($n)" test "$n" = 1
# The relay restarts: the kept connection is dead when the next one comes.
stop_sink
start_sink reuse $P1
idk=$(queue dead@example.com 82000310 60)
flush
ua_wait_for 50 delivered 82000310
ok $? "a kept connection the relay has closed is not used: delivered"
ua_wait_for 20 state_is "$idk" sent
# (the row's attempts and last error in the description: a failure once,
# in a full run's sanitizer pass, left nothing else to read)
expect_rc 0 "  ... in one attempt ($(col "$idk" "attempts || ' ' || coalesce(last_error, '-')"))" \
	test "$(col "$idk" attempts)" = 1
# The relay drops a kept connection just as the next message begins (no
# reply to MAIL): libcurl does not retry an SMTP upload, the sender does,
# once, on a new connection, as none of the message had gone out.
stop_sink
start_sink drop1 $P1 --max-per-conn 1
expect_rc 0 "a relay that closes each connection after one message: 3 delivered" \
	seq_mails 3 82000320
expect_rc 0 "  ... it closed the kept connection at MAIL twice" \
	test "$(sink_count drop1 '^close reused')" = 2
expect_rc 0 "  ... each in one attempt (the new connection at once, no backoff)" \
	test "$(dbq "SELECT group_concat(attempts, ' ') FROM mail_queue WHERE recipient LIKE 'r%-82000320@example.com'")" = "1 1 1"

# --- RFC 1047 ------------------------------------------------------------------
# The relay has the message but the connection drops before its
# reply.  Sent again while the code is valid, with the same Message-ID.
stop_sink
start_sink r1047 $P1 --mode drop --count 1
idd=$(queue twice@example.com 82000400 60)
flush
ua_wait_for 100 state_is "$idd" sent
ok $? "a connection dropped after the final '.' (RFC 1047): sent again"
expect_rc 0 "  ... the sink has two copies with the same Message-ID" $PY -c '
import mailbox, sys
ids = [m["Message-ID"] for m in mailbox.Maildir(sys.argv[1], create=False)
       if sys.argv[2] in m.get_payload()]
assert len(ids) == 2 and ids[0] == ids[1], ids
' "$TB/mail-r1047" 82000400
expect_rc 0 "  ... in two attempts, the second after a backoff" \
	test "$(col "$idd" attempts)" = 2

# --- the schedule: monotonic clock, start-up --------------------------------------
# Retries are timed in memory on CLOCK_MONOTONIC.  A wall-clock
# next_attempt in the row (what a clock stepped back an hour left behind:
# the next attempt an hour away) is not trusted.
stop_sink
idc=$(queue clock@example.com 82000501 120)
flush
ua_wait_for 50 has_error "$idc" 1
ok $? "with the relay down a message waits for its next attempt"
dbq "UPDATE mail_queue SET next_attempt = next_attempt + 3600000 WHERE id = $idc"
start_sink clock $P1
ua_wait_for 50 delivered 82000501
ok $? "  ... a next_attempt an hour ahead in the row does not delay it"
# A row the sender has not seen yet, with a next_attempt an hour ahead.
now=$(date +%s)
idf=$(queue future@example.com 82000502 120)
dbq "UPDATE mail_queue SET next_attempt = ($now + 3600) * 1000 WHERE id = $idf"
ua_wait_for 50 delivered 82000502
ok $? "a new row whose next_attempt is an hour ahead goes out at once"

# After a restart: queued mail is tried at once, not after the backoff the
# row was in (a relay down long enough left next_attempt 30 s ahead).
stop_sink
ua_stop_daemon
write_conf <<EOF
smtp_url = smtp://127.0.0.1:$P1
EOF
idr=$(queue restart@example.com 82000601 120)
dbq "UPDATE mail_queue SET attempts = 5, last_error = 'relay down',
	next_attempt = (strftime('%s', 'now') + 30) * 1000 WHERE id = $idr"
start_sink restart $P1
t0=$(date +%s)
ua_start_daemon
ok $? "restart with a queued message in its backoff (default retry_max_interval 30 s)"
ua_wait_for 50 delivered 82000601
ok $? "  ... it is delivered at once after the start"
ua_wait_for 20 state_is "$idr" sent
expect_rc 0 "  ... at the first attempt after the start, no backoff (attempts 6, sent $(($(col "$idr" done) - t0)) s after the start)" \
	test "$(col "$idr" "attempts || ' ' || (done - $t0 <= 3)")" = "6 1"

# --- STARTTLS, the CA, AUTH ---------------------------------------------------
stop_sink
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TB/key.pem" \
	-out "$TB/cert.pem" -days 2 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost,IP:127.0.0.1 >/dev/null 2>&1
chmod 0644 "$TB/cert.pem"
printf 's3cret\n' >"$TB/smtp.pw"
chown userauth "$TB/smtp.pw"
chmod 0644 "$TB/smtp.pw"
start_sink tls $P2 --tls-cert "$TB/cert.pem" --tls-key "$TB/key.pem" \
	--auth-user otpd --auth-password s3cret
write_conf <<EOF
smtp_url = smtp://localhost:$P2
smtp_starttls = required
smtp_user = otpd
smtp_password_file = $TB/smtp.pw
retry_max_interval = 1
EOF
ua_stop_daemon
expect_rc 78 "a password file readable by others is refused at start" \
	timeout 10 "$top_builddir/userauthd" -f -c "$TB/etc/userauth.conf"
grep_last "  ... with a message naming it" 'smtp_password_file.*0600'
chmod 0600 "$TB/smtp.pw"
ua_start_daemon
ok $? "daemon starts with STARTTLS required and AUTH"
id8=$(queue heidi@example.com 81000008 60)
flush
ua_wait_for 50 has_error "$id8" 1
ok $? "a certificate the system does not trust is refused (S25)"
expect_rc 0 "  ... the error says so, the message stays queued" \
	test "$(col "$id8" "state || ' ' || (last_error LIKE '%certificate%' OR last_error LIKE '%SSL%')")" = "queued 1"
expect_rc 1 "  ... and nothing was delivered" delivered 81000008
ua_stop_daemon
write_conf <<EOF
smtp_url = smtp://localhost:$P2
smtp_starttls = required
smtp_ca_file = $TB/cert.pem
smtp_user = otpd
smtp_password_file = $TB/smtp.pw
retry_max_interval = 1
EOF
ua_start_daemon
ok $? "restart with smtp_ca_file"
flush
ua_wait_for 50 delivered 81000008
ok $? "  ... the queued message survived the restart and goes over STARTTLS with AUTH"
expect_rc 0 "  ... the sink saw a good AUTH" grep -q 'auth ok' "$TB/sink-tls.log"
nconn0=$(sink_count tls '^connect ')
ntls0=$(sink_count tls '^tls ')
expect_rc 0 "4 more messages one after another over STARTTLS and AUTH" \
	seq_mails 4 82000700
nconn=$(($(sink_count tls '^connect ') - nconn0))
ntls=$(($(sink_count tls '^tls ') - ntls0))
echo "# 4 more mails over STARTTLS+AUTH: $nconn new connections, $ntls TLS handshakes"
expect_rc 0 "  ... on the kept connection: no new connection or TLS handshake" \
	test "$nconn $ntls" = "0 0"
stop_sink
start_sink tls $P2 --tls-cert "$TB/cert.pem" --tls-key "$TB/key.pem" \
	--auth-user otpd --auth-password other
id9=$(queue ivan@example.com 81000009 60)
flush
ua_wait_for 50 state_is "$id9" failed
ok $? "a refused password (535) fails the message"
expect_rc 0 "  ... the error names it, and no password is in it" \
	test "$(col "$id9" "(last_error LIKE '%535%') || (last_error LIKE '%s3cret%')")" = "10"
stop_sink
# STARTTLS required, and the relay does not offer it.
start_sink plain $P2
id11=$(queue kim@example.com 81000011 60)
flush
ua_wait_for 50 has_error "$id11" 1
ok $? "STARTTLS required and the relay offers none: not sent"
expect_rc 0 "  ... the error says so, the message stays queued" \
	test "$(col "$id11" "state || ' ' || (last_error LIKE '%STARTTLS%' OR last_error LIKE '%SSL%' OR last_error LIKE '%TLS%')")" = "queued 1"
expect_rc 1 "  ... and nothing reached the relay in the clear" delivered 81000011
stop_sink

# --- sendmail -------------------------------------------------------------------
mkdir "$TB/sm"
chown userauth "$TB/sm"
cat >"$TB/sendmail" <<EOF
#!/bin/sh
echo "\$@" >"$TB/sm/args"
cat >"$TB/sm/msg.\$\$"
[ -f "$TB/sm/exit" ] && exit \$(cat "$TB/sm/exit")
exit 0
EOF
chmod 0755 "$TB/sendmail"
ua_stop_daemon
write_conf <<EOF
sendmail = $TB/sendmail
retry_max_interval = 1
EOF
ua_start_daemon
ok $? "daemon starts in sendmail mode"
echo 75 >"$TB/sm/exit"
chmod 0644 "$TB/sm/exit"
id10=$(queue judy@example.com 81000010 60)
flush
ua_wait_for 50 has_error "$id10" 1
ok $? "sendmail exit 75 (temporary) is retried"
expect_rc 0 "  ... with the status in last_error" \
	test "$(col "$id10" "state || ' ' || last_error")" = "queued sendmail exited with status 75"
rm -f "$TB/sm/exit"
ua_wait_for 50 state_is "$id10" sent
ok $? "  ... then sent"
expect_rc 0 "  ... the message reached sendmail's stdin" \
	grep -q 'Your sign-in code is 81000010' "$TB"/sm/msg.*
expect_rc 0 "  ... as '-i -f FROM -t'" \
	test "$(cat "$TB/sm/args")" = "-i -f userauth@example.com -t"

# --- no secret in the log -----------------------------------------------------
codes_in_log() { grep -Eq '8[12]000[0-9]{3}|s3cret' "$TB/daemon.log"; }
expect_rc 1 "no code or password in the daemon log" codes_in_log
ua_stop_daemon
ua_finish
