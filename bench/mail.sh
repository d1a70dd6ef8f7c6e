#!/bin/sh
# SPDX-License-Identifier: MIT
# OTP mail latency section of the benchmarks (BENCHMARKS.md), run by
# bench/run:
#   bench/run mail            1 concurrent (20 logins one after another)
#                             and 100 concurrent, 3 repetitions each
#   bench/run --smoke mail    1 (3 logins) and 5 concurrent, 3 repetitions
# "Code issued": the moment the login's process got the daemon's EMAIL_OTP
# challenge (pam_userauth calls the conversation right after the reply;
# CLOCK_REALTIME).  "Accepted": the sink's stamp at the end of DATA
# (tests/tools/smtpsink.py --stamp; same machine, same clock).  Each login
# is completed with its code, so a lost or wrong mail is an error.
# The set-up (namespaces, daemon, sink, users) is bench/load.sh's.
# Environment: BENCH_CONC (the concurrent size), BENCH_SEQ, BENCH_REPS.
set -u
: "${top_builddir:=.}"
: "${top_srcdir:=$(dirname "$0")/..}"
export top_builddir top_srcdir
SMOKE=""
[ "${1:-}" = "--smoke" ] && SMOKE=1
if [ -n "$SMOKE" ]; then
	CONC=${BENCH_CONC:-5}; SEQ=${BENCH_SEQ:-3}; REPS=3
else
	CONC=${BENCH_CONC:-100}; SEQ=${BENCH_SEQ:-20}; REPS=${BENCH_REPS:-3}
fi
BENCH_LIB=1 . "$top_srcdir/bench/load.sh"
bench_enter "$@"
FAILED=0
NU=$((CONC > SEQ ? CONC : SEQ))
bench_setup $((NU + 16))
bench_users 0 "$NU"
bench_specs "$TB/seq" 0 "$SEQ"
bench_specs "$TB/conc" 0 "$CONC"
# A first mail outside the figures: the sender thread's first transfer.
bench_specs "$TB/warm" 0 1
bench_login "$TB/warm.out" "$TB/warm"
: >"$TB/runs.1"
: >"$TB/runs.c"
r=1
while [ $r -le $REPS ]; do
	bench_login "$TB/runs.1" -c 1 "$TB/seq"
	bench_settle 0
	bench_login "$TB/runs.c" -c "$CONC" -o "$TB/rec.c.$r" "$TB/conc"
	bench_settle 0
	r=$((r + 1))
done

echo "## OTP mail: code issued -> message accepted by a local SMTP server (ms; $REPS repetitions)"
echo
echo "| concurrent users | mails per rep | median p50 ms (min–max) | median p99 ms (min–max) | max ms (worst rep) | errors | SMTP connections per rep | target |"
echo "|---|---|---|---|---|---|---|---|"
row() { # FILE CONC MAILS
	echo "| $2 | $3 | $(spread "$1" mail_p50_ms) | $(spread "$1" mail_p99_ms) | $(agg "$1" mail_max_ms | cut -d'|' -f3) | $(($(total "$1" errors) + $(total "$1" mail_missing))) | $(tr ' ' '\n' <"$1" | sed -n 's/^mail_conns=//p' | tr '\n' ' ' | sed 's/ $//') | p50 <= 50 ms, p99 <= 250 ms |"
}
row "$TB/runs.1" 1 "$SEQ (one at a time)"
row "$TB/runs.c" "$CONC" "$CONC (at once)"
echo
echo "### Whole OTP login (release -> pam_acct_mgmt done, the code read from the Maildir and answered)"
echo
echo "| concurrent users | median p50 ms (min–max) | median p99 ms (min–max) | max ms (worst rep) |"
echo "|---|---|---|---|"
echo "| 1 | $(spread "$TB/runs.1" otp_p50_ms) | $(spread "$TB/runs.1" otp_p99_ms) | $(agg "$TB/runs.1" otp_max_ms | cut -d'|' -f3) |"
echo "| $CONC | $(spread "$TB/runs.c" otp_p50_ms) | $(spread "$TB/runs.c" otp_p99_ms) | $(agg "$TB/runs.c" otp_max_ms | cut -d'|' -f3) |"
echo
echo "### Notes"
# Where the time of a burst goes: the daemon hands out the challenges
# (codes issued) over some span, and the mails reach the sink over another.
for f in "$TB"/rec.c.*; do
	awk '$6 >= 0 { i = $6 > i ? $6 : i; m = $6 + $7 > m ? $6 + $7 : m }
		END { printf "%.0f %.0f\n", i, m }' "$f"
done >"$TB/spans"
note "$CONC at once, per repetition: last challenge seen / last mail accepted, ms after the release: $(awk '{ printf "%s%s / %s", (NR > 1 ? "; " : ""), $1, $2 }' "$TB/spans") (the sink alone takes ~2.6 ms a message over 4 fresh connections here)"
note "duplicate mails: $(($(total "$TB/runs.1" dup_mails) + $(total "$TB/runs.c" dup_mails))); mails never stamped: $(($(total "$TB/runs.1" mail_missing) + $(total "$TB/runs.c" mail_missing)))"
note "the daemon sends with at most 4 transfers at a time (MAILER_PARALLEL) and a new SMTP connection per message (CURLOPT_FORBID_REUSE): compare 'SMTP connections per rep' with the mails"
note "daemon log: $(log_counts)"
note "daemon log lines that report trouble: $(log_trouble | wc -l)"
echo "$NOTES" | sed '/^$/d; s/^/- /'
log_trouble | sed -E 's/^userauthd\[[0-9]+\]: //' | sort | uniq -c | sort -rn |
	head -10 | sed 's/^/    /'
[ -n "${UA_KEEP:-}" ] && echo "- scratch kept in $TB"
exit $FAILED
