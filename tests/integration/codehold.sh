#!/bin/sh
# SPDX-License-Identifier: MIT
# A code answered at once is replied to otp_min_answer_age after its
# challenge, for a real user and a made-up one alike (SECURITY.md S3: the
# judging of a real user's code ran beside its mail's outcome being
# written, which told the classes apart by a fraction of a millisecond;
# BENCHMARKS.md, enumeration by timing).  Wrong and right codes, the key's
# own figure and 0, an answer after the hold, PING meanwhile, and WAIT
# frames that keep the module waiting through a long hold.  Own mount and
# network namespaces, an aiosmtpd sink; prints TAP; needs root.
. "$top_srcdir/tests/integration/lib.sh"
PY=/usr/bin/python3
if [ -z "${UA_IN_NS:-}" ]; then
	$PY -c 'import aiosmtpd' 2>/dev/null ||
		skip_all "needs python3-aiosmtpd for $PY"
fi
ua_enter_netns "$@"
ua_scratch
ua_nss_setup
PORT=2525
MAILDIR=$TB/mail
SOCK=$TB/run/public.sock
$PY "$top_srcdir/tests/tools/smtpsink.py" --port $PORT --maildir "$MAILDIR" \
	>"$TB/sink.out" 2>&1 &
UA_PIDS="$UA_PIDS $!"
ua_wait_for 100 grep -q "^listening $PORT" "$TB/sink.out"
ua_write_conf <<CONF
[mail]
smtp_url = smtp://127.0.0.1:$PORT
[defaults]
shell = /bin/sh
mail_from = codes@example.com
first_factors = email_otp
otp_resend_cooldown = 0
otp_per_hour = 100
otp_per_day = 100
[pool customer]
uid_min = 400000
uid_max = 400999
gid_min = 300000
gid_max = 300999
[pool quick]
uid_min = 410000
uid_max = 410999
gid_min = 310000
gid_max = 310999
otp_min_answer_age = 0
otp_answer_delay_ms = 0
[pool late]
uid_min = 430000
uid_max = 430999
gid_min = 330000
gid_max = 330999
otp_min_answer_age = 0
otp_answer_delay_ms = 400
[pool slow]
uid_min = 420000
uid_max = 420999
gid_min = 320000
gid_max = 320999
otp_min_answer_age = 5
otp_tries = 1
CONF
MOD=$(ua_reachable "$top_builddir/pam_userauth/.libs/pam_userauth.so")
PAMCONV=$(ua_reachable "$top_builddir/tests/tools/pamconv")
mkdir -p "$TB/pam"
printf 'auth required %s pool=slow socket=%s timeout=3\n' "$MOD" "$SOCK" >"$TB/pam/ua-slow"
printf 'auth required pam_deny.so\n' >"$TB/pam/other"

# The unread mail to $1: its code (polls up to 10 s), marked read and
# kept in $3; with a fourth argument, every mail so far is marked read.
cat >"$TB/code.py" <<'EOF'
import mailbox, re, sys, time
md, rcpt = sys.argv[1:3]
if len(sys.argv) > 4:  # --drain: mark what came so far read
    mb = mailbox.Maildir(md, create=False)
    for key in mb.keys():
        m = mb[key]
        m.set_subdir("cur")
        mb[key] = m
    sys.exit(0)
end = time.time() + 10
while time.time() < end:
    mb = mailbox.Maildir(md, create=False)
    for key in mb.keys():
        m = mb[key]
        to = (m.get("X-RcptTo") or m.get("To") or "").strip().lower()
        if to == rcpt and m.get_subdir() == "new":
            body = m.get_payload(decode=True).decode()
            m.set_subdir("cur")
            mb[key] = m
            code = re.search(r"(?<![0-9])[0-9]{8}(?![0-9])", body).group(0)
            with open(sys.argv[3], "a") as f:
                f.write(code + "\n")
            print(code)
            sys.exit(0)
    time.sleep(0.02)
sys.exit("no mail for " + rcpt)
EOF
ct() { $PY "$top_srcdir/tests/tools/codetime.py" "$SOCK" "$@"; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
# between LINE FIELD LO HI: LO <= the line's FIELD (ms) <= HI
between() {
	v=$(echo "$1" | field "$2")
	[ -n "$v" ] && [ "$v" -ge "$3" ] && [ "$v" -le "$4" ]
}

ua_start_daemon
ok $? "daemon starts"
users() {
	uactl user add customer cara --email cara@example.com &&
		uactl user add quick quin --email quin@example.com &&
		uactl user add slow sol --email sol@example.com &&
		uactl user add late lars --email lars@example.com
}
expect_rc 0 "a user in each pool" users
expect_rc 0 "userauthd -T shows the default, otp_min_answer_age = 1" \
	sh -c "$top_builddir/userauthd -T -c $TB/etc/userauth.conf | grep -qx 'otp_min_answer_age = 1'"
printf '[pool p]\notp_min_answer_age = 6\n' >"$TB/bad.conf"
"$top_builddir/userauthd" -t -c "$TB/bad.conf" >"$TB/bad.out" 2>&1
expect_rc 0 "userauthd -t refuses otp_min_answer_age = 6 (0 to 5)" \
	grep -q 'otp_min_answer_age.*from 0 to 5' "$TB/bad.out"
expect_rc 0 "userauthd -T shows the default, otp_answer_delay_ms = 50" \
	sh -c "$top_builddir/userauthd -T -c $TB/etc/userauth.conf | grep -qx 'otp_answer_delay_ms = 50'"
printf '[pool p]\notp_answer_delay_ms = 1001\n' >"$TB/bad.conf"
"$top_builddir/userauthd" -t -c "$TB/bad.conf" >"$TB/bad.out" 2>&1
expect_rc 0 "userauthd -t refuses otp_answer_delay_ms = 1001 (0 to 1000)" \
	grep -q 'otp_answer_delay_ms.*from 0 to 1000' "$TB/bad.out"

# The default (1 s): a wrong code at once, a real user and an unknown name.
r=$(ct customer cara@example.com 0 00000000)
echo "# real, wrong, at once: $r"
expect_rc 0 "cara's wrong code answered at once: 'Wrong code' again" \
	test "$(echo "$r" | field reply)" = CHALLENGE:EMAIL_OTP
expect_rc 0 "  ... replied to 1 s after the challenge, not before ($(echo "$r" | field since_challenge_ms) ms)" \
	between "$r" since_challenge_ms 990 2500
f=$(ct customer nobody@example.com 0 00000000)
echo "# unknown, wrong, at once: $f"
expect_rc 0 "an unknown address's wrong code at once: the same reply" \
	test "$(echo "$f" | field reply)" = CHALLENGE:EMAIL_OTP
expect_rc 0 "  ... at the same 1 s ($(echo "$f" | field since_challenge_ms) ms)" \
	between "$f" since_challenge_ms 990 2500
$PY "$TB/code.py" "$MAILDIR" cara@example.com - --drain
r=$(ct customer cara@example.com 0 --cmd "$PY $TB/code.py $MAILDIR cara@example.com $TB/codes")
echo "# real, right, at once: $r"
expect_rc 0 "cara's right code, read from her mail at once, signs her in" \
	test "$(echo "$r" | field reply)" = RESULT:OK
expect_rc 0 "  ... 1 s after the challenge ($(echo "$r" | field since_challenge_ms) ms)" \
	between "$r" since_challenge_ms 990 2500
r=$(ct customer cara@example.com 1300 00000000)
echo "# real, wrong, after 1.3 s: $r"
expect_rc 0 "an answer 1.3 s after the challenge is replied to otp_answer_delay_ms (50) after it, not 1 s ($(echo "$r" | field since_answer_ms) ms)" \
	between "$r" since_answer_ms 49 700
expect_rc 0 "  ... and is judged ('Wrong code')" \
	test "$(echo "$r" | field reply)" = CHALLENGE:EMAIL_OTP

# otp_min_answer_age = 0 and otp_answer_delay_ms = 0: no hold.  This
# fails if the hold were not the keys' doing (a reply slowed by something
# else).
r=$(ct quick quin@example.com 0 00000000)
echo "# quick pool: $r"
expect_rc 0 "both keys 0: a wrong code at once is replied to at once ($(echo "$r" | field since_challenge_ms) ms)" \
	between "$r" since_challenge_ms 0 300
# otp_answer_delay_ms = 400, counted from the answer: at once and after
# 600 ms alike.
r=$(ct late lars@example.com 0 00000000)
echo "# late pool, at once: $r"
expect_rc 0 "otp_answer_delay_ms = 400: a wrong code at once is replied to 400 ms after it ($(echo "$r" | field since_answer_ms) ms)" \
	between "$r" since_answer_ms 399 1000
r=$(ct late lars@example.com 600 00000000)
echo "# late pool, after 600 ms: $r"
expect_rc 0 "  ... and one sent 600 ms after its challenge too ($(echo "$r" | field since_answer_ms) ms)" \
	between "$r" since_answer_ms 399 1000
expect_rc 0 "  ... still judged ('Wrong code')" \
	test "$(echo "$r" | field reply)" = CHALLENGE:EMAIL_OTP

# The loop is not held: PING and another pool's login meanwhile.
ct slow sol@example.com 0 00000000 >"$TB/slow.out" 2>&1 &
SLOW=$!
sleep 0.3
t0=$(date +%s%N)
ping=$($PY "$top_srcdir/tests/tools/sockpoke.py" ping "$SOCK")
t1=$(date +%s%N)
expect_rc 0 "during a 5 s hold PING is answered ($ping), within 500 ms ($(((t1 - t0) / 1000000)) ms)" \
	test -n "$ping" -a $(((t1 - t0) / 1000000)) -le 500
q=$(ct quick quin@example.com 0 00000000)
expect_rc 0 "  ... and another login's code reply is not held up ($(echo "$q" | field since_challenge_ms) ms)" \
	between "$q" since_challenge_ms 0 200
wait $SLOW
r=$(cat "$TB/slow.out")
echo "# slow pool: $r"
expect_rc 0 "otp_min_answer_age = 5: replied to 5 s after the challenge ($(echo "$r" | field since_challenge_ms) ms)" \
	between "$r" since_challenge_ms 4990 6500
expect_rc 0 "  ... with WAIT frames meanwhile (every 2 s: $(echo "$r" | field waits))" \
	test "$(echo "$r" | field waits)" -ge 2

# Through the module: timeout=3 is less than the 5 s hold, yet the WAIT
# frames keep it waiting, and its one wrong code (otp_tries = 1) ends the
# login as a failure, not as a time-out (PAM_AUTHINFO_UNAVAIL).
"$PAMCONV" -C "$TB/pam" ua-slow sol@example.com 00000000 \
	>"$TB/tx.slow" 2>&1
rc=$?
sed 's/^/# /' "$TB/tx.slow"
expect_rc 0 "through the module (timeout=3 < the 5 s hold): a failure, not a time-out (PAM $rc)" \
	grep -q '^authenticate: 7 ' "$TB/tx.slow"
expect_rc 0 "the code read from the mail is in no log line" \
	sh -c "test -s '$TB/codes' && ! grep -qFf '$TB/codes' '$TB/daemon.log'"
ua_finish
