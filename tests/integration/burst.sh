#!/bin/sh
# SPDX-License-Identifier: MIT
# A burst of password logins deeper than the hash workers can clear within
# a module's silence limit: the daemon keeps every waiting client alive with
# WAIT frames (doc/PROTOCOL.md), so no right password is refused for load,
# and the daemon answers PING at once all the while.  Password + TOTP
# logins of a pool with mfa = required, and logins by mailed code answered
# from a real SMTP sink (tests/tools/smtpsink.py), run in the same burst.
# Own mount and network namespaces; needs root; prints TAP.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
if [ -z "${UA_IN_NS:-}" ]; then
	$PY -c 'import aiosmtpd' 2>/dev/null ||
		skip_all "needs python3-aiosmtpd for $PY"
fi
ua_need_tools ip
ua_enter_netns "$@"
ua_scratch
ua_nss_setup
PORT=2525
MAILDIR=$TB/mail
ua_write_conf <<CONF
# the 255 password logins, the 45 TOTP ones and the 40 by mailed code at once
max_clients = 512
[mail]
smtp_url = smtp://127.0.0.1:$PORT
retry_max_interval = 1
[defaults]
shell = /bin/sh
first_factors = password
mail_from = signin@example.com
# 85 logins of one account in flight at once (three accounts, 255 in
# all): every answer is counted before it is judged, so the account's
# bucket must allow that many (each comes from a host of its own; the
# lock at 100 stays); throttling has its own test
throttle_account_after = 1000
[pool customer]
uid_min = 400000
uid_max = 400999
gid_min = 300000
gid_max = 300999
# the default limits: many accounts behind one address
[pool office]
uid_min = 410000
uid_max = 410999
gid_min = 310000
gid_max = 310999
throttle_account_after = 20
# password + TOTP: one login per user (a code is good once per step)
[pool staff]
uid_min = 420000
uid_max = 420999
gid_min = 320000
gid_max = 320999
mfa = required
# by mailed code: one login per user (the 40 come from one caller, whose
# codes are limited to ten times otp_per_hour = 5: 50 an hour)
[pool mail]
uid_min = 430000
uid_max = 430999
gid_min = 330000
gid_max = 330999
first_factors = email_otp
CONF
BURST="$PY $top_srcdir/tests/tools/burst.py"
PW='Bu-canary-5e0c2a77'

$PY "$top_srcdir/tests/tools/smtpsink.py" --port $PORT --maildir "$MAILDIR" \
	>"$TB/sink.out" 2>&1 &
UA_PIDS="$UA_PIDS $!"
ua_wait_for 100 grep -q "^listening $PORT" "$TB/sink.out"
ok $? "the SMTP sink listens"
ua_start_daemon
ok $? "daemon starts"
for u in bea bex bey; do
	uactl user add customer $u --email $u@example.com >/dev/null &&
		set_pw $u "$PW" || echo "# could not make $u"
done
expect_rc 0 "three password users" uactl user show bey
# burst3 N: N logins of each of bea, bex and bey at once; the three
# result lines summed into one
burst3() {
	for u in bea bex bey; do
		$BURST "$TB/run/public.sock" customer $u "$PW" "$1" 10 >"$TB/b.$u" &
		eval "bp_$u=\$!"
	done
	wait $bp_bea $bp_bex $bp_bey
	cat "$TB/b.bea" "$TB/b.bex" "$TB/b.bey" | tr ' ' '\n' | awk -F= '
		{ s[$1] += $2; if (!($1 in o)) { o[$1] = ++n; k[n] = $1 } }
		END { for (i = 1; i <= n; i++) printf("%s%s=%d", (i > 1 ? " " : ""), k[i], s[k[i]]); print "" }'
}

# 45 users of the staff pool, each with a password and a TOTP key
# (enrolled by the administrator, confirmed with the current code).
NT=45
json_get() { $PY -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
mid_step
i=1
: >"$TB/totp.keys"
while [ $i -le $NT ]; do
	uactl user add staff t$i --email t$i@example.com >/dev/null &&
		uactl --json mfa enroll staff t$i </dev/null >"$TB/enroll.json" &&
		sec=$(json_get secret <"$TB/enroll.json") &&
		uactl mfa confirm t$i "$(totp "$sec" 0)" >/dev/null &&
		echo "t$i $sec" >>"$TB/totp.keys"
	i=$((i + 1))
done
seq 1 $NT | xargs -P 2 -I{} sh -c 'printf "%s\n" "$1" | "$2" -s "$3" passwd "t{}" --stdin >/dev/null' \
	sh "$PW" "$top_builddir/userauthctl" "$TB/run/admin.sock"
expect_rc 0 "$NT password + TOTP users enrolled ($(wc -l <"$TB/totp.keys") keys)" \
	test "$(wc -l <"$TB/totp.keys")" -eq $NT
tlist=$(cut -d' ' -f1 "$TB/totp.keys" | paste -sd,)
# the codes of the next step: the one each enrolment spent is not
# taken again, and the next is within the window (+-1 step) until the
# burst has long ended
tcodes=$(while read -r u sec; do totp "$sec" 30; done <"$TB/totp.keys" | paste -sd,)

# 40 users of the mail pool, who sign in by mailed code.
NM=40
{
	echo "login,email"
	seq 1 $NM | sed 's/.*/m&,m&@example.net/'
} >"$TB/mail.csv"
uactl user import mail "$TB/mail.csv" >/dev/null
expect_rc 0 "$NM users who sign in by mailed code" uactl user show m$NM

# 255 right passwords at once, and 45 right password + TOTP logins with
# them: 300 hashes of 30-65 ms on this machine's workers, several seconds
# of queue; WAIT comes every 2 s.  Meanwhile 40 logins by mailed code,
# each answered with the code that reaches the sink (the daemon holds a
# code's reply until 1 s after its prompt: otp_min_answer_age).
t0=$(date +%s%N)
BURST_TOTP=$tcodes $BURST "$TB/run/public.sock" staff "$tlist" "$PW" $NT 10 >"$TB/b.totp" &
bt=$!
$PY "$top_srcdir/tests/tools/otpburst.py" "$TB/run/public.sock" mail "$MAILDIR" m example.net $NM 30 \
	>"$TB/b.otp" 2>&1 &
bo=$!
out=$(burst3 85)
wait $bt
wait $bo
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
echo "# burst of 3 x 85 + $NT TOTP + $NM by mail: $out; $(cat "$TB/b.totp"); $(cat "$TB/b.otp") in $ms ms"
set -- $out
expect_rc 0 "every right password of the burst is accepted" test "$1" = ok=255
expect_rc 0 "  ... none lost, none refused" test "$2 $3 $4 $5" = "fail=0 unavailable=0 busy=0 lost=0"
if [ "$ms" -gt 3000 ]; then
	expect_rc 0 "  ... the clients queued longest got WAIT frames (the burst took $ms ms)" \
		test "${6#waited=}" -gt 0
else
	ok 0 "# SKIP the burst took $ms ms, under the 2 s WAIT interval: no WAIT due"
fi
expect_rc 0 "  ... and the audit log has 255 result=ok" \
	test "$(grep -c "user='be[axy]' .*result=ok" "$TB/daemon.log")" -ge 255
set -- $(cat "$TB/b.totp")
expect_rc 0 "every right password + TOTP of the burst is accepted ($*)" \
	test "$1 $2 $3 $4 $5 $8" = "ok=$NT fail=0 unavailable=0 busy=0 lost=0 reasked=0"
expect_rc 0 "  ... each audited once as a TOTP login" \
	test "$(grep -c "pool='staff' user='t[0-9]*' .*challenge=SOFTWARE_TOKEN_MFA result=ok" "$TB/daemon.log")" -eq $NT
# A code spent in the burst is not good again.
t1code=${tcodes%%,*}
out=$(BURST_TOTP=$t1code $BURST "$TB/run/public.sock" staff t1 "$PW" 1 10)
expect_rc 0 "  ... and t1's code, spent in the burst, is refused when replayed ($out)" \
	test "${out%% *} ${out##* }" = "ok=0 reasked=1"
set -- $(cat "$TB/b.otp")
expect_rc 0 "every login by mailed code of the burst signs in with the code from the sink ($*)" \
	test "$*" = "ok=$NM fail=0 unavailable=0 lost=0 challenged=$NM answered=$NM"
grep "pool='mail' user='m[0-9]*' .*challenge=EMAIL_OTP result=ok" "$TB/daemon.log" >"$TB/otp.audit"
na=$(wc -l <"$TB/otp.audit")
nu=$(grep -o "user='m[0-9]*'" "$TB/otp.audit" | sort -u | wc -l)
expect_rc 0 "  ... each audited once as a code login ($na lines, $nu users)" \
	test "$na" -eq $NM -a "$nu" -eq $NM
nmail=$(find "$MAILDIR/new" "$MAILDIR/cur" -type f | wc -l)
expect_rc 0 "  ... and the sink got one mail for each, none lost, none twice ($nmail)" \
	test "$nmail" -eq $NM
expect_rc 0 "the daemon still answers PING after the burst" \
	$PY "$top_srcdir/tests/tools/sockpoke.py" ping "$TB/run/public.sock"

# 60 accounts behind one address (a jump host, an office's NAT), each
# with its right password, all at once: more in flight than the host's
# bucket allows failures (throttle_host_after 50), none of them a failure.
{
	echo "login,email"
	i=1
	while [ $i -le 60 ]; do echo "o$i,o$i@example.com"; i=$((i + 1)); done
} >"$TB/office.csv"
uactl user import office "$TB/office.csv" >/dev/null
# (two at a time: the hashes run on the daemon's workers)
seq 1 60 | xargs -P 2 -I{} sh -c 'printf "%s\n" "$1" | "$2" -s "$3" passwd "o{}" --stdin >/dev/null' \
	sh "$PW" "$top_builddir/userauthctl" "$TB/run/admin.sock"
ulist=$(seq -s, -f 'o%g' 1 60)
out=$(BURST_RHOST=203.0.113.50 $BURST "$TB/run/public.sock" office "$ulist" "$PW" 60 10)
set -- $out
expect_rc 0 "60 accounts' right passwords at once from one address: all accepted ($out)" \
	test "$1 $2 $3 $4 $5" = "ok=60 fail=0 unavailable=0 busy=0 lost=0"
expect_rc 0 "  ... none throttled" sh -c "! grep -q \"pool='office' .*reason=throttled\" '$TB/daemon.log'"
# Wrong ones from that address still fill its bucket once judged.
out=$(BURST_RHOST=203.0.113.50 $BURST "$TB/run/public.sock" office "$ulist" "wrong-$PW" 60 10)
h=$(uactl --json throttle list office | $PY -c 'import json,sys; print(sum(b["failures"] for b in json.load(sys.stdin) if b["kind"] == "host"))')
expect_rc 0 "  ... 60 wrong ones from it: all FAIL, and the host's bucket has them ($h; $out)" \
	sh -c "[ '${out%% *}' = ok=0 ] && [ $h -ge 50 ]"
login_after=$(BURST_RHOST=203.0.113.50 $BURST "$TB/run/public.sock" office o1 "$PW" 1 10)
expect_rc 0 "  ... and then even a right one from it waits (the host is throttled: $login_after)" \
	test "${login_after%% *}" = ok=0

# A wrong password in the same kind of burst is still refused.
out=$($BURST "$TB/run/public.sock" customer bea "wrong-$PW" 20 10)
set -- $out
expect_rc 0 "a burst of wrong passwords: all FAIL, none OK ($out)" test "$1 $2" = "ok=0 fail=20"

# Busy: a second daemon that refuses new logins once more than 1 s of
# hashing is queued.  A burst under way runs to its end; logins that
# arrive meanwhile are refused at once with the busy message.  One
# password thread makes the queue the same on any machine: 245 hashes of
# even 5 ms are over 1 s (with one thread per CPU, a CI machine of many
# cores drained the whole burst in under a second and refused nothing).
ua_stop_daemon
sed -i 's/^\[daemon\]$/[daemon]\nmax_queue_wait = 1\nhash_threads = 1/' "$TB/etc/userauth.conf"
ua_start_daemon
ok $? "the daemon restarts with max_queue_wait = 1, hash_threads = 1"
expect_rc 0 "  ... and says it runs one password thread" \
	grep -q 'serving [0-9]* pool(s) on .* with 1 password thread(s)' "$TB/daemon.log"
# the wrong burst above counted against bea: start her afresh
expect_rc 0 "  ... bea unlocked after the wrong burst" uactl user unlock customer bea
# Three bursts at once; a login of theirs that arrives once the others'
# answers are queued may itself be refused as busy at its INITIATE (it was
# not under way yet), but none that started may fail or be lost.
burst3 85 >"$TB/burst-a" &
A=$!
ua_wait_for 100 sh -c "[ \$(grep -c \"user='be[axy]' .*result=ok\" '$TB/daemon.log') -ge 265 ]"
out=$($BURST "$TB/run/public.sock" customer bea "$PW" 20 10)
wait $A
echo "# under way: $(cat "$TB/burst-a"); arriving meanwhile: $out"
set -- $(cat "$TB/burst-a")
expect_rc 0 "the bursts under way: every login that started was accepted ($*)" \
	test "$2 $3 $5" = "fail=0 unavailable=0 lost=0" -a $(( ${1#ok=} + ${4#busy=} )) = 255
set -- $out
expect_rc 0 "  ... logins arriving meanwhile are refused as busy, not lost ($out)" \
	test "${4#busy=}" -gt 0 -a "$5" = lost=0
expect_rc 0 "  ... and audited result=busy" grep -q 'event=auth result=busy' "$TB/daemon.log"

# Audit lines quote every value: a crafted pool or identifier cannot add
# fields, and an identifier that is no name or address is logged hashed.
$PY "$top_srcdir/tests/tools/hold.py" "$TB/run/public.sock" "x user='root' result=ok" bea 1 0 >/dev/null
$PY "$top_srcdir/tests/tools/hold.py" "$TB/run/public.sock" customer "Pw typed here! 9z" 1 0 >/dev/null
expect_rc 0 "a crafted pool name is quoted in the log, never a field of its own" \
	sh -c "! grep -E \"(^| )user='root'\" '$TB/daemon.log'"
expect_rc 0 "an identifier that is no name or address is not logged as typed" \
	sh -c "! grep -q 'Pw typed here' '$TB/daemon.log'"
ua_stop_daemon
ua_start_daemon
$PY -c '
import socket, struct, sys
def f(fields):
    b = struct.pack(">HHH", 1, 3, len(fields))
    for t, v in fields:
        b += struct.pack(">HH", t, len(v)) + v
    return struct.pack(">I", len(b)) + b
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(f([(1, b"customer"), (2, b"Pw typed here! 9z"), (3, b"burst")]))
s.recv(65536)
b = struct.pack(">HHH", 1, 5, 2) + struct.pack(">HH", 8, 8) + b"PASSWORD" + struct.pack(">HH", 9, 5) + b"wrong"
s.sendall(struct.pack(">I", len(b)) + b)
s.recv(65536)' "$TB/run/public.sock" 2>/dev/null
expect_rc 0 "  ... but as a short keyed hash (user=hash:...)" \
	grep -Eq "user=hash:[0-9a-f]{16} .*result=(fail|retry)" "$TB/daemon.log"

if grep -q "$PW" "$TB/daemon.log"; then
	ok 1 "the password is in no log"
else
	ok 0 "the password is in no log"
fi
ua_finish
