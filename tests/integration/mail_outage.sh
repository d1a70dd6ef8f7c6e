#!/bin/sh
# SPDX-License-Identifier: MIT
# The relay refuses connections (nothing listens on its port) for 60 s,
# under the daemon's default retry schedule (no retry_max_interval in the
# configuration): a login's mailed code is tried at once, then after
# 1, 2, 4, 8, 16 and then every 30 s, each +-20 % and never more than the
# 30 s cap (userauthd(8); mailq_backoff_ms).  Each attempt's log line is
# stamped as it is written; the spacing of every attempt, their count
# during the outage, the delivery at the next attempt after the relay is
# back (once), and the code signing the waiting login in are checked.
# otp_lifetime 150 s, so the code outlives a 60 s outage and the 30 s
# wait after it; login_lifetime 300 s, so the login waits at its prompt.
# About 70-95 s, nearly all of it waiting: listed first in local.mk.
# Own mount and network namespaces; prints TAP; needs root.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
if [ -z "${UA_IN_NS:-}" ]; then
	$PY -c 'import aiosmtpd' 2>/dev/null ||
		skip_all "needs python3-aiosmtpd for $PY"
	[ -f "$top_builddir/pam_userauth/.libs/pam_userauth.so" ] ||
		skip_all "pam_userauth.so was not built (no PAM headers?)"
fi
ua_need_tools ip mkfifo
ua_enter_netns "$@"
ua_scratch
ua_nss_setup
T_START=$(date +%s)

PORT=2525
OUTAGE=60	# seconds the relay refuses, from the first attempt
CAP=30		# the default retry_max_interval, seconds (userauthd(8))
LIFETIME=150	# otp_lifetime in the pool below
SOCK=$TB/run/public.sock
MOD=$(ua_reachable "$top_builddir/pam_userauth/.libs/pam_userauth.so")
PAMCONV=$(ua_reachable "$top_builddir/tests/tools/pamconv")
now_ms() { echo $(($(date +%s%N) / 1000000)); }

ua_write_conf <<EOF
login_lifetime = 300
[mail]
smtp_url = smtp://127.0.0.1:$PORT
[defaults]
shell = /bin/sh
mail_from = signin@example.com
[pool customer]
uid_min = 200000
uid_max = 200009
gid_min = 300000
gid_max = 300009
otp_lifetime = $LIFETIME
EOF
if grep -q retry_max_interval "$TB/etc/userauth.conf"; then
	ok 1 "the configuration leaves the retry schedule at its default"
else ok 0 "the configuration leaves the retry schedule at its default"; fi
ua_start_daemon
ok $? "userauthd starts, nothing listening on the relay's port $PORT"
expect_rc 0 "pool user oscar (no password: he is mailed a code)" \
	uactl user add customer oscar --email oscar@example.com
mkdir -p "$TB/pam"
echo "auth required $MOD pool=customer socket=$SOCK" >"$TB/pam/ua"
printf 'auth required pam_deny.so\n' >"$TB/pam/other"
chmod 0644 "$TB/pam/"*

# Each mail line of the daemon's log, stamped (wall clock, ms) as it
# appears: "MS LINE" in $TB/stamps (the log from its start: no mail
# line comes before this).
cat >"$TB/follow.py" <<'EOF'
import sys, time
src, dst = sys.argv[1], sys.argv[2]
out = open(dst, "a", buffering=1)
f = open(src, "rb")
buf = b""
print("ready", flush=True)
while True:
    chunk = f.read()
    if not chunk:
        time.sleep(0.01)
        continue
    ms = time.time_ns() // 1000000
    buf += chunk
    *lines, buf = buf.split(b"\n")
    for line in lines:
        if b"event=mail " in line:
            out.write("%d %s\n" % (ms, line.decode("utf-8", "replace")))
EOF
: >"$TB/stamps"
$PY "$TB/follow.py" "$TB/daemon.log" "$TB/stamps" >"$TB/follow.out" 2>&1 &
UA_PIDS="$UA_PIDS $!"
ua_wait_for 100 grep -qx ready "$TB/follow.out"
ok $? "a follower stamps the daemon's mail log lines as they come"

# --- the login whose code cannot be mailed ---------------------------------------
rm -f "$TB/fifo"
mkfifo "$TB/fifo"
"$PAMCONV" -C "$TB/pam" -f "$TB/fifo" ua oscar >"$TB/tx.login" 2>&1 9>&- &
CONV=$!
UA_PIDS="$UA_PIDS $CONV"
exec 9>"$TB/fifo"
ua_wait_for 100 grep -q 'Code: ' "$TB/tx.login"
ok $? "oscar's login: the code prompt comes at once, the relay refusing"
ISSUED=$(now_ms)
ua_wait_for 100 grep -q 'result=retry attempts=1 ' "$TB/stamps"
ok $? "  ... the first attempt is refused and the mail stays queued"
ID=$(sed -n 's/.* event=mail id=\([0-9]*\) .*result=retry attempts=1 .*/\1/p' "$TB/stamps" | head -n 1)
FIRST=$(awk '/result=retry attempts=1 / { print $1; exit }' "$TB/stamps")

# The relay comes back $OUTAGE s after the first attempt.
left=$(((FIRST + OUTAGE * 1000 - $(now_ms)) / 1000 - 1))
[ "$left" -gt 0 ] && sleep "$left"
while [ "$(now_ms)" -lt $((FIRST + OUTAGE * 1000)) ]; do sleep 0.05; done
UP=$(now_ms)
$PY "$top_srcdir/tests/tools/smtpsink.py" --port $PORT --maildir "$TB/mail" \
	--log "$TB/sink.log" --stamp "$TB/sink.stamps" >"$TB/sink.out" 2>&1 9>&- &
UA_PIDS="$UA_PIDS $!"
ua_wait_for 100 grep -q '^listening' "$TB/sink.out"
ok $? "the relay is back $(((UP - FIRST) / 1000)) s after the first attempt"
ua_wait_for $(((CAP + 5) * 10)) grep -q " event=mail id=$ID .*result=sent" "$TB/stamps"
ok $? "  ... and the mail is sent"

# --- the schedule, from the stamped lines ------------------------------------------
# Every attempt of row $ID in order; the outage's are those before $UP.
cat >"$TB/schedule.py" <<'EOF'
import re, sys
stamps, rid, up, cap = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
what = sys.argv[5]
att = []
for line in open(stamps):
    ms, rest = line.split(" ", 1)
    m = re.search(r" event=mail id=%s .*result=(\w+) attempts=(\d+)(?: error=(.*))?" % rid, rest)
    if m:
        att.append((int(m.group(2)), int(ms), m.group(1), m.group(3) or ""))
ks = [a[0] for a in att]
out = [a for a in att if a[1] < up]
after = [a for a in att if a[1] >= up]
# the k-th interval follows the k-th failure: 2^(k-1) s, capped, then
# 80-120 % of it and never above the cap; some slack for the stamping
# (10 ms polls) and a busy machine's wake-ups
def bounds(k):
    d = min(2 ** (k - 1), cap)
    return 0.8 * d - 0.15, min(1.2 * d, cap) + 2.0
gaps = []
for i in range(1, len(att)):
    k = att[i - 1][0]
    g = (att[i][1] - att[i - 1][1]) / 1000
    lo, hi = bounds(k)
    gaps.append((k, g, lo, hi))
if what == "show":
    print("attempts: " + " ".join("%d:%s@%.2f" % (a[0], a[2], (a[1] - att[0][1]) / 1000) for a in att))
    print("gaps: " + " ".join("%.2f[%.2f,%.2f]" % (g, lo, hi) for k, g, lo, hi in gaps))
    sys.exit(0)
if what == "numbered":   # attempts 1, 2, ... with none missing or repeated
    sys.exit(ks != list(range(1, len(ks) + 1)))
if what == "count":      # print the outage's count
    print(len(out))
    sys.exit(0)
if what == "refused":    # each outage attempt a retry, refused
    sys.exit(not out or not all(a[2] == "retry" and re.search("connect", a[3], re.I) for a in out))
if what == "spacing":    # each gap within its bounds
    bad = [x for x in gaps if not (x[2] <= x[1] <= x[3])]
    print(" ".join("after %d: %.2f s not in [%.2f, %.2f]" % x for x in bad))
    sys.exit(bool(bad) or len(gaps) < 5)
if what == "delivery":   # the first attempt after the relay is back sends it, the last one
    sys.exit(not after or after[0][2] != "sent" or len(after) != 1)
if what == "sent_after": # ms from the relay's return to the sending attempt
    print(after[0][1] - up if after else -1)
EOF
sched() { $PY "$TB/schedule.py" "$TB/stamps" "$ID" "$UP" "$CAP" "$@"; }
sched show | sed 's/^/# /'
N_OUT=$(sched count)
expect_rc 0 "every attempt of the row logged, numbered 1, 2, ... without a gap" sched numbered
expect_rc 0 "  ... each during the outage a refused connection, retried" sched refused
expect_rc 0 "  ... $N_OUT during the $OUTAGE s outage: 6 or 7 on the schedule (at 0, ~1, ~3, ~7, ~15, ~31, ~61 s, each step +-20 %)" \
	test "$N_OUT" -ge 6 -a "$N_OUT" -le 7
expect_rc 0 "  ... each spaced 1, 2, 4, 8, 16, then 30 s after the one before, +-20 %, never more than the $CAP s cap" \
	sched spacing
expect_rc 0 "  ... the relay back, the next attempt on the schedule sends it, and nothing follows" \
	sched delivery
SENT_AFTER=$(sched sent_after)
expect_rc 0 "  ... within one capped interval of the relay's return (${SENT_AFTER} ms, at most $CAP s)" \
	test "$SENT_AFTER" -ge 0 -a "$SENT_AFTER" -le $((CAP * 1000 + 1500))

# --- exactly once ------------------------------------------------------------------
mails() { find "$TB/mail/new" "$TB/mail/cur" -type f 2>/dev/null | wc -l; }
expect_rc 0 "the relay has exactly one message ($(mails)), taken once ($(grep -c '^data 250' "$TB/sink.log") end of DATA answered 250)" \
	test "$(mails)" -eq 1 -a "$(grep -c '^data 250' "$TB/sink.log")" -eq 1
uactl --json mailq >"$TB/q.json"
expect_rc 0 "  ... the row: sent, after $((N_OUT + 1)) attempts ($N_OUT refused, 1 sent)" $PY -c '
import json, sys
r = [r for r in json.load(open(sys.argv[1])) if r["id"] == int(sys.argv[2])]
print(r)
sys.exit(not (len(r) == 1 and r[0]["state"] == "sent" and r[0]["attempts"] == int(sys.argv[3])))
' "$TB/q.json" "$ID" $((N_OUT + 1))
expect_rc 0 "  ... one sent line in the log" \
	test "$(grep -c " event=mail id=$ID .*result=sent" "$TB/daemon.log")" -eq 1

# --- the mailed code signs the waiting login in ------------------------------------
CODE=$($PY -c '
import email, email.policy, glob, re, sys
fs = glob.glob(sys.argv[1] + "/new/*")
m = email.message_from_binary_file(open(fs[0], "rb"), policy=email.policy.default)
print(re.search(r"(?<![0-9])[0-9]{8}(?![0-9])", m.get_body(("plain",)).get_content()).group(0))
' "$TB/mail")
AGE=$((($(now_ms) - ISSUED) / 1000))
printf '%s\n' "$CODE" >&9
exec 9>&-
wait $CONV
r=$?
expect_rc 0 "oscar answers the mailed code $AGE s after it was issued (otp_lifetime $LIFETIME): signed in (exit $r)" \
	sh -c "[ $r -eq 0 ] && grep -q '^authenticate: 0 ' '$TB/tx.login'"
expect_rc 0 "  ... audited ok" \
	grep -q "event=auth .*user='oscar' .*result=ok" "$TB/daemon.log"
expect_rc 0 "the code is not in the daemon's log" \
	sh -c "[ -n '$CODE' ] && ! grep -q '$CODE' '$TB/daemon.log'"
ua_stop_daemon
ok 0 "done (whole test: $(($(date +%s) - T_START)) s)"
ua_finish
