#!/bin/sh
# SPDX-License-Identifier: MIT
# Concurrent logins section of the benchmarks (BENCHMARKS.md), run by
# bench/run:
#   bench/run load            500 logins at once (250 password, 250 OTP),
#                             3 repetitions
#   bench/run --smoke load    10 logins at once (5 + 5), 3 repetitions
# One real userauthd, the aiosmtpd sink (tests/tools/smtpsink.py) on a
# loopback of our own (mount and network namespaces, as the integration
# tests do), and bench/loginload: one process per login through libpam and
# pam_userauth.so, all released together.  Reports login latency, errors,
# and the daemon's open fds and RSS before and after (once it settled).
#
# bench/mail.sh sources this file with BENCH_LIB=1 for the set-up below.
# Environment: BENCH_USERS (logins per kind), BENCH_REPS.
set -u
: "${top_builddir:=.}"
: "${top_srcdir:=$(dirname "$0")/..}"
export top_builddir top_srcdir
PY=/usr/bin/python3
PORT=2525

# bench_enter: re-run the calling section in its own mount and network
# namespaces (as root, with what it needs), with the loopback up.
bench_enter() {
	if [ -z "${UA_IN_NS:-}" ]; then
		[ "$(id -u)" -eq 0 ] || { echo "bench/run: needs root (namespaces)" >&2; exit 77; }
		getent passwd userauth >/dev/null || {
			echo "bench/run: needs the userauth system user (tests/tools/install-deps.sh)" >&2
			exit 1
		}
		$PY -c 'import aiosmtpd' 2>/dev/null || {
			echo "bench/run: needs python3-aiosmtpd for $PY" >&2
			exit 1
		}
		UA_IN_NS=1 exec unshare -m -n --propagation private /bin/sh "$0" "$@"
		exit 1
	fi
	ip link set lo up || exit 1
}

# bench_setup MAX_CLIENTS: scratch dir, NSS overlay, a daemon with one pool
# "bench" that mails codes to the sink, the PAM service "ua-bench".
bench_setup() {
	. "$top_srcdir/tests/integration/lib.sh"
	ua_scratch
	ua_nss_setup
	MAILDIR=$TB/mail
	STAMPS=$TB/stamps
	: >"$STAMPS"
	chmod 0644 "$STAMPS"
	# max_clients: every login holds one connection for its whole
	# conversation (an OTP login while the mail travels), so a burst of N
	# logins needs N slots; the default 256 would refuse the rest.
	# otp_per_hour/day at their ceilings and no cooldown: every repetition
	# asks each OTP user for a new code, and the limits are not what is
	# measured (a limited request looks the same but sends no mail).
	# retry_max_interval = 1: a failed attempt shows up as a slow mail,
	# not as a 30 s stall.
	ua_write_conf <<EOF
max_clients = $1
[mail]
smtp_url = smtp://127.0.0.1:$PORT
retry_max_interval = 1
[defaults]
shell = /bin/sh
mail_from = signin@example.com
[pool bench]
uid_min = 500000
uid_max = 509999
gid_min = 510000
gid_max = 519999
first_factors = password email_otp
otp_per_hour = 100
otp_per_day = 1000
otp_resend_cooldown = 0
EOF
	ua_start_daemon || { echo "bench/run: userauthd did not start" >&2; cat "$TB/daemon.log" >&2; exit 1; }
	$PY "$top_srcdir/tests/tools/smtpsink.py" --port $PORT \
		--maildir "$MAILDIR" --stamp "$STAMPS" >"$TB/sink.out" 2>&1 &
	SINK_PID=$!
	UA_PIDS="$UA_PIDS $SINK_PID"
	ua_wait_for 100 grep -q "^listening $PORT" "$TB/sink.out" ||
		{ echo "bench/run: SMTP sink did not start" >&2; exit 1; }
	mkdir -p "$TB/pam"
	# libpam takes a relative module path as relative to its own dir.
	MOD=$(cd "$top_builddir" && pwd)/pam_userauth/.libs/pam_userauth.so
	SOCK=$TB/run/public.sock
	{
		echo "auth required $MOD pool=bench socket=$SOCK"
		echo "account required $MOD pool=bench socket=$SOCK"
	} >"$TB/pam/ua-bench"
	printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$TB/pam/other"
	chmod 0755 "$TB/pam"
	chmod 0644 "$TB/pam/"*
	NOTES=""
}

note() { NOTES="$NOTES
$*"; }

# bench_users NPW NOTP: pool users p1..pNPW with passwords, o1..oNOTP
# without (their first challenge is EMAIL_OTP), imported in one CSV.
bench_users() {
	i=1
	{
		echo "login,email"
		while [ $i -le "$1" ]; do echo "p$i,p$i@example.com"; i=$((i + 1)); done
		i=1
		while [ $i -le "$2" ]; do echo "o$i,o$i@example.com"; i=$((i + 1)); done
	} >"$TB/users.csv"
	uactl user import bench "$TB/users.csv" >"$TB/import.out" 2>&1 ||
		{ echo "bench/run: import failed" >&2; cat "$TB/import.out" >&2; exit 1; }
	# No bulk password op: one passwd per user, each a yescrypt hash on
	# the daemon's loop; two clients at a time hide the CLI's start-up.
	t0=$(date +%s%N)
	export TB top_builddir
	seq 1 "$1" | xargs -P 2 -I{} sh -c \
		'printf "Bench-pw-%s-x7q\n" {} | "$top_builddir/userauthctl" -s "$TB/run/admin.sock" passwd p{} --stdin >/dev/null' ||
		{ echo "bench/run: setting passwords failed" >&2; exit 1; }
	[ "$1" -gt 0 ] && note "setting $1 passwords (userauthctl passwd, one yescrypt hash each, one after the other): $(( ($(date +%s%N) - t0) / 1000000 )) ms"
	return 0
}

# bench_specs FILE NPW NOTP: loginload's spec file, the kinds interleaved.
bench_specs() {
	awk -v np="$2" -v no="$3" 'BEGIN {
		n = np > no ? np : no
		for (i = 1; i <= n; i++) {
			if (i <= np) printf "p%d pw Bench-pw-%d-x7q\n", i, i
			if (i <= no) printf "o%d otp o%d@example.com\n", i, i
		}
	}' >"$1"
}

# bench_login OUTFILE LOGINLOAD-ARGS...: one run; its summary line is
# appended to OUTFILE; failures are named on stderr and kept in $TB.
# Codes are read from $MAILDIR; the mail latency ends at the sink's stamp
# in $STAMPS, or, with STAMPS empty, when the message shows up in the
# Maildir (loginload -D).
bench_login() {
	out=$1
	shift
	if [ -n "$STAMPS" ]; then
		set -- -S "$STAMPS" "$@"
	else
		set -- -D "$@"
	fi
	"$top_builddir/bench/loginload" -C "$TB/pam" -s ua-bench -M "$MAILDIR" \
		"$@" >"$TB/ll.out" 2>"$TB/ll.err"
	rc=$?
	cat "$TB/ll.out" >>"$out"
	if [ $rc -ne 0 ]; then
		echo "bench/run: loginload exit $rc: $(cat "$TB/ll.out")" >&2
		head -20 "$TB/ll.err" >&2
		FAILED=1
	fi
	return 0
}

# agg FILE KEY: "median|min|max" of KEY= over the lines of FILE.
agg() {
	tr ' ' '\n' <"$1" | sed -n "s/^$2=//p" | sort -g | awk '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print "—|—|—"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%s|%s|%s\n", m, v[1], v[NR]
		}'
}
# spread FILE KEY: "median (min–max)"
spread() { agg "$1" "$2" | awk -F'|' '{ printf "%s (%s–%s)", $1, $2, $3 }'; }
# total FILE KEY: the sum of KEY= over the lines.
total() { tr ' ' '\n' <"$1" | sed -n "s/^$2=//p" | awk '{ s += $1 } END { print s + 0 }'; }

# The daemon's open fds and resident memory (kB).
daemon_fds() { ls "/proc/$UA_DAEMON_PID/fd" | wc -l; }
daemon_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$UA_DAEMON_PID/status"; }

# bench_settle SECONDS: no queued mail left, then SECONDS of quiet.
bench_settle() {
	queued() {
		uactl --json mailq | $PY -c 'import json, sys
sys.exit(1 if any(r["state"] == "queued" for r in json.load(sys.stdin)) else 0)'
	}
	ua_wait_for 300 queued || note "mail still queued after 30 s"
	sleep "$1"
}

# How the daemon's audit lines ended: "event result=N ...".
log_counts() {
	grep -oE 'event=(auth|mail|otp) .*result=[a-z]+' "$TB/daemon.log" |
		sed -E 's/^event=([a-z]+) .*result=([a-z]+)$/\1 result=\2/' |
		sort | uniq -c | awk '{ printf "%s%s %s: %d", (NR > 1 ? ", " : ""), $2, $3, $1 }'
}

# Daemon log lines that say something went wrong under load.
log_trouble() {
	grep -Ei 'too many|pausing|refused|timed? ?out|error|fail|busy|locked|result=retry' \
		"$TB/daemon.log" | grep -v 'result=ok' || true
}

# bench_end: the daemon's log in two lines, the notes, the commonest
# trouble lines (timestamps cut so equal lines count); exit with FAILED.
bench_end() {
	note "daemon log: $(log_counts)"
	note "daemon log lines that report trouble: $(log_trouble | wc -l)"
	echo "$NOTES" | sed '/^$/d; s/^/- /'
	log_trouble | sed -E 's/^userauthd\[[0-9]+\]: //' | sort | uniq -c |
		sort -rn | head -10 | sed 's/^/    /'
	[ -n "${UA_KEEP:-}" ] && echo "- scratch kept in $TB"
	exit $FAILED
}

[ -n "${BENCH_LIB:-}" ] && return 0

# --- the load section ---------------------------------------------------------
SMOKE=""
[ "${1:-}" = "--smoke" ] && SMOKE=1
if [ -n "$SMOKE" ]; then
	N=${BENCH_USERS:-5}; REPS=1; SETTLE=1
else
	N=${BENCH_USERS:-250}; REPS=${BENCH_REPS:-3}; SETTLE=5
fi
bench_enter "$@"
FAILED=0
bench_setup $((2 * N + 16))
bench_users "$N" "$N"
bench_specs "$TB/specs" "$N" "$N"
# Warm up (thread pools, SQLite's cache, the first mail) before the
# baseline, so that it is the daemon's steady state, not its start.
bench_specs "$TB/warm" 2 2
bench_login "$TB/warm.out" -c 4 "$TB/warm"
bench_settle "$SETTLE"
FD0=$(daemon_fds)
RSS0=$(daemon_rss)
: >"$TB/runs"
: >"$TB/after"
r=1
while [ $r -le $REPS ]; do
	bench_login "$TB/runs" -c $((2 * N)) -o "$TB/rec.$r" "$TB/specs"
	# Every client has gone by now: time how long the daemon takes to
	# get back to its baseline fds (at most a minute).
	t0=$(date +%s%N)
	k=0
	while [ "$(daemon_fds)" -gt "$FD0" ] && [ $k -lt 600 ]; do
		sleep 0.1
		k=$((k + 1))
	done
	fdt=$(( ($(date +%s%N) - t0) / 1000000 ))
	bench_settle "$SETTLE"
	echo "rep=$r fds_back_after_ms=$fdt fds=$(daemon_fds) rss=$(daemon_rss)" >>"$TB/after"
	r=$((r + 1))
done
FD1=$(daemon_fds)
RSS1=$(daemon_rss)
# Another short wait: memory a slow free would still hand back.
sleep "$SETTLE"
FD2=$(daemon_fds)
RSS2=$(daemon_rss)
# The mail senders of the OTP logins (up to 16 threads, each with its
# stack and its TLS and curl state) stay 60 s idle before they end
# (userauthd(8)): memory once they have.
LATE=$((65 - 2 * SETTLE))
[ "$SETTLE" -lt 5 ] && LATE=0
sleep "$LATE"
FD3=$(daemon_fds)
RSS3=$(daemon_rss)

echo "## Concurrent logins: $((2 * N)) at once against one daemon ($N password + $N OTP, one process each; $REPS repetitions)"
echo
echo "Latency: from the release of the burst (every process holds its PAM handle) to the end of pam_acct_mgmt; an OTP login includes its mail's way to the sink and back."
echo
echo "| logins | kind | median p50 ms (min–max) | median p99 ms (min–max) | max ms (worst rep) | burst wall ms (median) | wrong refusals (errors) | busy refusals | target |"
echo "|---|---|---|---|---|---|---|---|---|"
errs=$(total "$TB/runs" errors)
busy=$(total "$TB/runs" busy)
echo "| $((2 * N)) | all | $(spread "$TB/runs" p50_ms) | $(spread "$TB/runs" p99_ms) | $(agg "$TB/runs" max_ms | cut -d'|' -f3) | $(agg "$TB/runs" wall_ms | cut -d'|' -f1) | $errs of $((2 * N * REPS)) | $busy | 0 wrong refusals; busy counted apart; p50/p99 reported |"
echo "| $N | password | $(spread "$TB/runs" pw_p50_ms) | $(spread "$TB/runs" pw_p99_ms) | $(agg "$TB/runs" pw_max_ms | cut -d'|' -f3) | | | | |"
echo "| $N | OTP | $(spread "$TB/runs" otp_p50_ms) | $(spread "$TB/runs" otp_p99_ms) | $(agg "$TB/runs" otp_max_ms | cut -d'|' -f3) | | | | |"
echo
echo "| daemon | baseline (after warm-up) | after $REPS bursts, settled ${SETTLE} s | ${SETTLE} s later | $((2 * SETTLE + LATE)) s after, the mail senders ended | target |"
echo "|---|---|---|---|---|---|"
fdok=$([ "$FD3" -le "$FD0" ] && echo yes || echo "**no** (+$((FD3 - FD0)))")
rssd=$((RSS3 - RSS0))
echo "| open fds | $FD0 | $FD1 | $FD2 | $FD3 | back to baseline: $fdok |"
echo "| VmRSS kB | $RSS0 | $RSS1 | $RSS2 | $RSS3 | back to baseline: $([ $rssd -le 0 ] && echo yes || echo "**no** (+$rssd kB)") |"
echo
echo "### Notes"
note "per repetition after settling: $(tr '\n' ';' <"$TB/after" | sed 's/;$//; s/;/; /g')"
byerr=$(tr ' ' '\n' <"$TB/runs" | sed -n 's/^err_//p' | awk -F= '{ s[$1] += $2 } END { for (k in s) printf "%s=%d ", k, s[k] }')
note "errors by kind over all repetitions: ${byerr:-none}"
if [ -n "$byerr" ]; then
	note "failed logins by whole seconds after the release (all repetitions): $(cat "$TB"/rec.* | awk '$8 != "ok" { print int($5 / 1000) "s" }' | sort -n | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')(pam_userauth waits for a reply 10 s of silence, renewed by the daemon's WAIT frames up to 60 s, then fails with PAM_AUTHINFO_UNAVAIL)"
fi
note "SMTP connections for the OTP mails of each repetition: $(tr ' ' '\n' <"$TB/runs" | sed -n 's/^mail_conns=//p' | tr '\n' ' ')(messages: $N each); duplicate mails: $(total "$TB/runs" dup_mails); mails never stamped: $(total "$TB/runs" mail_missing)"
note "OTP mail latency (challenge -> sink) in the bursts: p50 $(spread "$TB/runs" mail_p50_ms) ms, p99 $(spread "$TB/runs" mail_p99_ms) ms"
bench_end
