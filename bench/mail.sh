#!/bin/sh
# SPDX-License-Identifier: MIT
# OTP mail latency section of the benchmarks (BENCHMARKS.md), run by
# bench/run:
#   bench/run mail            1 concurrent (20 logins one after another)
#                             and 100 concurrent, 3 repetitions each
#   bench/run --smoke mail    1 (3 logins) and 5 concurrent, 3 repetitions
# Against two local SMTP servers in turn, one daemon, the same users:
#  - the aiosmtpd sink (tests/tools/smtpsink.py), which stamps the end of
#    DATA (--stamp; same machine, same clock): the exact "accepted", but a
#    single-threaded Python server whose CPU bounds a burst;
#  - a private Postfix (what an admin runs), delivering with its virtual
#    agent into a Maildir.  Its log has whole seconds only, so "accepted"
#    is taken as the moment loginload sees the message in the Maildir
#    (inotify, CLOCK_REALTIME): delivery follows acceptance, so that is an
#    upper bound.  Skipped, and said so, where postfix is not installed
#    (bench/install-deps.sh installs it).
# "Code issued": the moment the login's process got the daemon's EMAIL_OTP
# challenge (pam_userauth calls the conversation right after the reply;
# CLOCK_REALTIME).  Each login is completed with its code, so a lost or
# wrong mail is an error.  Each server's cost per message is its CPU time
# (all its processes) over the measured mails.
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
# Twice the logins: an OTP login's acct_mgmt connection can reach the daemon
# before it has seen that login's auth connection close (with NU + 16, a
# full run had 1 of 100 refused at acct_mgmt: "too many public clients").
bench_setup $((2 * NU + 16))
bench_users 0 "$NU"
bench_specs "$TB/seq" 0 "$SEQ"
bench_specs "$TB/conc" 0 "$CONC"
bench_specs "$TB/warm" 0 1
TCK=$(getconf CLK_TCK)
PARALLEL=$(sed -n 's/^#define MAILER_PARALLEL \([0-9]*\).*/\1/p' \
	"$top_srcdir/helpers/userauthd/mailer.h")

# tree_ticks PID: CPU clock ticks used by PID, its live children and the
# children it reaped (Postfix's master forks smtpd, cleanup, virtual...,
# which come and go; a child's time moves to the parent when reaped).
tree_ticks() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" '
		{
			pid = $1
			sub(/^.*\) /, "")	# past "(comm) ", which may hold spaces
			if (pid == root || $2 == root)
				t += $12 + $13 + $14 + $15
		}
		END { print t + 0 }'
}

# conns_now: SMTP connections Postfix has logged so far.
conns_now() { grep -c 'postfix/smtpd\[[0-9]*\]: connect from' "$PF/maillog" || true; }

# run_pass NAME ROOT_PID: a first mail outside the figures (the sender's
# first transfer, the server's first processes), then REPS x (SEQ logins
# one after another, CONC at once).  Sets CPU_MS (server CPU per mail).
run_pass() {
	bench_login "$TB/$1.warm" "$TB/warm"
	bench_settle 0
	: >"$TB/$1.runs.1"
	: >"$TB/$1.runs.c"
	: >"$TB/$1.conns"
	c0=$(tree_ticks "$2")
	r=1
	while [ $r -le "$REPS" ]; do
		bench_login "$TB/$1.runs.1" -c 1 "$TB/seq"
		bench_settle 0
		[ "$1" = pf ] && k0=$(conns_now)
		bench_login "$TB/$1.runs.c" -c "$CONC" -o "$TB/$1.rec.c.$r" "$TB/conc"
		bench_settle 0
		[ "$1" = pf ] && echo "mail_conns=$(($(conns_now) - k0))" >>"$TB/$1.conns"
		r=$((r + 1))
	done
	c1=$(tree_ticks "$2")
	CPU_MS=$(awk -v t=$((c1 - c0)) -v hz="$TCK" -v n=$((REPS * (SEQ + CONC))) \
		'BEGIN { printf "%.2f", t * 1000 / hz / n }')
}

# pf_start: a Postfix of our own on 127.0.0.1:$PORT (the daemon's
# smtp_url), config and queue under $TB/pf; mail for example.com goes
# through its virtual agent into one Maildir, $TB/pf/mail/all.
pf_start() {
	PF=$TB/pf
	mkdir -p "$PF/etc" "$PF/queue" "$PF/data" "$PF/mail/all/new" \
		"$PF/mail/all/cur" "$PF/mail/all/tmp"
	chown postfix "$PF/data"
	chown -R postfix:postfix "$PF/mail"
	# No DNS (smtpd_peername_lookup, smtp_dns_support_level): this
	# namespace has none, and a lookup per connection is not what is
	# measured.  in_flow_delay = 0: Postfix would otherwise pace senders
	# when its queue manager lags, a defence a local relay under a login
	# burst must not apply.  No connection count or rate limits for
	# 127.0.0.1 (anvil), no aliases, nothing local to deliver to.
	cat >"$PF/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
myhostname = relay.bench.invalid
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
biff = no
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
in_flow_delay = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_connection_count_limit = 0
smtpd_client_message_rate_limit = 0
virtual_mailbox_domains = example.com
virtual_mailbox_base = $PF/mail
virtual_mailbox_maps = static:all/
virtual_uid_maps = static:$(id -u postfix)
virtual_gid_maps = static:$(id -g postfix)
virtual_minimum_uid = $(id -u postfix)
EOF
	# No chroot (column 5 "n"): the queue lives in $TB.  smtpd: 32
	# processes, twice what the daemon opens at once.  virtual runs as
	# root (unprivileged "n") to take the Maildir's owner.
	cat >"$PF/etc/master.cf" <<EOF
127.0.0.1:$PORT inet n - n - 32 smtpd
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
proxymap unix - - n - - proxymap
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
virtual unix - n n - - virtual
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
EOF
	# "postfix check" makes the queue's subdirs with their owners.
	postfix -c "$PF/etc" check >"$TB/pf.check" 2>&1 ||
		{ cat "$TB/pf.check" >&2; return 1; }
	# master in the foreground (-d): our child, stopped by ua_cleanup's
	# SIGTERM, which it passes on to its processes.
	"$(postconf -dh daemon_directory)/master" -c "$PF/etc" -d \
		>"$TB/pf.out" 2>&1 &
	PF_PID=$!
	UA_PIDS="$UA_PIDS $PF_PID"
	ua_wait_for 100 sh -c "ss -ltn | grep -q '127.0.0.1:$PORT '" ||
		{ cat "$TB/pf.out" "$PF/maillog" >&2; return 1; }
}

# --- aiosmtpd (started by bench_setup on $PORT) ----------------------------
run_pass ai "$SINK_PID"
AI_CPU=$CPU_MS

# --- Postfix, on the same port once the sink is gone ------------------------
PF_SKIP=""
if ! command -v postfix >/dev/null 2>&1 || ! id postfix >/dev/null 2>&1; then
	PF_SKIP="postfix is not installed (bench/install-deps.sh installs it)"
fi
if [ -z "$PF_SKIP" ]; then
	kill "$SINK_PID"
	wait "$SINK_PID" 2>/dev/null
	UA_PIDS=$(echo " $UA_PIDS " | sed "s/ $SINK_PID / /")
	if pf_start; then
		MAILDIR=$PF/mail/all
		STAMPS=""
		run_pass pf "$PF_PID"
		PF_CPU=$CPU_MS
	else
		PF_SKIP="the private Postfix did not start (see above)"
		FAILED=1
	fi
fi

# row FILE CONC MAILS CONNS: one line of the latency table.
row() {
	echo "| $2 | $3 | $(spread "$1" mail_p50_ms) | $(spread "$1" mail_p99_ms) | $(agg "$1" mail_max_ms | cut -d'|' -f3) | $(($(total "$1" errors) + $(total "$1" mail_missing))) | $4 | p50 <= 50 ms, p99 <= 250 ms |"
}
conns_of() { tr ' ' '\n' <"$1" | sed -n 's/^mail_conns=//p' | tr '\n' ' ' | sed 's/ $//'; }
HEAD="| concurrent users | mails per rep | median p50 ms (min–max) | median p99 ms (min–max) | max ms (worst rep) | errors | SMTP connections per rep | target |
|---|---|---|---|---|---|---|---|"

echo "## OTP mail: code issued -> message accepted by a local SMTP server (ms; $REPS repetitions)"
echo
if [ -z "$PF_SKIP" ]; then
	echo "### Postfix $(postconf -dh mail_version) (private instance, virtual delivery): code issued -> message in the Maildir, an upper bound of \"accepted\" (delivery follows acceptance)"
	echo
	echo "$HEAD"
	row "$TB/pf.runs.1" 1 "$SEQ (one at a time)" "$SEQ each"
	row "$TB/pf.runs.c" "$CONC" "$CONC (at once)" "$(conns_of "$TB/pf.conns")"
else
	echo "### Postfix: skipped: $PF_SKIP"
fi
echo
echo "### aiosmtpd sink (tests/tools/smtpsink.py): code issued -> end of DATA stamped by the sink (exact)"
echo
echo "$HEAD"
row "$TB/ai.runs.1" 1 "$SEQ (one at a time)" "$(conns_of "$TB/ai.runs.1")"
row "$TB/ai.runs.c" "$CONC" "$CONC (at once)" "$(conns_of "$TB/ai.runs.c")"
echo
echo "### What each server costs per message (CPU of all its processes over the $((REPS * (SEQ + CONC))) measured mails)"
echo
echo "| server | CPU ms per message | CPU for $CONC messages | floor from its CPU alone: the last of $CONC no sooner than (ms) | measured p50 / max, $CONC at once (ms) |"
echo "|---|---|---|---|---|"
# cost ROWS-FILE CPU-MS THREADS: the floor the server's CPU alone puts on
# a burst (all its work spread over THREADS), beside what was measured.
cost() {
	awk -v c="$2" -v n="$CONC" -v k="$3" 'BEGIN { printf "%.2f | %.0f ms | %.0f", c, c * n, c * n / k }'
	echo " | $(agg "$1" mail_p50_ms | cut -d'|' -f1) / $(agg "$1" mail_max_ms | cut -d'|' -f3) |"
}
[ -z "$PF_SKIP" ] && echo "| Postfix (smtpd, cleanup, qmgr, trivial-rewrite, virtual: processes over $(nproc) cores) | $(cost "$TB/pf.runs.c" "$PF_CPU" "$(nproc)")"
echo "| aiosmtpd (one Python thread) | $(cost "$TB/ai.runs.c" "$AI_CPU" 1)"
echo
echo "### Whole OTP login (release -> pam_acct_mgmt done, the code read from the Maildir and answered)"
echo
echo "| server | concurrent users | median p50 ms (min–max) | median p99 ms (min–max) | max ms (worst rep) |"
echo "|---|---|---|---|---|"
for s in pf ai; do
	[ -f "$TB/$s.runs.c" ] || continue
	name=$([ $s = pf ] && echo Postfix || echo aiosmtpd)
	echo "| $name | 1 | $(spread "$TB/$s.runs.1" otp_p50_ms) | $(spread "$TB/$s.runs.1" otp_p99_ms) | $(agg "$TB/$s.runs.1" otp_max_ms | cut -d'|' -f3) |"
	echo "| $name | $CONC | $(spread "$TB/$s.runs.c" otp_p50_ms) | $(spread "$TB/$s.runs.c" otp_p99_ms) | $(agg "$TB/$s.runs.c" otp_max_ms | cut -d'|' -f3) |"
done
echo
echo "### Notes"
# Where the time of a burst goes: the daemon hands out the challenges
# (codes issued) over some span, and the mails reach the server over
# another.
for s in pf ai; do
	[ -f "$TB/$s.runs.c" ] || continue
	name=$([ $s = pf ] && echo Postfix || echo aiosmtpd)
	for f in "$TB/$s".rec.c.*; do
		awk '$6 >= 0 { i = $6 > i ? $6 : i; m = $6 + $7 > m ? $6 + $7 : m }
			END { printf "%.0f %.0f\n", i, m }' "$f"
	done >"$TB/$s.spans"
	note "$([ $s = pf ] && echo "Postfix, $CONC at once, per repetition: last challenge seen / last mail in the Maildir" || echo "aiosmtpd, $CONC at once, per repetition: last challenge seen / last mail accepted"), ms after the release: $(awk '{ printf "%s%s / %s", (NR > 1 ? "; " : ""), $1, $2 }' "$TB/$s.spans")"
	note "$name: duplicate mails: $(($(total "$TB/$s.runs.1" dup_mails) + $(total "$TB/$s.runs.c" dup_mails))); mails never seen: $(($(total "$TB/$s.runs.1" mail_missing) + $(total "$TB/$s.runs.c" mail_missing)))"
done
if [ -z "$PF_SKIP" ]; then
	note "Postfix's own log has whole seconds only; its delay= (receipt to delivery, s) over all mails: $(sed -n 's/.*postfix\/virtual.*, delay=\([0-9.]*\),.*status=sent.*/\1/p' "$PF/maillog" | sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "median %s, max %s (%d mails)", v[int((NR + 1) / 2)], v[NR], NR }')"
	note "the Postfix figures include loginload noticing the file (one process reading the Maildir by inotify while the logins run on the same $(nproc) cores)"
else
	note "Postfix rows skipped: $PF_SKIP"
fi
IDLE=$(sed -n 's/^#define MAILSEND_IDLE_SECONDS \([0-9]*\).*/\1/p' \
	"$top_srcdir/helpers/userauthd/mailsend.h")
note "the daemon sends with up to ${PARALLEL:-?} sender threads (MAILER_PARALLEL), each keeping its SMTP connection for its next message (closed after ${IDLE:-?} s idle): 'SMTP connections per rep' is the connections, so the TCP handshakes (and over TLS the STARTTLS handshakes, AUTH), that the server saw for the mails"
bench_end
