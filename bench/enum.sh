#!/bin/sh
# SPDX-License-Identifier: MIT
# Enumeration by timing section of the benchmarks (BENCHMARKS.md,
# SECURITY.md S3), run by bench/run:
#   bench/run enum            200 runs per class
#   bench/run --smoke enum    5 runs per class (every row measured)
# Does the time the daemon takes to answer a wrong answer tell whether the
# identifier exists?  Eight classes of wrong logins on the public socket
# (bench/enumtime.py, one connection per run, the classes interleaved in a
# random order so drift hits all alike, each run from a remote host of its
# own, 10.88.x.y):
#   (a) a real user, wrong password      (b) an unknown login name
#   (c) an unknown email address         (d) a disabled user, wrong password
#   (e) a real user, wrong emailed code  (f) an unknown name, wrong code
#   (g), (h): (e) and (f) in a pool with otp_min_answer_age = 0 and
#   otp_answer_delay_ms = 0, the control: what the default hold of a
#   code's reply hides
#   (e'), (f'): (e) and (f) answered 1.1 s after the challenge, past the
#   hold from the challenge: only otp_answer_delay_ms covers them
# timed in the client from sending the answer to reading the RESULT (or the
# next CHALLENGE).  Pairs a-b, a-c, a-d, e-f, g-h: Mann-Whitney U (normal
# approximation, tie correction), "DIFFERENCE" when p <= 0.01.  A found
# difference is reported, not failed: the section exits non-zero only when
# a run could not be measured.
# Throttling is kept out of the path: throttle_pair_after = 100,
# throttle_account_after = 1000, throttle_host_after = 100000 and
# lock_after = 100 (its ceiling), and each class's runs rotate over 10
# identifiers, so no account or identifier gets more than 20 (+2 warm-up)
# failures (the g' and e' passes below: 20 more each) and none is locked (a locked account's answer is not judged).
# Codes go to the aiosmtpd sink (tests/tools/smtpsink.py) on a loopback
# of our own; namespaces as bench/load.sh.  Env: BENCH_RUNS, BENCH_SEED.
set -u
: "${top_builddir:=.}"
: "${top_srcdir:=$(dirname "$0")/..}"
export top_builddir top_srcdir
SMOKE=""
[ "${1:-}" = "--smoke" ] && SMOKE=1
if [ -n "$SMOKE" ]; then RUNS=${BENCH_RUNS:-5}; else RUNS=${BENCH_RUNS:-200}; fi
SEED=${BENCH_SEED:-$(date +%s)}
BENCH_LIB=1 . "$top_srcdir/bench/load.sh"
bench_enter "$@"
. "$top_srcdir/tests/integration/lib.sh"
ua_scratch
ua_nss_setup
MAILDIR=$TB/mail
ua_write_conf <<EOF
[mail]
smtp_url = smtp://127.0.0.1:$PORT
retry_max_interval = 1
[defaults]
shell = /bin/sh
mail_from = signin@example.com
[pool pw]
uid_min = 520000
uid_max = 524999
gid_min = 530000
gid_max = 534999
first_factors = password
throttle_pair_after = 100
throttle_account_after = 1000
throttle_host_after = 100000
lock_after = 100
[pool otp]
uid_min = 525000
uid_max = 529999
gid_min = 535000
gid_max = 539999
first_factors = email_otp
otp_per_hour = 100
otp_per_day = 1000
otp_resend_cooldown = 0
throttle_pair_after = 100
throttle_account_after = 1000
throttle_host_after = 100000
lock_after = 100
[pool otp0]
uid_min = 540000
uid_max = 544999
gid_min = 545000
gid_max = 549999
first_factors = email_otp
otp_min_answer_age = 0
otp_answer_delay_ms = 0
otp_per_hour = 100
otp_per_day = 1000
otp_resend_cooldown = 0
throttle_pair_after = 100
throttle_account_after = 1000
throttle_host_after = 100000
lock_after = 100
EOF
ua_start_daemon || { echo "enum.sh: userauthd did not start" >&2; cat "$TB/daemon.log" >&2; exit 1; }
$PY "$top_srcdir/tests/tools/smtpsink.py" --port $PORT --maildir "$MAILDIR" \
	>"$TB/sink.out" 2>&1 &
UA_PIDS="$UA_PIDS $!"
ua_wait_for 100 grep -q "^listening $PORT" "$TB/sink.out" ||
	{ echo "enum.sh: SMTP sink did not start" >&2; exit 1; }

# Ten identifiers per class.  Two pools, so that every identifier of a
# class gets the same first challenge: in a pool with both factors an
# unknown name is asked for a code instead of a password half the time
# (policy_fake: as real users without a password are), and that prompt's
# answer takes another path.  Pool "pw" (password only): real (r*) and
# disabled (d*) users with a password; pool "otp" (email_otp only):
# mailed users (m*).  The unknown ones are never added.
NID=10
ids() { i=1; s=""; while [ $i -le $NID ]; do s="$s${s:+,}$(printf "$1" $i)"; i=$((i + 1)); done; echo "$s"; }
i=1
while [ $i -le $NID ]; do
	for u in r d; do
		uactl user add pw $u$i --email $u$i@example.com >/dev/null &&
			set_pw $u$i "Enum-pw-$u$i-k3v9" ||
			{ echo "enum.sh: adding $u$i failed" >&2; exit 1; }
	done
	uactl user add otp m$i --email m$i@example.com >/dev/null ||
		{ echo "enum.sh: adding m$i failed" >&2; exit 1; }
	uactl user add otp0 n$i --email n$i@example.com >/dev/null ||
		{ echo "enum.sh: adding n$i failed" >&2; exit 1; }
	uactl user disable d$i >/dev/null || { echo "enum.sh: disabling d$i failed" >&2; exit 1; }
	i=$((i + 1))
done
WPW=Wrong-guess-7e2a
SPECS="a:pw:PASSWORD:$WPW:$(ids r%d)
b:pw:PASSWORD:$WPW:$(ids ghost%d)
c:pw:PASSWORD:$WPW:$(ids nobody%d@example.com)
d:pw:PASSWORD:$WPW:$(ids d%d)
e:otp:EMAIL_OTP:12345678:$(ids m%d)
f:otp:EMAIL_OTP:12345678:$(ids phantom%d)
g:otp0:EMAIL_OTP:12345678:$(ids n%d)
h:otp0:EMAIL_OTP:12345678:$(ids spectre%d)"
# The same g and h (no hold), answered PAUSE ms after the challenge (by
# then the code's mail is out): whether a g-h difference is the mailer's
# work running beside the answer.  The same identifiers (at most 20 more
# failures each).
PAUSE=300
SPECS2="g':otp0:EMAIL_OTP:12345678:$(ids n%d)
h':otp0:EMAIL_OTP:12345678:$(ids spectre%d)"
# e and f in the default pool answered LATE ms after the challenge, when
# the hold from the challenge (otp_min_answer_age, 1 s) has passed: the
# reply still goes out otp_answer_delay_ms (50 ms) after the answer.
LATE=1100
SPECS3="e':otp:EMAIL_OTP:12345678:$(ids m%d)
f':otp:EMAIL_OTP:12345678:$(ids phantom%d)"
SOCK=$TB/run/public.sock
# A warm-up outside the figures (first hash, first mail, first fake).
# shellcheck disable=SC2086
$PY "$top_srcdir/bench/enumtime.py" "$SOCK" 2 1 10.89 0 $SPECS >/dev/null 2>"$TB/warm.err" ||
	{ echo "enum.sh: warm-up failed" >&2; cat "$TB/warm.err" >&2; }
m0=$(find "$MAILDIR" -type f -path '*/new/*' 2>/dev/null | wc -l)
# shellcheck disable=SC2086
$PY "$top_srcdir/bench/enumtime.py" "$SOCK" "$RUNS" "$SEED" 10.88 0 $SPECS \
	>"$TB/tables" 2>"$TB/enum.err"
FAILED=$?
# shellcheck disable=SC2086
$PY "$top_srcdir/bench/enumtime.py" "$SOCK" "$RUNS" "$SEED" 10.90 $PAUSE $SPECS2 \
	>"$TB/tables2" 2>>"$TB/enum.err" || FAILED=1
# shellcheck disable=SC2086
$PY "$top_srcdir/bench/enumtime.py" "$SOCK" "$RUNS" "$SEED" 10.91 $LATE $SPECS3 \
	>"$TB/tables3" 2>>"$TB/enum.err" || FAILED=1
# Mail is sent after the answer; give the queue a moment to drain.
sleep 2
m1=$(find "$MAILDIR" -type f -path '*/new/*' 2>/dev/null | wc -l)
fakes=$(grep -rlE '^To:.*(ghost|nobody|phantom|spectre)' "$MAILDIR" 2>/dev/null | wc -l)
echo "## Enumeration by timing: the answer's latency per kind of identifier"
echo
echo "$RUNS runs per class, interleaved in random order (seed $SEED), one connection and one remote host each; time from sending the wrong answer to the daemon's next frame, in the client.  Throttling kept out (pair 100, account 1000, host 100000, lock_after 100; 10 identifiers per class)."
echo
cat "$TB/tables"
echo
echo "Classes g and h (no hold) answered $PAUSE ms after the challenge, when the code's mail has gone out:"
echo
cat "$TB/tables2"
echo
echo "Classes e and f (the default pool) answered $LATE ms after the challenge, past the 1 s hold from it (otp_min_answer_age): only the 50 ms from the answer (otp_answer_delay_ms) holds their replies:"
echo
cat "$TB/tables3"
echo
echo "Mails the sink received during the runs: $((m1 - m0)) ($((4 * RUNS)) runs of classes e, g, g' and e'); addressed to an unknown identifier: $fakes."
if [ $FAILED -ne 0 ]; then
	sed 's/^/enum.sh: /' "$TB/enum.err" >&2
fi
exit $FAILED
